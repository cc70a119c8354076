"""A thread's history after a position, as the named events of the live stream (OpenAI's names where they exist)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from domain.conversation_content import appears_in_threads, message_fields
from domain.errors import ThreadNotFound
from domain.ids import THREAD_PREFIX, thread_uuid
from domain.states import IN_PROGRESS
from domain.thread import Thread
from projections.messages.tables import ViewTables
from projections.messages.view import MESSAGE_COLUMNS, render_message, render_thread
from projections.storage.columns import seconds
from projections.storage.sql import Cursor

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from projections.storage.database import Database

StreamEvent = tuple[str, dict[str, Any]]
# Events whose stream payload is the object as the view holds it when they are delivered (read then).
SHOWN_FROM_VIEWS: tuple[type[Any], ...] = (
    Thread.Modified,
    Thread.MessageCompleted,
    Thread.MessageMarkedIncomplete,
    Thread.MessageModified,
)


@dataclass(frozen=True)
class Change:
    """One recorded event of a thread: its version (position in the thread's history) and what the stream says."""

    version: int
    events: tuple[StreamEvent, ...]
    final: bool = False


def reads_views(events: Sequence[Any]) -> bool:
    """Whether the changes of ``events`` need a read of the views (a delta, say, carries all it shows)."""
    return any(isinstance(e, SHOWN_FROM_VIEWS) for e in events)


def item_created(e: Any) -> tuple[StreamEvent, ...]:
    """An item as created, and, for a message the Threads API shows, that message as created."""
    created: tuple[StreamEvent, ...] = (("conversation.item.created", {"id": e.item_id, **e.item}),)
    if not appears_in_threads(e.item):
        return created
    message = message_as_created(SimpleNamespace(**vars(e), **message_fields(e.item_id, e.item)))
    return (("thread.message.created", message), *created)


def message_as_created(e: Any) -> dict[str, Any]:
    """The message object exactly as the ``MessageCreated`` event made it."""
    return {
        "id": e.message_id,
        "object": "thread.message",
        "created_at": seconds(e),
        "thread_id": e.thread_id,
        "status": e.status,
        "incomplete_details": None,
        "completed_at": None,
        "incomplete_at": None,
        "role": e.role,
        "content": e.content,
        "assistant_id": e.assistant_id,
        "run_id": e.run_id,
        "attachments": e.attachments,
        "metadata": e.metadata,
    }


class ThreadChanges:
    """Reads a thread's events from the event log, by the thread's own (indexed) history.

    Payloads that an event carries whole (created, delta, deleted) come from the event itself;
    completed, incomplete and modified carry the object read from the view when they are delivered,
    which is the state after that event or later.
    """

    def __init__(self, database: Database, app: Application[Any]) -> None:
        self.database = database
        self.app = app
        tables = ViewTables(database.dialect)
        q = tables.dialect.q
        t, m = tables.threads, tables.messages
        self._head = q(f"SELECT version FROM {t} WHERE thread_id = %s AND tenant = %s AND deleted_at IS NULL")
        self._thread = q(f"SELECT thread_id, created_at, tool_resources, metadata FROM {t} WHERE thread_id = %s")
        self._message = q(f"SELECT {MESSAGE_COLUMNS} FROM {m} WHERE message_id = %s AND thread_id = %s")

    def head(self, tenant: str, thread_id: str) -> int:
        """Return the version of this tenant's live thread (the position of its last event)."""
        row = None
        if thread_id.startswith(THREAD_PREFIX):
            with self.database.read() as curs:
                curs.execute(self._head, (thread_id, tenant))
                row = curs.fetchone()
        if row is None:
            raise ThreadNotFound(thread_id)
        return int(row["version"])

    def after(self, thread_id: str, version: int, limit: int) -> list[Change]:
        """Return the thread's changes after ``version``, at most ``limit`` of them, in order."""
        return self.of(list(self.app.repository.event_store.get(thread_uuid(thread_id), gt=version, limit=limit)))

    def of(self, events: Sequence[Any]) -> list[Change]:
        """The changes of a thread's ``events``, in order; the views are read only if one of them shows an object."""
        if not reads_views(events):
            return [self._change(None, e) for e in events]
        with self.database.read() as curs:
            return [self._change(curs, e) for e in events]

    def _change(self, curs: Cursor | None, e: Any) -> Change:
        version = int(e.originator_version)
        if isinstance(e, Thread.Created):
            thread = {
                "id": e.thread_id,
                "object": "thread",
                "created_at": seconds(e),
                "tool_resources": e.tool_resources or {},
                "metadata": e.metadata or {},
            }
            return Change(version, (("thread.created", thread),))
        if isinstance(e, Thread.Modified):
            return Change(version, (("thread.modified", self._read_thread(curs, e.thread_id)),))
        if isinstance(e, Thread.Deleted):
            body = {"id": e.thread_id, "object": "thread.deleted", "deleted": True}
            return Change(version, (("thread.deleted", body),), final=True)
        if isinstance(e, Thread.MessageCreated):
            message = message_as_created(e)
            if e.status == IN_PROGRESS:
                return Change(version, (("thread.message.created", message), ("thread.message.in_progress", message)))
            return Change(version, (("thread.message.created", message),))
        if isinstance(e, Thread.ItemCreated):
            return Change(version, item_created(e))
        if isinstance(e, Thread.ItemDeleted):
            body = {"id": e.item_id, "object": "conversation.item.deleted", "deleted": True}
            return Change(version, (("conversation.item.deleted", body),))
        if isinstance(e, Thread.MessageDeltaAppended):
            delta = {"id": e.message_id, "object": "thread.message.delta", "delta": {"content": e.content}}
            return Change(version, (("thread.message.delta", delta),))
        names = {
            Thread.MessageCompleted: "thread.message.completed",
            Thread.MessageMarkedIncomplete: "thread.message.incomplete",
            Thread.MessageModified: "thread.message.modified",
        }
        name = names.get(type(e))
        if name is not None:
            return Change(version, ((name, self._read_message(curs, e.thread_id, e.message_id)),))
        if isinstance(e, Thread.MessageDeleted):
            body = {"id": e.message_id, "object": "thread.message.deleted", "deleted": True}
            return Change(version, (("thread.message.deleted", body),))
        return Change(version, ())  # an event the stream does not show: its position still advances

    def _read_thread(self, curs: Cursor | None, thread_id: str) -> dict[str, Any]:
        assert curs is not None  # reads_views() opened one
        curs.execute(self._thread, (thread_id,))
        row = curs.fetchone()
        return {"id": thread_id, "object": "thread"} if row is None else render_thread(row)

    def _read_message(self, curs: Cursor | None, thread_id: str, message_id: str) -> dict[str, Any]:
        assert curs is not None  # reads_views() opened one
        curs.execute(self._message, (message_id, thread_id))
        row = curs.fetchone()
        return {"id": message_id, "object": "thread.message"} if row is None else render_message(row)
