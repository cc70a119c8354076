"""Turns thread events into rows of the conversation items view, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.conversation_content import apply_item_delta, message_to_item_content
from domain.states import COMPLETED, INCOMPLETE
from domain.thread import Thread
from projections.conversations.tables import ITEMS_PROJECTION, ItemsTables
from projections.crypto.columns import loads, sealed_json
from projections.crypto.sealing import erased_item
from projections.storage.batch import Row, RowBatch, Table
from projections.storage.columns import dumps
from projections.storage.open_rows import OpenRows
from projections.storage.row_projector import Fields, Handler, RowProjector

ITEM_COLUMNS = ("item_id", "thread_id", "tenant", "seq", "type", "body", "created_at", "modified_at", "deleted_at")


class ItemsProjector(RowProjector):
    """Applies thread events to one generation of the items view (same batching as the message view's)."""

    def __init__(self, tables: ItemsTables, name: str = ITEMS_PROJECTION) -> None:
        self.tables = tables
        self.items = Table(tables.items, ("item_id",), ITEM_COLUMNS)
        handlers: dict[type[Any], Handler] = {
            Thread.MessageCreated: self._message_created,
            Thread.ItemCreated: self._item_created,
            Thread.MessageDeleted: self._deleted,
            Thread.ItemDeleted: self._deleted,
            Thread.MessageDeltaAppended: self._delta_appended,
            Thread.MessageCompleted: self._completed,
            Thread.MessageMarkedIncomplete: self._marked_incomplete,
            Thread.MessageErased: self._erased,
        }
        super().__init__(tables.dialect, name, handlers, OpenRows(self.items))

    def _message_created(self, batch: RowBatch, f: Fields, at: int) -> None:
        batch.insert(self.items, item_row(f["message_id"], as_item(f), f, at))

    def _item_created(self, batch: RowBatch, f: Fields, at: int) -> None:
        batch.insert(self.items, item_row(f["item_id"], f["item"], f, at))

    def _deleted(self, batch: RowBatch, f: Fields, at: int) -> None:
        key = f.get("item_id") or f["message_id"]
        batch.update(self.items, (key,), {"deleted_at": at, "modified_at": at})

    def _delta_appended(self, batch: RowBatch, f: Fields, at: int) -> None:
        assert self.open_rows is not None
        row = self.open_rows.row(batch, f, (f["message_id"],))  # read-modify-write: the body so far
        if row is not None:
            body = loads(row["body"])
            row["body"] = sealed_json({**body, "content": grown(body, f["content"])}, f["message_id"])
            row["modified_at"] = at

    def _erased(self, batch: RowBatch, f: Fields, at: int) -> None:
        self._finished(f)
        row = batch.row(self.items, (f["message_id"],))
        if row is not None:  # in clear: nothing is left to seal (and the key goes in this transaction)
            row["body"] = dumps(erased_item(loads(row["body"])))
            row["modified_at"] = at

    def _completed(self, batch: RowBatch, f: Fields, at: int) -> None:
        self._finished(f)
        self._change(batch, f["message_id"], at, lambda b: {**b, "status": COMPLETED})

    def _marked_incomplete(self, batch: RowBatch, f: Fields, at: int) -> None:
        self._finished(f)
        self._change(batch, f["message_id"], at, lambda b: {**b, "status": INCOMPLETE})

    def _finished(self, f: Fields) -> None:
        if self.open_rows is not None:
            self.open_rows.forget((f["message_id"],))

    def _change(self, batch: RowBatch, item_id: str, at: int, change: Callable[[Any], Any]) -> None:
        row = batch.row(self.items, (item_id,))  # read-modify-write: the body so far, in this batch
        if row is not None:
            row["body"] = sealed_json(change(loads(row["body"])), item_id)
            row["modified_at"] = at


def as_item(f: Fields) -> dict[str, Any]:
    """A thread message (``Thread.MessageCreated``'s fields) as a message item, without its id."""
    return {
        "type": "message",
        "status": f["status"],
        "role": f["role"],
        "content": message_to_item_content(f["role"], f["content"]),
    }


def grown(body: dict[str, Any], delta: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A message item's content after a thread message delta."""
    return apply_item_delta(body.get("content") or [], delta, body.get("role") or "assistant")


def item_row(item_id: str, item: dict[str, Any], f: Fields, at: int) -> Row:
    """The items view row of a created message or item."""
    return {
        "item_id": item_id,
        "thread_id": f["thread_id"],
        "tenant": f["actor"]["tenant"],
        "seq": f["seq"],
        "type": item.get("type", "message"),
        "body": sealed_json(item, item_id),
        "created_at": at,
        "modified_at": at,
        "deleted_at": None,
    }
