"""Turns thread events into the history tables: the audit log and the temporal thread and message rows.

Message events change the message's state through ``MESSAGE_CHANGES`` (previous state, event -> new
state); thread events through ``THREAD_CHANGES``. Any other event (a type added later) is still
recorded in the event log, with its fields as ``data``, and changes no temporal row: to make its
effect visible in versions and point-in-time reads, add a function to the matching table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

from domain.content import apply_delta
from domain.conversation_content import appears_in_threads, message_fields
from domain.erasure import ERASED_MARK
from domain.states import COMPLETED, INCOMPLETE
from domain.thread import Thread
from projections.crypto.sealing import OPENERS
from projections.history.batch import HistoryBatch
from projections.history.erasure import derive_again, erased_threads
from projections.history.state import State, microseconds
from projections.history.tables import HISTORY_PROJECTION, HistoryTables
from projections.storage.columns import seconds
from projections.storage.positions import record_position
from projections.storage.sql import Cursor

Change = Callable[[State, Any], State]
"""How an event turns a thread's or message's previous state into the next."""

EVENT_TYPES: dict[type[Any], str] = {
    Thread.Created: "thread.created",
    Thread.Modified: "thread.modified",
    Thread.Deleted: "thread.deleted",
    Thread.MessageCreated: "thread.message.created",
    Thread.MessageModified: "thread.message.modified",
    Thread.MessageDeleted: "thread.message.deleted",
    Thread.MessageDeltaAppended: "thread.message.delta",
    Thread.MessageCompleted: "thread.message.completed",
    Thread.MessageMarkedIncomplete: "thread.message.incomplete",
    Thread.ItemCreated: "conversation.item.created",
    Thread.ItemDeleted: "conversation.item.deleted",
    Thread.MessageErased: "thread.message.erased",
    Thread.Erased: "thread.erased",
}
# Attributes every event has; the rest of an unknown event's attributes are its data.
_COMMON = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic", "thread_id", "actor"})
# Message fields an event's data never repeats as before/after (identity; content changes come as deltas).
_UNREPORTED = frozenset({"message_id", "thread_id", "seq", "created_at", "content"})


def event_type(event: Any) -> str:
    """The public type of an event: ``Thread.MessageCompleted`` -> ``thread.message.completed``."""
    known = EVENT_TYPES.get(type(event))
    if known is not None:
        return known
    words = [w.lower() for w in re.findall(r"[A-Z][a-z0-9]*", type(event).__name__)]
    if words and words[0] == "message":
        return "thread.message." + "_".join(words[1:] or ["changed"])
    return "thread." + "_".join(words or ["changed"])


def _replace_metadata(state: State, e: Any) -> State:
    return state if e.metadata is None else {**state, "metadata": e.metadata}


def _append_delta(state: State, e: Any) -> State:
    return {**state, "content": apply_delta(state["content"], e.content)}


def _complete(state: State, e: Any) -> State:
    return {**state, "status": COMPLETED, "completed_at": seconds(e)}


def _mark_incomplete(state: State, e: Any) -> State:
    return {**state, "status": INCOMPLETE, "incomplete_at": seconds(e), "incomplete_details": {"reason": e.reason}}


def _replace_thread(state: State, e: Any) -> State:
    changed = dict(state)
    if e.metadata is not None:
        changed["metadata"] = e.metadata
    if e.tool_resources is not None:
        changed["tool_resources"] = e.tool_resources
    return changed


def _erase(state: State, e: Any) -> State:
    return {**state, "content": [], "attachments": [], "metadata": {ERASED_MARK: str(seconds(e))}}


MESSAGE_CHANGES: dict[type[Any], Change] = {
    Thread.MessageErased: _erase,
    Thread.MessageModified: _replace_metadata,
    Thread.MessageDeltaAppended: _append_delta,
    Thread.MessageCompleted: _complete,
    Thread.MessageMarkedIncomplete: _mark_incomplete,
}
THREAD_CHANGES: dict[type[Any], Change] = {Thread.Modified: _replace_thread}


class HistoryProjector:
    """Applies thread events to one generation of the history tables, in the caller's transaction."""

    def __init__(self, tables: HistoryTables, name: str = HISTORY_PROJECTION) -> None:
        self.tables = tables
        self.name = name
        self._handlers: dict[type[Any], Callable[[HistoryBatch, Any], dict[str, Any]]] = {
            Thread.Created: self._created,
            Thread.Deleted: self._deleted,
            Thread.Erased: self._erased,
            Thread.MessageCreated: self._message_created,
            Thread.ItemCreated: self._item_created,
            Thread.MessageDeleted: self._message_deleted,
        }
        self._handlers.update(dict.fromkeys(THREAD_CHANGES, self._thread_changed))
        self._handlers.update(dict.fromkeys(MESSAGE_CHANGES, self._message_changed))

    def create(self, curs: Cursor) -> None:
        """Create this generation's tables if they are missing."""
        self.tables.create(curs)

    def apply(self, curs: Cursor, events: Sequence[Any], position: int | None, now: int) -> None:
        """Apply ``events`` and record ``position`` as the last one applied."""
        self._apply(curs, events)
        erased = erased_threads(events)
        if erased:  # an erased thread's rows derived again, as a rebuild would (projections/history/erasure.py)
            derive_again(curs, self.tables, erased, lambda replayed: self._apply(curs, replayed))
        if position is not None:
            record_position(curs, self.tables.dialect, self.name, position, now)

    def _apply(self, curs: Cursor, events: Sequence[Any]) -> None:
        batch = HistoryBatch(self.tables, curs)
        batch.preload(t for e in events if (t := getattr(e, "thread_id", None)) is not None)
        for e in events:
            if getattr(e, "thread_id", None) is None:  # not a thread event
                continue
            data = self._handlers.get(type(e), _other)(batch, e)
            actor = getattr(e, "actor", None) or {}
            message_id = getattr(e, "message_id", None) or getattr(e, "item_id", None)
            batch.record_event(
                e.thread_id, e.originator_version, event_type(e), message_id, actor, microseconds(e.timestamp), data
            )
        batch.flush()

    @staticmethod
    def _created(batch: HistoryBatch, e: Any) -> dict[str, Any]:
        batch.start_thread(e.thread_id, e.tenant)
        state = {"created_at": seconds(e), "metadata": e.metadata or {}, "tool_resources": e.tool_resources or {}}
        batch.put_thread(e.thread_id, e.originator_version, state, deleted=False)
        return {"metadata": state["metadata"], "tool_resources": state["tool_resources"]}

    @staticmethod
    def _thread_changed(batch: HistoryBatch, e: Any) -> dict[str, Any]:
        before = batch.thread(e.thread_id)
        after = THREAD_CHANGES[type(e)](before or {}, e)
        if before is not None:
            batch.put_thread(e.thread_id, e.originator_version, after, deleted=False)
        return _changes(e, before, after, ("metadata", "tool_resources"))

    @staticmethod
    def _deleted(batch: HistoryBatch, e: Any) -> dict[str, Any]:
        before = batch.thread(e.thread_id)
        if before is not None:
            batch.put_thread(e.thread_id, e.originator_version, before, deleted=True)
        return {}

    @staticmethod
    def _erased(batch: HistoryBatch, e: Any) -> dict[str, Any]:
        OPENERS.forget_thread(e.thread_id)  # a key another process erased may still be in this one's memory
        HistoryProjector._deleted(batch, e)
        return {"reason": e.reason}

    @staticmethod
    def _message_created(batch: HistoryBatch, e: Any) -> dict[str, Any]:
        batch.allocate_seq(e.thread_id, e.seq)
        batch.start_message(e.message_id)
        message = {
            "message_id": e.message_id,
            "thread_id": e.thread_id,
            "seq": e.seq,
            "created_at": seconds(e),
            "role": e.role,
            "content": e.content,
            "attachments": e.attachments,
            "metadata": e.metadata,
            "status": e.status,
            "assistant_id": e.assistant_id,
            "run_id": e.run_id,
            "completed_at": None,  # as the messages view has it
            "incomplete_at": None,
            "incomplete_details": None,
        }
        batch.put_message(e.message_id, e.originator_version, message, deleted=False)
        return {}  # the message itself is rendered from the row this event opened

    @staticmethod
    def _item_created(batch: HistoryBatch, e: Any) -> dict[str, Any]:
        """An item: its fields; a message the Threads API shows has versions like any thread message."""
        batch.allocate_seq(e.thread_id, e.seq)
        if appears_in_threads(e.item):
            fields = {**vars(e), **message_fields(e.item_id, e.item)}
            HistoryProjector._message_created(batch, SimpleNamespace(**fields))
        return {"item": {"id": e.item_id, **e.item}}

    @staticmethod
    def _message_changed(batch: HistoryBatch, e: Any) -> dict[str, Any]:
        before = batch.message(e.message_id)
        if before is None:  # unknown to the history: recorded in the log only
            return _other(batch, e)
        after = MESSAGE_CHANGES[type(e)](before, e)
        batch.put_message(e.message_id, e.originator_version, after, deleted=False)
        data = _changes(e, before, after, [f for f in after if f not in _UNREPORTED])
        if isinstance(e, Thread.MessageErased):
            OPENERS.forget([e.message_id])
            data["reason"] = e.reason
        if "content" in vars(e):
            data["delta"] = {"content": e.content}
        return data

    @staticmethod
    def _message_deleted(batch: HistoryBatch, e: Any) -> dict[str, Any]:
        before = batch.message(e.message_id)
        if before is not None:
            batch.put_message(e.message_id, e.originator_version, before, deleted=True)
        return {}  # the message as it was is rendered from the row this event opened


def _other(_: HistoryBatch, e: Any) -> dict[str, Any]:
    """An event without a handler: its own fields are its data."""
    return {k: v for k, v in vars(e).items() if k not in _COMMON and k != "message_id"}


def _changes(e: Any, before: State | None, after: State, fields: Sequence[str]) -> dict[str, Any]:
    """``{field: {"before": …, "after": …}}`` for each field the event set or changed."""
    old = before or {}
    return {
        f: {"before": old.get(f), "after": after.get(f)}
        for f in fields
        if getattr(e, f, None) is not None or old.get(f) != after.get(f)
    }
