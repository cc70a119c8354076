"""Turns thread events into changes of the thread and message views, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from domain.content import apply_delta
from domain.conversation_content import appears_in_threads, message_fields
from domain.erasure import ERASED_MARK
from domain.states import COMPLETED, INCOMPLETE
from domain.thread import Thread
from projections.crypto.columns import loads, sealed_json
from projections.messages.columns import MESSAGE_BODY
from projections.messages.tables import ViewTables
from projections.storage.batch import Row, RowBatch, Table
from projections.storage.columns import dumps
from projections.storage.events import EventFields
from projections.storage.open_rows import OpenRows
from projections.storage.row_projector import Fields, Handler, RowProjector
from projections.storage.sql import Cursor

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
MESSAGE_COLUMNS = ("message_id", "thread_id", "tenant", *MESSAGE_BODY, "modified_at", "deleted_at")


class MessagesProjector(RowProjector):
    """Applies thread events to one generation of the thread and message views.

    Each handler states row changes on a ``RowBatch`` from an event's fields and its time in Unix
    seconds (see ``RowProjector``): a thread touched by 50 events of a page is written once.
    """

    def __init__(self, tables: ViewTables, name: str = MESSAGES_PROJECTION) -> None:
        self.tables = tables
        self.threads = Table(tables.threads, ("thread_id",), THREAD_COLUMNS)
        self.messages = Table(tables.messages, ("message_id",), MESSAGE_COLUMNS)
        handlers: dict[type[Any], Handler] = {
            Thread.Created: self._created,
            Thread.Modified: self._modified,
            Thread.Deleted: self._deleted,
            Thread.MessageCreated: self._message_created,
            Thread.ItemCreated: self._item_created,
            Thread.MessageModified: self._message_modified,
            Thread.MessageDeleted: self._message_deleted,
            Thread.MessageDeltaAppended: self._message_delta_appended,
            Thread.MessageCompleted: self._message_completed,
            Thread.MessageMarkedIncomplete: self._message_marked_incomplete,
            Thread.MessageErased: self._message_erased,
            Thread.Erased: self._deleted,
        }
        super().__init__(tables.dialect, name, handlers, OpenRows(self.messages))

    def fold(self, reads: Cursor, events: Iterable[EventFields]) -> RowBatch:
        """The row changes of ``events``; every event touches its thread (``modified_at``, ``version``: its last's)."""
        touched: dict[str, tuple[int, int]] = {}

        def touching() -> Iterator[EventFields]:
            for event in events:
                fields, at = event[1], event[2]
                if event[0] in self._handlers:
                    touched[fields["thread_id"]] = (at, fields["originator_version"])
                yield event

        batch = super().fold(reads, touching())
        for thread_id, (at, version) in touched.items():
            batch.update(self.threads, (thread_id,), {"modified_at": at, "version": version})
        return batch

    def _created(self, batch: RowBatch, f: Fields, at: int) -> None:
        batch.insert(self.threads, thread_row(f, at))

    def _modified(self, batch: RowBatch, f: Fields, at: int) -> None:
        values: Row = {}
        if f["metadata"] is not None:
            values["metadata"] = sealed_json(f["metadata"], f["thread_id"])
        if f["tool_resources"] is not None:
            values["tool_resources"] = sealed_json(f["tool_resources"], f["thread_id"])
        if values:
            batch.update(self.threads, (f["thread_id"],), values)

    def _deleted(self, batch: RowBatch, f: Fields, at: int) -> None:
        batch.update(self.threads, (f["thread_id"],), {"deleted_at": at})

    def _message_created(self, batch: RowBatch, f: Fields, at: int) -> None:
        batch.insert(self.messages, message_row(f, at))

    def _item_created(self, batch: RowBatch, f: Fields, at: int) -> None:
        item = f["item"]
        if appears_in_threads(item):  # a user or assistant message; every other item has no Assistants form
            batch.insert(self.messages, message_row({**f, **message_fields(f["item_id"], f["item"])}, at))

    def _message_modified(self, batch: RowBatch, f: Fields, at: int) -> None:
        if f["metadata"] is not None:
            metadata = sealed_json(f["metadata"], f["message_id"])
            batch.update(self.messages, (f["message_id"],), {"metadata": metadata, "modified_at": at})

    def _message_deleted(self, batch: RowBatch, f: Fields, at: int) -> None:
        batch.update(self.messages, (f["message_id"],), {"deleted_at": at, "modified_at": at})

    def _message_delta_appended(self, batch: RowBatch, f: Fields, at: int) -> None:
        row = self._open_row(batch, f)  # read-modify-write: the content so far
        if row is not None:
            row["content"] = sealed_json(apply_delta(loads(row["content"]), f["content"]), f["message_id"])
            row["modified_at"] = at

    def _open_row(self, batch: RowBatch, f: Fields) -> Row | None:
        key = (f["message_id"],)
        return batch.row(self.messages, key) if self.open_rows is None else self.open_rows.row(batch, f, key)

    def _finished(self, f: Fields) -> None:
        if self.open_rows is not None:
            self.open_rows.forget((f["message_id"],))

    def _message_erased(self, batch: RowBatch, f: Fields, at: int) -> None:
        self._finished(f)
        values = {"content": "[]", "attachments": "[]", "metadata": dumps({ERASED_MARK: str(at)}), "modified_at": at}
        batch.update(self.messages, (f["message_id"],), values)

    def _message_completed(self, batch: RowBatch, f: Fields, at: int) -> None:
        self._finished(f)
        batch.update(self.messages, (f["message_id"],), {"status": COMPLETED, "completed_at": at, "modified_at": at})

    def _message_marked_incomplete(self, batch: RowBatch, f: Fields, at: int) -> None:
        self._finished(f)
        values = {
            "status": INCOMPLETE,
            "incomplete_at": at,
            "incomplete_details": dumps({"reason": f["reason"]}),
            "modified_at": at,
        }
        batch.update(self.messages, (f["message_id"],), values)


def thread_row(f: Fields, at: int) -> Row:
    """The thread view row of a ``Thread.Created`` event."""
    return {
        "thread_id": f["thread_id"],
        "tenant": f["tenant"],
        "created_at": at,
        "metadata": sealed_json(f["metadata"] or {}, f["thread_id"]),
        "tool_resources": sealed_json(f["tool_resources"] or {}, f["thread_id"]),
        "modified_at": at,
        "deleted_at": None,
        "version": f["originator_version"],
    }


def message_row(f: Fields, at: int) -> Row:
    """The message view row of a ``Thread.MessageCreated`` event."""
    return {
        "message_id": f["message_id"],
        "thread_id": f["thread_id"],
        "tenant": f["actor"]["tenant"],
        "seq": f["seq"],
        "created_at": at,
        "role": f["role"],
        "content": sealed_json(f["content"], f["message_id"]),
        "attachments": sealed_json(f["attachments"], f["message_id"]),
        "metadata": sealed_json(f["metadata"], f["message_id"]),
        "status": f["status"],
        "assistant_id": f["assistant_id"],
        "run_id": f["run_id"],
        "completed_at": None,
        "incomplete_at": None,
        "incomplete_details": None,
        "modified_at": at,
        "deleted_at": None,
    }
