"""The thread aggregate: every change to a thread (a conversation) or its messages and items is an event on it."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.content import block_types, check_delta
from domain.conversation_content import THREAD_ROLES, item_to_message_content
from domain.erasure import Erasure
from domain.ids import thread_uuid
from domain.states import COMPLETED, DELETED, HIDDEN, IN_PROGRESS, INCOMPLETE, ITEM, Actor
from domain.thread_commands import ThreadCommands


class Ending(Aggregate.Event):
    """An event that ends one message or item of a thread in the state ``ends_as``."""

    ends_as: ClassVar[str]

    @property
    def ended_id(self) -> str:
        """The message ended (an item event names its own)."""
        return str(self.message_id)  # type: ignore[attr-defined]

    def apply(self, aggregate: Aggregate) -> None:
        """The message or item takes its final state."""
        aggregate.ended(self.ended_id, self.ends_as)  # type: ignore[attr-defined]


class Thread(Erasure, ThreadCommands, Aggregate):
    """A conversation owned by one tenant; holds only what its rules need.

    ``messages`` maps every message and item id to its state: a thread message's status, ``hidden``,
    ``item`` or ``deleted`` (one map: ids are unique in the thread whatever the API that created them).
    """

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

        def apply(self, aggregate: Aggregate) -> None:
            """The thread refuses everything from now on."""
            aggregate.is_deleted = True  # type: ignore[attr-defined]

    class MessageCreated(Aggregate.Event):
        """A message was appended; ``seq`` orders the thread's messages and items."""

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

        def apply(self, aggregate: Aggregate) -> None:
            """The message takes its status and the next sequence number."""
            thread: Thread = aggregate  # type: ignore[assignment]
            thread.created(self.message_id, self.seq, self.status, self.content)

    class ItemCreated(Aggregate.Event):
        """A conversation item was appended, kept as the Conversations API answers it (without its id)."""

        thread_id: str
        item_id: str
        seq: int
        item: dict[str, Any]
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            """A message item is a message (hidden if the Assistants API cannot show it); others are items."""
            thread: Thread = aggregate  # type: ignore[assignment]
            item = self.item
            if item.get("type") != "message":
                state = ITEM + str(item.get("type"))
            elif item.get("role") not in THREAD_ROLES:
                state = HIDDEN
            else:
                state = item.get("status") or COMPLETED
            # Only an in-progress message keeps its blocks; another item's "content" may be any JSON at all.
            content = item.get("content") if state == IN_PROGRESS else None
            thread.created(self.item_id, self.seq, state, item_to_message_content(content or []))

    class MessageModified(Aggregate.Event):
        """A message's metadata was replaced (None: unchanged)."""

        thread_id: str
        message_id: str
        metadata: dict[str, str] | None
        actor: Actor

    class MessageDeleted(Ending):
        """A message (or a message item, whatever its role) was deleted."""

        thread_id: str
        message_id: str
        actor: Actor
        ends_as = DELETED

    class ItemDeleted(Ending):
        """A conversation item other than a message, of type ``type``, was deleted."""

        thread_id: str
        item_id: str
        type: str
        actor: Actor
        ends_as = DELETED

        @property
        def ended_id(self) -> str:
            """The item ended."""
            return self.item_id

    class MessageDeltaAppended(Aggregate.Event):
        """Content was appended to an in-progress message (parts as OpenAI's message delta carries them)."""

        thread_id: str
        message_id: str
        content: list[dict[str, Any]]
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            """The message's blocks grow."""
            blocks: dict[str, list[str]] = aggregate.open_blocks  # type: ignore[attr-defined]
            blocks[self.message_id] = check_delta(self.message_id, blocks[self.message_id], self.content)

    class MessageCompleted(Ending):
        """An in-progress message was completed."""

        thread_id: str
        message_id: str
        actor: Actor
        ends_as = COMPLETED

    class MessageMarkedIncomplete(Ending):
        """An in-progress message ended without completing, for ``reason``."""

        thread_id: str
        message_id: str
        reason: str
        actor: Actor
        ends_as = INCOMPLETE

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
        # message or item id -> its state (see the class docstring)
        self.messages: dict[str, str] = {}
        # in-progress message id -> the types of its content blocks (what the delta rule needs)
        self.open_blocks: dict[str, list[str]] = {}

    # --- state changes of the events ---------------------------------------

    def created(self, message_id: str, seq: int, state: str, content: list[dict[str, Any]]) -> None:
        """A message or item now exists in ``state`` at ``seq``."""
        self.messages[message_id] = state
        self.next_seq = seq + 1
        if state == IN_PROGRESS:
            self.open_blocks[message_id] = block_types(content)

    def ended(self, message_id: str, state: str) -> None:
        """A message left ``in_progress`` (or any state, for ``deleted``)."""
        self.messages[message_id] = state
        self.open_blocks.pop(message_id, None)
