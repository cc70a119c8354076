"""Erasure of a thread's content (right to erasure, retention): the events that record it and their rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from domain.errors import MessageNotFound, ThreadNotFound
from domain.states import IN_PROGRESS, INCOMPLETE, Actor

if TYPE_CHECKING:
    _Base = Aggregate
else:
    _Base = object

ERASED_MARK = "msgstore_erased_at"
"""The metadata key an erased message answers with (its value: when, in Unix seconds); its content is []."""


class Erasure(_Base):
    """The erasure events of ``Thread`` (domain/thread.py): who erased what, when and why — never the content."""

    class MessageErased(Aggregate.Event):
        """A message's or item's content was erased (its data key destroyed); it stays, empty."""

        thread_id: str
        message_id: str
        reason: str
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            """An erased message takes no more content: one still in progress ends incomplete."""
            thread: Any = aggregate
            if thread.messages.get(self.message_id) == IN_PROGRESS:
                thread.messages[self.message_id] = INCOMPLETE
            thread.open_blocks.pop(self.message_id, None)

    class Erased(Aggregate.Event):
        """A thread (conversation) and all its content were erased; it is gone, as if deleted."""

        thread_id: str
        reason: str
        actor: Actor

        def apply(self, aggregate: Aggregate) -> None:
            """The thread refuses everything from now on."""
            thread: Any = aggregate
            thread.is_deleted = True
            thread.is_erased = True
            thread.open_blocks.clear()

    def erase_message(self, message_id: str, reason: str, actor: Actor) -> None:
        """Erase one message's or item's content (its owner's request, or an operator's)."""
        thread: Any = self
        self.require_tenant(actor["tenant"])
        if message_id not in thread.messages:  # deleted ones too: their content is still in the log
            raise MessageNotFound(message_id)
        thread._record(self.MessageErased, actor, message_id=message_id, reason=reason)

    def erase(self, reason: str, actor: Actor) -> None:
        """Erase the whole thread, deleted or not: its metadata and every message's and item's content."""
        thread: Any = self
        self.require_tenant(actor["tenant"])
        thread._record(self.Erased, actor, reason=reason)

    def require_tenant(self, tenant: str) -> None:
        """Refuse a thread of another tenant, and one already erased (a deleted one may still be erased)."""
        thread: Any = self
        if thread.tenant != tenant or getattr(thread, "is_erased", False):
            raise ThreadNotFound(thread.thread_id)
