"""A tenant's threads, most recently active first, from the analytics projection's per-thread totals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.analytics.projector import THREAD_COLUMNS, AnalyticsTables
from projections.storage.sql import Cursor

FIELDS = tuple(column for column in THREAD_COLUMNS if column != "tenant")  # a thread as answered


class InvalidRecentCursor(ValueError):
    """A cursor of the recent-threads list that this list never handed out."""


@dataclass(frozen=True)
class RecentThreads:
    """One page of a tenant's threads by last activity, and the cursor of the next (older) page, if any."""

    data: list[dict[str, Any]]
    next_cursor: str | None


def cursor_of(row: dict[str, Any]) -> str:
    """The cursor just behind a row: its last activity (Unix seconds) and thread id."""
    return f"{row['last_activity']}:{row['thread_id']}"


def parse_cursor(cursor: str) -> tuple[int, str]:
    """(last activity, thread id) of a cursor made by ``cursor_of``."""
    seconds, _, thread_id = cursor.partition(":")
    if not (seconds.isascii() and seconds.isdigit()) or not thread_id or len(seconds) > 18:
        raise InvalidRecentCursor(cursor)
    return int(seconds), thread_id


def recent_threads(
    tables: AnalyticsTables, curs: Cursor, tenant: str, *, limit: int, after: str | None = None
) -> RecentThreads:
    """Up to ``limit`` of the tenant's threads (deleted ones included), latest activity first, after ``after``.

    A keyset page over the index on (tenant, last_activity, thread_id): one index range, however many threads.
    """
    sql = f"SELECT {', '.join(FIELDS)} FROM {tables.threads} WHERE tenant = %s AND last_activity IS NOT NULL"
    params: list[Any] = [tenant]
    if after is not None:
        seconds, thread_id = parse_cursor(after)
        sql += " AND (last_activity < %s OR (last_activity = %s AND thread_id < %s))"
        params += [seconds, seconds, thread_id]
    sql += " ORDER BY last_activity DESC, thread_id DESC LIMIT %s"
    curs.execute(tables.dialect.q(sql), [*params, limit + 1])
    rows = [{f: row[f] for f in FIELDS} for row in curs.fetchall()]
    data = rows[:limit]
    return RecentThreads(data, cursor_of(data[-1]) if len(rows) > limit else None)
