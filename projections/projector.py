"""Turns thread events into changes of the thread and message views, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import orjson

from domain.content import apply_delta
from domain.thread import COMPLETED, INCOMPLETE, Thread
from projections.batch import RowBatch, Table
from projections.sql import Cursor
from projections.tables import ViewTables, record_position

MESSAGES_PROJECTION = "messages"

THREAD_COLUMNS = (
    "thread_id",
    "tenant",
    "created_at",
    "metadata",
    "tool_resources",
    "modified_at",
    "deleted_at",
    "version",
)
MESSAGE_COLUMNS = (
    "message_id",
    "thread_id",
    "tenant",
    "seq",
    "created_at",
    "role",
    "content",
    "attachments",
    "metadata",
    "status",
    "assistant_id",
    "run_id",
    "completed_at",
    "incomplete_at",
    "incomplete_details",
    "modified_at",
    "deleted_at",
)

Handler = Callable[[RowBatch, Any], None]


class InlineProjector(Protocol):
    """Anything that changes views from events inside the transaction that records them."""

    def apply(self, curs: Cursor, events: Sequence[Any], position: int | None, now: int) -> None:
        """Apply ``events`` (the last at ``position`` in the log) in the caller's transaction."""


def dumps(value: Any) -> str:
    """Serialize a JSON value for a text column."""
    return orjson.dumps(value).decode()


def seconds(event: Any) -> int:
    """Return the event's time in Unix seconds."""
    return int(event.timestamp.timestamp())


class MessagesProjector:
    """Applies thread events to one generation of the thread and message views.

    Each handler states row changes on a ``RowBatch``; the batch folds a whole page of events
    into few statements (a thread touched by 50 events of the page is written once).
    """

    def __init__(self, tables: ViewTables, name: str = MESSAGES_PROJECTION) -> None:
        self.tables = tables
        self.name = name
        self.threads = Table(tables.threads, ("thread_id",), THREAD_COLUMNS)
        self.messages = Table(tables.messages, ("message_id",), MESSAGE_COLUMNS)
        self._handlers: dict[type[Any], Handler] = {
            Thread.Created: self._created,
            Thread.Modified: self._modified,
            Thread.Deleted: self._deleted,
            Thread.MessageCreated: self._message_created,
            Thread.MessageModified: self._message_modified,
            Thread.MessageDeleted: self._message_deleted,
            Thread.MessageDeltaAppended: self._message_delta_appended,
            Thread.MessageCompleted: self._message_completed,
            Thread.MessageMarkedIncomplete: self._message_marked_incomplete,
        }

    @property
    def handles(self) -> frozenset[type[Any]]:
        """The event classes this projector changes the views for."""
        return frozenset(self._handlers)

    def apply(self, curs: Cursor, events: Sequence[Any], position: int | None, now: int) -> None:
        """Apply ``events`` and record ``position`` as the last one applied, in one transaction."""
        batch = RowBatch(curs, self.tables.dialect)
        for event in events:
            handler = self._handlers.get(type(event))
            if handler is not None:
                handler(batch, event)
        batch.flush()
        if position is not None:
            record_position(curs, self.tables.dialect, self.name, position, now)

    def _touch_thread(self, batch: RowBatch, e: Any, **values: Any) -> None:
        values.update(modified_at=seconds(e), version=e.originator_version)
        batch.update(self.threads, (e.thread_id,), values)

    def _created(self, batch: RowBatch, e: Any) -> None:
        batch.insert(
            self.threads,
            {
                "thread_id": e.thread_id,
                "tenant": e.tenant,
                "created_at": seconds(e),
                "metadata": dumps(e.metadata or {}),
                "tool_resources": dumps(e.tool_resources or {}),
                "modified_at": seconds(e),
                "deleted_at": None,
                "version": e.originator_version,
            },
        )

    def _modified(self, batch: RowBatch, e: Any) -> None:
        values: dict[str, Any] = {}
        if e.metadata is not None:
            values["metadata"] = dumps(e.metadata)
        if e.tool_resources is not None:
            values["tool_resources"] = dumps(e.tool_resources)
        self._touch_thread(batch, e, **values)

    def _deleted(self, batch: RowBatch, e: Any) -> None:
        self._touch_thread(batch, e, deleted_at=seconds(e))

    def _message_created(self, batch: RowBatch, e: Any) -> None:
        batch.insert(
            self.messages,
            {
                "message_id": e.message_id,
                "thread_id": e.thread_id,
                "tenant": e.actor["tenant"],
                "seq": e.seq,
                "created_at": seconds(e),
                "role": e.role,
                "content": dumps(e.content),
                "attachments": dumps(e.attachments),
                "metadata": dumps(e.metadata),
                "status": e.status,
                "assistant_id": e.assistant_id,
                "run_id": e.run_id,
                "completed_at": None,
                "incomplete_at": None,
                "incomplete_details": None,
                "modified_at": seconds(e),
                "deleted_at": None,
            },
        )
        self._touch_thread(batch, e)

    def _message_modified(self, batch: RowBatch, e: Any) -> None:
        if e.metadata is not None:
            batch.update(self.messages, (e.message_id,), {"metadata": dumps(e.metadata), "modified_at": seconds(e)})
        self._touch_thread(batch, e)

    def _message_deleted(self, batch: RowBatch, e: Any) -> None:
        batch.update(self.messages, (e.message_id,), {"deleted_at": seconds(e), "modified_at": seconds(e)})
        self._touch_thread(batch, e)

    def _message_delta_appended(self, batch: RowBatch, e: Any) -> None:
        row = batch.row(self.messages, (e.message_id,))  # read-modify-write: the content so far, in this batch
        if row is not None:
            row["content"] = dumps(apply_delta(orjson.loads(row["content"]), e.content))
            row["modified_at"] = seconds(e)
        self._touch_thread(batch, e)

    def _message_completed(self, batch: RowBatch, e: Any) -> None:
        values = {"status": COMPLETED, "completed_at": seconds(e), "modified_at": seconds(e)}
        batch.update(self.messages, (e.message_id,), values)
        self._touch_thread(batch, e)

    def _message_marked_incomplete(self, batch: RowBatch, e: Any) -> None:
        values = {
            "status": INCOMPLETE,
            "incomplete_at": seconds(e),
            "incomplete_details": dumps({"reason": e.reason}),
            "modified_at": seconds(e),
        }
        batch.update(self.messages, (e.message_id,), values)
        self._touch_thread(batch, e)
