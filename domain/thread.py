"""The thread aggregate: every change to a thread or its messages is an event on it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.content import block_types, check_delta
from domain.errors import InvalidTransition, MessageNotFound, ThreadNotFound
from domain.ids import thread_uuid

Actor = dict[str, str]
"""Who caused an event: ``{"tenant": …, "key_id": …}`` (never the key itself)."""

DELETED = "deleted"
COMPLETED = "completed"
IN_PROGRESS = "in_progress"
INCOMPLETE = "incomplete"
INCOMPLETE_REASONS = ("content_filter", "max_tokens", "run_cancelled", "run_expired", "run_failed")


class Thread(Aggregate):
    """A conversation owned by one tenant; holds only what its rules need."""

    class Created(Aggregate.Created):
        """A thread was created."""

        thread_id: str
        tenant: str
        metadata: dict[str, str]
        tool_resources: dict[str, Any] | None
        actor: Actor

    class Modified(Aggregate.Event):
        """A thread's metadata and/or tool resources were replaced (None: unchanged)."""

        thread_id: str
        metadata: dict[str, str] | None
        tool_resources: dict[str, Any] | None
        actor: Actor

    class Deleted(Aggregate.Event):
        """A thread was deleted."""

        thread_id: str
        actor: Actor

    class MessageCreated(Aggregate.Event):
        """A message was appended; ``seq`` orders the thread's messages."""

        thread_id: str
        message_id: str
        seq: int
        role: str
        content: list[dict[str, Any]]
        attachments: list[dict[str, Any]]
        metadata: dict[str, str]
        assistant_id: str | None
        run_id: str | None
        status: str
        actor: Actor

    class MessageModified(Aggregate.Event):
        """A message's metadata was replaced (None: unchanged)."""

        thread_id: str
        message_id: str
        metadata: dict[str, str] | None
        actor: Actor

    class MessageDeleted(Aggregate.Event):
        """A message was deleted."""

        thread_id: str
        message_id: str
        actor: Actor

    class MessageDeltaAppended(Aggregate.Event):
        """Content was appended to an in-progress message (parts as OpenAI's message delta carries them)."""

        thread_id: str
        message_id: str
        content: list[dict[str, Any]]
        actor: Actor

    class MessageCompleted(Aggregate.Event):
        """An in-progress message was completed."""

        thread_id: str
        message_id: str
        actor: Actor

    class MessageMarkedIncomplete(Aggregate.Event):
        """An in-progress message ended without completing, for ``reason``."""

        thread_id: str
        message_id: str
        reason: str
        actor: Actor

    @staticmethod
    def create_id(thread_id: str, **_: Any) -> UUID:
        """Derive the aggregate id from the public thread id."""
        return thread_uuid(thread_id)

    @event(Created)
    def __init__(
        self,
        thread_id: str,
        tenant: str,
        metadata: dict[str, str],
        tool_resources: dict[str, Any] | None,
        actor: Actor,
    ) -> None:
        self.thread_id = thread_id
        self.tenant = tenant
        self.is_deleted = False
        self.next_seq = 1
        # message id -> status ("in_progress", "completed", "incomplete" or "deleted")
        self.messages: dict[str, str] = {}
        # in-progress message id -> the types of its content blocks (what the delta rule needs)
        self.open_blocks: dict[str, list[str]] = {}

    # --- rules -------------------------------------------------------------

    def require_owner(self, tenant: str) -> None:
        """Refuse a live thread to anyone but its tenant, and a deleted thread to all."""
        if self.tenant != tenant or self.is_deleted:
            raise ThreadNotFound(self.thread_id)

    def require_message(self, message_id: str) -> str:
        """Return the status of a live message of this thread, or refuse."""
        status = self.messages.get(message_id)
        if status is None or status == DELETED:
            raise MessageNotFound(message_id)
        return status

    def require_in_progress(self, message_id: str, change: str) -> None:
        """Refuse ``change`` (e.g. "be completed") unless the message exists and is in progress."""
        status = self.messages.get(message_id)
        if status is None:
            raise MessageNotFound(message_id)
        if status != IN_PROGRESS:
            state = "was deleted" if status == DELETED else f"is {status}"
            raise InvalidTransition(f"Message '{message_id}' {state}: only an in_progress message can {change}.")

    # --- commands ----------------------------------------------------------

    def modify(
        self,
        metadata: dict[str, str] | None,
        tool_resources: dict[str, Any] | None,
        actor: Actor,
    ) -> None:
        """Replace the thread's metadata and/or tool resources."""
        self.require_owner(actor["tenant"])
        self._modified(thread_id=self.thread_id, metadata=metadata, tool_resources=tool_resources, actor=actor)

    def delete(self, actor: Actor) -> None:
        """Delete the thread; nothing can happen in it afterwards."""
        self.require_owner(actor["tenant"])
        self._deleted(thread_id=self.thread_id, actor=actor)

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
    ) -> int:
        """Append a message to the thread and return its sequence number."""
        self.require_owner(actor["tenant"])
        if message_id in self.messages:
            raise InvalidTransition(f"Message '{message_id}' already exists.")
        seq = self.next_seq
        self._message_created(
            thread_id=self.thread_id,
            message_id=message_id,
            seq=seq,
            role=role,
            content=content,
            attachments=attachments,
            metadata=metadata,
            assistant_id=assistant_id,
            run_id=run_id,
            status=status,
            actor=actor,
        )
        return seq

    def modify_message(self, message_id: str, metadata: dict[str, str] | None, actor: Actor) -> None:
        """Replace a live message's metadata (None leaves it as it is)."""
        self.require_owner(actor["tenant"])
        self.require_message(message_id)
        self._message_modified(thread_id=self.thread_id, message_id=message_id, metadata=metadata, actor=actor)

    def delete_message(self, message_id: str, actor: Actor) -> None:
        """Delete a live message."""
        self.require_owner(actor["tenant"])
        self.require_message(message_id)
        self._message_deleted(thread_id=self.thread_id, message_id=message_id, actor=actor)

    def append_to_message(self, message_id: str, content: list[dict[str, Any]], actor: Actor) -> None:
        """Append delta parts (``{"index", "type", …}``) to an in-progress message's content."""
        self.require_owner(actor["tenant"])
        self.require_in_progress(message_id, "receive deltas")
        check_delta(message_id, self.open_blocks[message_id], content)
        self._message_delta_appended(thread_id=self.thread_id, message_id=message_id, content=content, actor=actor)

    def complete_message(self, message_id: str, actor: Actor) -> None:
        """Mark an in-progress message completed."""
        self.require_owner(actor["tenant"])
        self.require_in_progress(message_id, "be completed")
        self._message_completed(thread_id=self.thread_id, message_id=message_id, actor=actor)

    def mark_message_incomplete(self, message_id: str, reason: str, actor: Actor) -> None:
        """Mark an in-progress message incomplete, for one of ``INCOMPLETE_REASONS``."""
        self.require_owner(actor["tenant"])
        self.require_in_progress(message_id, "be marked incomplete")
        if reason not in INCOMPLETE_REASONS:
            raise InvalidTransition(f"Invalid incomplete reason {reason!r}: expected one of {INCOMPLETE_REASONS}.")
        self._message_marked_incomplete(thread_id=self.thread_id, message_id=message_id, reason=reason, actor=actor)

    # --- events ------------------------------------------------------------

    @event(Modified)
    def _modified(
        self,
        thread_id: str,
        metadata: dict[str, str] | None,
        tool_resources: dict[str, Any] | None,
        actor: Actor,
    ) -> None:
        pass

    @event(Deleted)
    def _deleted(self, thread_id: str, actor: Actor) -> None:
        self.is_deleted = True

    @event(MessageCreated)
    def _message_created(
        self,
        thread_id: str,
        message_id: str,
        seq: int,
        role: str,
        content: list[dict[str, Any]],
        attachments: list[dict[str, Any]],
        metadata: dict[str, str],
        assistant_id: str | None,
        run_id: str | None,
        status: str,
        actor: Actor,
    ) -> None:
        self.messages[message_id] = status
        self.next_seq = seq + 1
        if status == IN_PROGRESS:
            self.open_blocks[message_id] = block_types(content)

    @event(MessageModified)
    def _message_modified(self, thread_id: str, message_id: str, metadata: dict[str, str] | None, actor: Actor) -> None:
        pass

    @event(MessageDeleted)
    def _message_deleted(self, thread_id: str, message_id: str, actor: Actor) -> None:
        self.messages[message_id] = DELETED
        self.open_blocks.pop(message_id, None)

    @event(MessageDeltaAppended)
    def _message_delta_appended(
        self, thread_id: str, message_id: str, content: list[dict[str, Any]], actor: Actor
    ) -> None:
        self.open_blocks[message_id] = check_delta(message_id, self.open_blocks[message_id], content)

    @event(MessageCompleted)
    def _message_completed(self, thread_id: str, message_id: str, actor: Actor) -> None:
        self.messages[message_id] = COMPLETED
        self.open_blocks.pop(message_id, None)

    @event(MessageMarkedIncomplete)
    def _message_marked_incomplete(self, thread_id: str, message_id: str, reason: str, actor: Actor) -> None:
        self.messages[message_id] = INCOMPLETE
        self.open_blocks.pop(message_id, None)
