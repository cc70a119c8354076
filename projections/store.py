"""The message store: commands go through the writer, reads come from the views."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from domain.application import ThreadsApplication
from domain.errors import InvalidTransition, ThreadNotFound
from domain.ids import MESSAGE_PREFIX, THREAD_PREFIX, new_message_id, new_thread_id
from domain.thread import Actor, Thread
from projections.history.queries import History
from projections.messages.async_reads import AsyncReads
from projections.messages.projector import message_row, thread_row
from projections.projection import Projector
from projections.messages.view import MessagesView, Page, render_message, render_thread
from projections.registry import inline_projections
from projections.runners.rebuild import setup_projections
from projections.runners.status import readiness
from projections.storage.database import Database, open_database
from projections.storage.signal import EventSignal
from projections.storage.sql import Cursor
from projections.write.renders import CreatedRender, MessageRender
from projections.write.writer import Command, Idempotency, Outcome, Writer


@dataclass(frozen=True)
class NewMessage:
    """A message to append: content already in its stored (wire) form."""

    role: str
    content: list[dict[str, Any]]
    attachments: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    assistant_id: str | None = None
    run_id: str | None = None
    status: str = "completed"


class MessageStore:
    """Everything the API does with threads and messages, on one database."""

    def __init__(
        self,
        database: Database,
        *,
        max_batch: int = 256,
        cache_size: int = 2000,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.database = database
        with database.setup_lock():
            self.app = ThreadsApplication(env=database.application_env())
            database.setup()
        tables = database.live_tables
        self.view = MessagesView(tables)
        # Set by an API process on PostgreSQL: the hottest reads on its event loop (messages/async_reads.py).
        self.async_reads: AsyncReads | None = None
        setup_projections(database, self.app)  # every registered projection's tables; inline ones backfilled
        # Views updated in the transaction that records the events (read-your-writes): see projections/registry.py.
        self.inline_projectors: list[Projector] = [p.build(database.dialect) for p in inline_projections()]
        self.projector = self.inline_projectors[0]
        self.history = History(self)  # the audit history (projected inline through the registry)
        self.signal = EventSignal()
        self.signal = EventSignal()

        def committed(events: int) -> None:
            self.signal.notify()
            if on_batch is not None:
                on_batch(events)

        self.writer = Writer(
            self.app, database, self.inline_projectors, max_batch=max_batch, cache_size=cache_size, on_batch=committed
        )

    @classmethod
    def open(cls, url: str, *, pool_size: int = 10, **kwargs: Any) -> MessageStore:
        """Open the store at a database URL."""
        return cls(open_database(url, pool_size=pool_size), **kwargs)

    def follow_other_processes(self) -> None:
        """Wake ``signal`` waiters on events other processes record too (a listener thread)."""
        self.signal.listen(self.database.listen_for_events)

    def close(self) -> None:
        """Finish queued writes and release connections."""
        self.writer.stop()
        self.signal.stop()
        self.app.close()
        self.database.close()

    # --- reads ---------------------------------------------------------------

    def thread(self, tenant: str, thread_id: str) -> dict[str, Any]:
        """Return a live thread of this tenant."""
        with self.database.read() as curs:
            found = self.view.thread(curs, tenant, thread_id)
        if found is None:
            raise ThreadNotFound(thread_id)
        return found

    def message(self, tenant: str, thread_id: str, message_id: str) -> dict[str, Any]:
        """Return a live message of a live thread of this tenant."""
        with self.database.read() as curs:
            return self.view.message_in_thread(curs, tenant, thread_id, message_id)

    def messages(self, tenant: str, thread_id: str, **page: Any) -> Page:
        """Return a page of a live thread's messages (see ``MessagesView.page``)."""
        with self.database.read() as curs:
            found = self.view.page(curs, tenant, thread_id, **page)
        if found is None:
            raise ThreadNotFound(thread_id)
        return found

    def readiness(self, max_async_lag: int | None = None) -> dict[str, Any]:
        """Report whether the database answers and no projection the API serves lags too far (see ``status``)."""
        return readiness(self.database, self.app, max_async_lag)

    def recall(self, tenant: str, key: str) -> Outcome | None:
        """Return the recorded answer to an earlier request with this idempotency key."""
        found = self.database.recall_response(tenant, key)
        if found is None:
            return None
        fingerprint, status, body = found
        return Outcome(status, body, fingerprint, replayed=True)

    # --- writes ----------------------------------------------------------------

    def create_thread(
        self,
        actor: Actor,
        *,
        metadata: dict[str, str],
        tool_resources: dict[str, Any] | None,
        messages: list[NewMessage],
        idempotency: Idempotency | None = None,
    ) -> Future[Outcome]:
        """Create a thread, with its first messages, in one transaction."""
        thread_id = new_thread_id()
        message_ids = [new_message_id() for _ in messages]

        def execute(aggregate: Thread | None) -> Thread:
            if aggregate is not None:
                raise InvalidTransition(f"Thread '{thread_id}' already exists.")
            thread = Thread(
                thread_id=thread_id,
                tenant=actor["tenant"],
                metadata=metadata,
                tool_resources=tool_resources,
                actor=actor,
            )
            for message_id, message in zip(message_ids, messages, strict=True):
                thread.create_message(message_id, actor=actor, **vars(message))
            render.event = thread.pending_events[0]
            return thread

        render = CreatedRender(render_thread, thread_row)
        return self._submit(thread_id, execute, render, idempotency)

    def modify_thread(
        self,
        actor: Actor,
        thread_id: str,
        *,
        metadata: dict[str, str] | None,
        tool_resources: dict[str, Any] | None,
        idempotency: Idempotency | None = None,
    ) -> Future[Outcome]:
        """Replace a thread's metadata and/or tool resources."""

        def execute(aggregate: Thread | None) -> Thread:
            thread = self._owned(aggregate, actor, thread_id)
            thread.modify(metadata, tool_resources, actor)
            return thread

        return self._submit(thread_id, execute, self._render_thread(actor, thread_id), idempotency)

    def delete_thread(self, actor: Actor, thread_id: str, *, idempotency: Idempotency | None = None) -> Future[Outcome]:
        """Delete a thread."""

        def execute(aggregate: Thread | None) -> Thread:
            thread = self._owned(aggregate, actor, thread_id)
            thread.delete(actor)
            return thread

        body = {"id": thread_id, "object": "thread.deleted", "deleted": True}
        return self._submit(thread_id, execute, lambda _: (200, body), idempotency)

    def create_message(
        self,
        actor: Actor,
        thread_id: str,
        message: NewMessage,
        *,
        idempotency: Idempotency | None = None,
    ) -> Future[Outcome]:
        """Append a message to a thread."""
        message_id = new_message_id()

        def execute(aggregate: Thread | None) -> Thread:
            thread = self._owned(aggregate, actor, thread_id)
            thread.create_message(message_id, actor=actor, **vars(message))
            render.event = thread.pending_events[-1]
            return thread

        render = CreatedRender(render_message, message_row)
        return self._submit(thread_id, execute, render, idempotency)

    def modify_message(
        self,
        actor: Actor,
        thread_id: str,
        message_id: str,
        *,
        metadata: dict[str, str] | None,
        idempotency: Idempotency | None = None,
    ) -> Future[Outcome]:
        """Replace a message's metadata."""

        def execute(aggregate: Thread | None) -> Thread:
            thread = self._owned(aggregate, actor, thread_id)
            thread.modify_message(message_id, metadata, actor)
            return thread

        render = self._render_message(actor, thread_id, message_id)
        return self._submit(thread_id, execute, render, idempotency)

    def delete_message(
        self, actor: Actor, thread_id: str, message_id: str, *, idempotency: Idempotency | None = None
    ) -> Future[Outcome]:
        """Delete a message."""

        def execute(aggregate: Thread | None) -> Thread:
            thread = self._owned(aggregate, actor, thread_id)
            thread.delete_message(message_id, actor)
            return thread

        body = {"id": message_id, "object": "thread.message.deleted", "deleted": True}
        return self._submit(thread_id, execute, lambda _: (200, body), idempotency)

    # --- writes of an assistant runtime (a message recorded as it is produced) --------

    def append_to_message(
        self,
        actor: Actor,
        thread_id: str,
        message_id: str,
        content: list[dict[str, Any]],
        *,
        idempotency: Idempotency | None = None,
    ) -> Future[Outcome]:
        """Append delta parts to an in-progress message; answers with the message so far."""
        return self._change_message(
            actor, thread_id, message_id, lambda t: t.append_to_message(message_id, content, actor), idempotency
        )

    def complete_message(
        self, actor: Actor, thread_id: str, message_id: str, *, idempotency: Idempotency | None = None
    ) -> Future[Outcome]:
        """Mark an in-progress message completed."""
        return self._change_message(
            actor, thread_id, message_id, lambda t: t.complete_message(message_id, actor), idempotency
        )

    def mark_message_incomplete(
        self, actor: Actor, thread_id: str, message_id: str, reason: str, *, idempotency: Idempotency | None = None
    ) -> Future[Outcome]:
        """Mark an in-progress message incomplete for ``reason``."""
        return self._change_message(
            actor, thread_id, message_id, lambda t: t.mark_message_incomplete(message_id, reason, actor), idempotency
        )

    # --- helpers ----------------------------------------------------------------

    def _change_message(
        self,
        actor: Actor,
        thread_id: str,
        message_id: str,
        change: Callable[[Thread], None],
        idempotency: Idempotency | None,
    ) -> Future[Outcome]:
        def execute(aggregate: Thread | None) -> Thread:
            thread = self._owned(aggregate, actor, thread_id)
            change(thread)
            return thread

        render = self._render_message(actor, thread_id, message_id)
        return self._submit(thread_id, execute, render, idempotency)

    def _submit(
        self,
        thread_id: str,
        execute: Callable[[Thread | None], Thread],
        render: Callable[[Cursor], tuple[int, Any]],
        idempotency: Idempotency | None,
    ) -> Future[Outcome]:
        if not thread_id.startswith(THREAD_PREFIX):
            failed: Future[Outcome] = Future()
            failed.set_exception(ThreadNotFound(thread_id))
            return failed
        return self.writer.submit(Command(thread_id, execute, render, idempotency))

    @staticmethod
    def _owned(aggregate: Thread | None, actor: Actor, thread_id: str) -> Thread:
        if aggregate is None:
            raise ThreadNotFound(thread_id)
        aggregate.require_owner(actor["tenant"])
        return aggregate

    def _render_thread(self, actor: Actor, thread_id: str) -> Callable[[Cursor], tuple[int, Any]]:
        def render(curs: Cursor) -> tuple[int, Any]:
            return 200, self.view.thread(curs, actor["tenant"], thread_id)

        return render

    def _render_message(self, actor: Actor, thread_id: str, message_id: str) -> Callable[[Cursor], tuple[int, Any]]:
        return MessageRender(self.view, actor["tenant"], thread_id, message_id)


__all__ = ["MESSAGE_PREFIX", "MessageStore", "NewMessage"]
