"""The wire forms of the history: event ids, ``thread.event`` objects, message versions, keyset pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import orjson

from projections.history.state import EPOCH
from projections.messages.view import Page, UnknownCursor, render_message
from projections.storage.sql import Cursor

EVENT_PREFIX = "event_"
_WITH_MESSAGE = ("thread.message.created", "thread.message.deleted")


class UnknownEvent(UnknownCursor):
    """A pagination cursor names no event of this thread."""

    def __init__(self, param: str, candidate: str) -> None:
        Exception.__init__(self, f"Invalid '{param}': no event with id '{candidate}' in this thread.")
        self.param = param


def event_id(thread_id: str, version: int) -> str:
    """The stable public id of a thread's event: it names the thread and the aggregate version."""
    return f"{EVENT_PREFIX}{thread_id.removeprefix('thread_')}_{version}"


def event_version(thread_id: str, candidate: str) -> int | None:
    """The version an event id of this thread names, or None."""
    prefix = event_id(thread_id, 0)[:-1]
    digits = candidate[len(prefix) :] if candidate.startswith(prefix) else ""
    if not (digits.isascii() and digits.isdigit()) or str(int(digits)) != digits:
        return None
    return int(digits)


def rfc3339(us: int) -> str:
    """RFC 3339 in UTC with microseconds: ``2024-05-01T12:00:00.000000Z``."""
    return (EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def render_event(row: Any) -> dict[str, Any]:
    """The wire form of an event row (joined with the message row it produced, if any)."""
    data = orjson.loads(row["data"])
    if row["type"] in _WITH_MESSAGE and row["seq"] is not None:
        data = {**data, "message": render_message(row)}
    return {
        "id": event_id(row["thread_id"], row["version"]),
        "object": "thread.event",
        "type": row["type"],
        "thread_id": row["thread_id"],
        "message_id": row["message_id"],
        "version": row["version"],
        "created_at": row["recorded_us"] // 1_000_000,
        "recorded_at": rfc3339(row["recorded_us"]),
        "actor": orjson.loads(row["actor"]),
        "data": data,
    }


def render_version(row: Any) -> dict[str, Any]:
    """The wire form of one version of a message: the message as an event left it."""
    return {
        "object": "thread.message.version",
        "event_id": event_id(row["thread_id"], row["version"]),
        "event_type": row["type"],
        "version": row["version"],
        "created_at": row["recorded_us"] // 1_000_000,
        "recorded_at": rfc3339(row["recorded_us"]),
        "actor": orjson.loads(row["actor"]),
        "deleted": bool(row["deleted"]),
        "message": render_message(row),
    }


def keyset(
    curs: Cursor,
    q: Callable[[str], str],
    sql: str,
    params: list[Any],
    key: str,
    render: Callable[[Any], dict[str, Any]],
    *,
    limit: int,
    order: str,
    after: int | None,
    before: int | None,
) -> Page:
    """A page ordered by ``key``, with the cursor rules of the message list (see ``MessagesView.page``)."""
    behind, ahead = (">", "<") if order == "asc" else ("<", ">")
    if after is not None:
        sql += f" AND {key} {behind} %s"
        params.append(after)
    if before is not None:
        sql += f" AND {key} {ahead} %s"
        params.append(before)
    backwards = before is not None and after is None
    scan_ascending = (order == "asc") != backwards
    sql += f" ORDER BY {key} {'ASC' if scan_ascending else 'DESC'} LIMIT %s"
    params.append(limit + 1)
    curs.execute(q(sql), params)
    rows = curs.fetchall()
    data = [render(row) for row in rows[:limit]]
    if backwards:
        data.reverse()
    return Page(data=data, has_more=len(rows) > limit)
