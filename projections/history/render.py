"""The wire forms of the history: event ids, ``thread.event`` objects, message versions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson

from projections.crypto.columns import opened_fields
from projections.history.state import EPOCH
from projections.messages.view import render_message

EVENT_PREFIX = "event_"
_WITH_MESSAGE = ("thread.message.created", "thread.message.deleted")


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


def renders_message(row: Any) -> bool:
    """Whether an event row shows the message it is joined with (a created or deleted message)."""
    return bool(row["type"] in _WITH_MESSAGE)


def render_event(row: Any) -> dict[str, Any]:
    """The wire form of an event row (joined with the message row it produced, if any)."""
    data = opened_fields(orjson.loads(row["data"]))
    if renders_message(row) and row["seq"] is not None:
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
