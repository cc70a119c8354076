"""The commands on threads and messages: each runs on the thread aggregate inside the writer's batch."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from domain.errors import InvalidTransition, ThreadNotFound
from domain.ids import THREAD_PREFIX, new_message_id, new_thread_id
from domain.states import Actor
from domain.thread import Thread
from projections.messages.projector import message_row, thread_row
from projections.messages.view import MessagesView, render_message, render_thread
from projections.storage.database import Database
from projections.storage.sql import Cursor
from projections.write.command import Command, Idempotency, Outcome
from projections.write.renders import CreatedRender, MessageRender
from projections.write.writer import Writer

Render = Callable[[Cursor], tuple[int, Any]]
"""How a command is answered: status and body, from the views in the write transaction or from its events."""


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


class Commands:
    """Every change the API makes to threads and messages, submitted to the writer; answers come as futures."""

    def __init__(self, database: Database, writer: Writer, view: MessagesView) -> None:
        self.database = database
        self.writer = writer
        self.view = view

    def recall(self, tenant: str, key: str, within: float | None = None) -> Outcome | None:
        """Return the recorded answer to an earlier request with this key (recorded ``within`` seconds, if given)."""
        since = None if within is None else int(time.time() - within)
        found = self.database.recall_response(tenant, key, since=since)
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

        def create() -> Thread:
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
        return self._submit(thread_id, self._new(thread_id, create), render, idempotency, creates=True)

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
        render = self._render_thread(actor, thread_id)
        return self._change(actor, thread_id, lambda t: t.modify(metadata, tool_resources, actor), render, idempotency)

    def delete_thread(self, actor: Actor, thread_id: str, *, idempotency: Idempotency | None = None) -> Future[Outcome]:
        """Delete a thread."""
        body = {"id": thread_id, "object": "thread.deleted", "deleted": True}
        return self._change(actor, thread_id, lambda t: t.delete(actor), lambda _: (200, body), idempotency)

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
        render = CreatedRender(render_message, message_row)

        def create(thread: Thread) -> None:
            thread.create_message(message_id, actor=actor, **vars(message))
            render.event = thread.pending_events[-1]

        return self._change(actor, thread_id, create, render, idempotency)

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
        return self._change_message(
            actor, thread_id, message_id, lambda t: t.modify_message(message_id, metadata, actor), idempotency
        )

    def delete_message(
        self, actor: Actor, thread_id: str, message_id: str, *, idempotency: Idempotency | None = None
    ) -> Future[Outcome]:
        """Delete a message."""
        body = {"id": message_id, "object": "thread.message.deleted", "deleted": True}
        return self._change(
            actor, thread_id, lambda t: t.delete_message(message_id, actor), lambda _: (200, body), idempotency
        )

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
        return self._change(actor, thread_id, change, self._render_message(actor, thread_id, message_id), idempotency)

    def _change(
        self,
        actor: Actor,
        thread_id: str,
        change: Callable[[Thread], None],
        render: Render,
        idempotency: Idempotency | None,
    ) -> Future[Outcome]:
        """Apply ``change`` to this tenant's thread in the writer's batch; answer with ``render``."""

        def execute(aggregate: Thread | None) -> Thread:
            thread = self._owned(aggregate, actor, thread_id)
            change(thread)
            return thread

        return self._submit(thread_id, execute, render, idempotency)

    @staticmethod
    def _new(thread_id: str, create: Callable[[], Thread]) -> Callable[[Thread | None], Thread]:
        """An execute that creates the thread, refusing an id already taken (ids are random: never, really)."""

        def execute(aggregate: Thread | None) -> Thread:
            if aggregate is not None:
                raise InvalidTransition(f"Thread '{thread_id}' already exists.")
            return create()

        return execute

    def _submit(
        self,
        thread_id: str,
        execute: Callable[[Thread | None], Thread],
        render: Render,
        idempotency: Idempotency | None,
        *,
        creates: bool = False,
    ) -> Future[Outcome]:
        if not thread_id.startswith(THREAD_PREFIX):
            failed: Future[Outcome] = Future()
            failed.set_exception(ThreadNotFound(thread_id))
            return failed
        return self.writer.submit(Command(thread_id, execute, render, idempotency, creates=creates))

    @staticmethod
    def _owned(aggregate: Thread | None, actor: Actor, thread_id: str) -> Thread:
        if aggregate is None:
            raise ThreadNotFound(thread_id)
        aggregate.require_owner(actor["tenant"])
        return aggregate

    def _render_thread(self, actor: Actor, thread_id: str) -> Render:
        def render(curs: Cursor) -> tuple[int, Any]:
            return 200, self.view.thread(curs, actor["tenant"], thread_id)

        return render

    def _render_message(self, actor: Actor, thread_id: str, message_id: str) -> Render:
        return MessageRender(self.view, actor["tenant"], thread_id, message_id)
