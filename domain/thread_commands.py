"""What may be done to a thread, and the events each command records (the thread aggregate's command side)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.content import check_delta
from domain.errors import IdTaken, InvalidTransition, ItemNotFound, MessageNotFound, ThreadNotFound
from domain.states import COMPLETED, DELETED, HIDDEN, IN_PROGRESS, INCOMPLETE_REASONS, ITEM, MESSAGE_STATES, Actor

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate as _Base
else:
    _Base = object


class ThreadCommands(_Base):
    """The rules and commands of ``Thread`` (domain/thread.py), which holds the state and the events."""

    if TYPE_CHECKING:
        thread_id: str
        tenant: str
        is_deleted: bool
        next_seq: int
        messages: dict[str, str]
        open_blocks: dict[str, list[str]]
        Modified: type[_Base.Event]
        Deleted: type[_Base.Event]
        MessageCreated: type[_Base.Event]
        ItemCreated: type[_Base.Event]
        MessageModified: type[_Base.Event]
        MessageDeleted: type[_Base.Event]
        ItemDeleted: type[_Base.Event]
        MessageDeltaAppended: type[_Base.Event]
        MessageCompleted: type[_Base.Event]
        MessageMarkedIncomplete: type[_Base.Event]

    # --- rules -------------------------------------------------------------

    def require_owner(self, tenant: str) -> None:
        """Refuse a live thread to anyone but its tenant, and a deleted thread to all."""
        if self.tenant != tenant or self.is_deleted:
            raise ThreadNotFound(self.thread_id)

    def require_message(self, message_id: str) -> str:
        """Return the status of a live message the Assistants API shows, or refuse."""
        status = self.messages.get(message_id)
        if status not in MESSAGE_STATES:
            raise MessageNotFound(message_id)
        return status

    def require_in_progress(self, message_id: str, change: str) -> None:
        """Refuse ``change`` (e.g. "be completed") unless the message exists and is in progress."""
        status = self.messages.get(message_id)
        if status is None or status == HIDDEN or status.startswith(ITEM):
            raise MessageNotFound(message_id)
        if status != IN_PROGRESS:
            state = "was deleted" if status == DELETED else f"is {status}"
            raise InvalidTransition(f"Message '{message_id}' {state}: only an in_progress message can {change}.")

    def require_item(self, item_id: str) -> str:
        """Return the state of a live message or item of this conversation, or refuse."""
        state = self.messages.get(item_id)
        if state is None or state == DELETED:
            raise ItemNotFound(item_id)
        return state

    def _unused(self, message_id: str, what: str) -> None:
        if message_id in self.messages:
            raise IdTaken(f"{what} '{message_id}' already exists.", message_id)

    def _record(self, event_class: Any, actor: Actor, **fields: Any) -> None:
        """Trigger an event of this thread by ``actor`` (a ``timestamp`` field, if given, says when)."""
        self.trigger_event(event_class, thread_id=self.thread_id, actor=actor, **fields)

    # --- commands ----------------------------------------------------------

    def modify(
        self,
        metadata: dict[str, str] | None,
        tool_resources: dict[str, Any] | None,
        actor: Actor,
    ) -> None:
        """Replace the thread's metadata and/or tool resources."""
        self.require_owner(actor["tenant"])
        self._record(self.Modified, actor, metadata=metadata, tool_resources=tool_resources)

    def delete(self, actor: Actor) -> None:
        """Delete the thread; nothing can happen in it afterwards."""
        self.require_owner(actor["tenant"])
        self._record(self.Deleted, actor)

    def create_message(
        self,
        message_id: str,
        role: str,
        content: list[dict[str, Any]],
        attachments: list[dict[str, Any]],
        metadata: dict[str, str],
        actor: Actor,
        assistant_id: str | None = None,
        run_id: str | None = None,
        status: str = COMPLETED,
        timestamp: datetime | None = None,
    ) -> int:
        """Append a message to the thread and return its sequence number (``timestamp``: when, if not now)."""
        self.require_owner(actor["tenant"])
        self._unused(message_id, "Message")
        seq = self.next_seq
        self._record(
            self.MessageCreated,
            actor,
            message_id=message_id,
            seq=seq,
            role=role,
            content=content,
            attachments=attachments,
            metadata=metadata,
            assistant_id=assistant_id,
            run_id=run_id,
            status=status,
            timestamp=timestamp,
        )
        return seq

    def create_item(self, item_id: str, item: dict[str, Any], actor: Actor, timestamp: datetime | None = None) -> int:
        """Append a conversation item (its answer form, without the id) and return its sequence number."""
        self.require_owner(actor["tenant"])
        self._unused(item_id, "Item")
        seq = self.next_seq
        self._record(self.ItemCreated, actor, item_id=item_id, seq=seq, item=item, timestamp=timestamp)
        return seq

    def modify_message(
        self, message_id: str, metadata: dict[str, str] | None, actor: Actor, timestamp: datetime | None = None
    ) -> None:
        """Replace a live message's metadata (None leaves it as it is)."""
        self.require_owner(actor["tenant"])
        self.require_message(message_id)
        self._record(self.MessageModified, actor, message_id=message_id, metadata=metadata, timestamp=timestamp)

    def delete_message(self, message_id: str, actor: Actor) -> None:
        """Delete a live message."""
        self.require_owner(actor["tenant"])
        self.require_message(message_id)
        self._record(self.MessageDeleted, actor, message_id=message_id)

    def delete_item(self, item_id: str, actor: Actor) -> None:
        """Delete a live item of the conversation: a message of any role, or another item."""
        self.require_owner(actor["tenant"])
        state = self.require_item(item_id)
        if state.startswith(ITEM):
            item_type = state.removeprefix(ITEM)
            self._record(self.ItemDeleted, actor, item_id=item_id, type=item_type)
        else:
            self._record(self.MessageDeleted, actor, message_id=item_id)

    def append_to_message(self, message_id: str, content: list[dict[str, Any]], actor: Actor) -> None:
        """Append delta parts (``{"index", "type", …}``) to an in-progress message's content."""
        self.require_owner(actor["tenant"])
        self.require_in_progress(message_id, "receive deltas")
        check_delta(message_id, self.open_blocks[message_id], content)
        self._record(self.MessageDeltaAppended, actor, message_id=message_id, content=content)

    def complete_message(self, message_id: str, actor: Actor, timestamp: datetime | None = None) -> None:
        """Mark an in-progress message completed."""
        self.require_owner(actor["tenant"])
        self.require_in_progress(message_id, "be completed")
        self._record(self.MessageCompleted, actor, message_id=message_id, timestamp=timestamp)

    def mark_message_incomplete(
        self, message_id: str, reason: str, actor: Actor, timestamp: datetime | None = None
    ) -> None:
        """Mark an in-progress message incomplete, for one of ``INCOMPLETE_REASONS``."""
        self.require_owner(actor["tenant"])
        self.require_in_progress(message_id, "be marked incomplete")
        if reason not in INCOMPLETE_REASONS:
            raise InvalidTransition(f"Invalid incomplete reason {reason!r}: expected one of {INCOMPLETE_REASONS}.")
        self._record(self.MessageMarkedIncomplete, actor, message_id=message_id, reason=reason, timestamp=timestamp)
