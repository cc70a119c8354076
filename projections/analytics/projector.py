"""Analytics: daily activity per tenant (UTC days) and totals per thread, kept by the worker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, ClassVar

from domain.content import text_characters
from domain.thread import Thread
from projections.storage.batch import RowBatch, Table
from projections.storage.columns import seconds
from projections.storage.generations import Generation, Index
from projections.storage.positions import record_position
from projections.storage.sql import Cursor

ANALYTICS_PROJECTION = "analytics"

COUNTERS = (
    "messages_created",
    "user_messages_created",
    "assistant_messages_created",
    "messages_modified",
    "messages_deleted",
    "threads_created",
    "threads_deleted",
    "text_characters",
)
DAILY_COLUMNS = ("tenant", "day", *COUNTERS, "active_threads")
THREAD_COLUMNS = (
    "thread_id",
    "tenant",
    "created_at",
    "deleted_at",
    "messages_created",
    "messages_deleted",
    "first_activity",
    "last_activity",
)


@dataclass(frozen=True)
class AnalyticsTables(Generation):
    """One generation of the analytics tables (``suffix`` is empty for the live one)."""

    TABLES: ClassVar[dict[str, str]] = {
        "daily": "analytics_daily",
        "thread_days": "analytics_thread_days",
        "threads": "analytics_threads",
    }
    INDEXES: ClassVar[dict[str, Index]] = {"_recent": Index("threads", "tenant, last_activity, thread_id")}
    daily: str = field(init=False, default="")
    thread_days: str = field(init=False, default="")
    threads: str = field(init=False, default="")

    def tables_ddl(self) -> list[str]:
        """Daily counters per tenant, the threads active on each day, and totals per thread."""
        big = self.dialect.bigint
        counters = ", ".join(f"{c} {big} NOT NULL DEFAULT 0" for c in (*COUNTERS, "active_threads"))
        return [
            f"CREATE TABLE IF NOT EXISTS {self.daily} (tenant TEXT NOT NULL, day TEXT NOT NULL, {counters},"
            " PRIMARY KEY (tenant, day))",
            f"CREATE TABLE IF NOT EXISTS {self.thread_days} (tenant TEXT NOT NULL, day TEXT NOT NULL,"
            " thread_id TEXT NOT NULL, PRIMARY KEY (tenant, day, thread_id))",
            f"CREATE TABLE IF NOT EXISTS {self.threads} (thread_id TEXT PRIMARY KEY, tenant TEXT NOT NULL,"
            f" created_at {big}, deleted_at {big}, messages_created {big} NOT NULL DEFAULT 0,"
            f" messages_deleted {big} NOT NULL DEFAULT 0, first_activity {big}, last_activity {big})",
        ]


class AnalyticsProjector:
    """Counts each event into its tenant's UTC day and its thread's totals."""

    def __init__(self, tables: AnalyticsTables, name: str = ANALYTICS_PROJECTION) -> None:
        self.tables = tables
        self.name = name
        sums = dict.fromkeys(COUNTERS, "sum")
        self.daily = Table(tables.daily, ("tenant", "day"), DAILY_COLUMNS[:-1], sums)
        self.thread_days = Table(tables.thread_days, ("tenant", "day", "thread_id"), ("tenant", "day", "thread_id"))
        self.threads = Table(
            tables.threads,
            ("thread_id",),
            THREAD_COLUMNS,
            {
                "tenant": "first",
                "created_at": "min",
                "deleted_at": "max",
                "messages_created": "sum",
                "messages_deleted": "sum",
                "first_activity": "min",
                "last_activity": "max",
            },
        )
        self.handles = frozenset(
            {
                Thread.Created,
                Thread.Modified,
                Thread.Deleted,
                Thread.MessageCreated,
                Thread.MessageModified,
                Thread.MessageDeleted,
                Thread.MessageDeltaAppended,
                Thread.MessageCompleted,
                Thread.MessageMarkedIncomplete,
            }
        )
        self._count_active = tables.dialect.q(
            f"UPDATE {tables.daily} SET active_threads = (SELECT COUNT(*) FROM {tables.thread_days} d"
            f" WHERE d.tenant = {tables.daily}.tenant AND d.day = {tables.daily}.day)"
            " WHERE tenant = %s AND day = %s"
        )

    def apply(self, curs: Cursor, events: Sequence[Any], position: int | None, now: int) -> None:
        """Count ``events`` and record ``position``, in the caller's transaction."""
        batch = RowBatch(curs, self.tables.dialect)
        days: set[tuple[str, str]] = set()
        for event in events:
            if type(event) in self.handles:
                days.add(self._count(batch, event))
        batch.flush()
        if days:
            curs.executemany(self._count_active, sorted(days))
        if position is not None:
            record_position(curs, self.tables.dialect, self.name, position, now)

    def _count(self, batch: RowBatch, e: Any) -> tuple[str, str]:
        tenant = e.actor["tenant"]
        day = e.timestamp.astimezone(UTC).date().isoformat()
        at = seconds(e)
        counts = dict.fromkeys(COUNTERS, 0)
        thread: dict[str, Any] = {"thread_id": e.thread_id, "tenant": tenant, "first_activity": at, "last_activity": at}
        kind = type(e)
        if kind is Thread.Created:
            counts["threads_created"] = 1
            thread["created_at"] = at
        elif kind is Thread.Deleted:
            counts["threads_deleted"] = 1
            thread["deleted_at"] = at
        elif kind is Thread.MessageCreated:
            counts["messages_created"] = 1
            if e.role in ("user", "assistant"):
                counts[f"{e.role}_messages_created"] = 1
            counts["text_characters"] = text_characters(e.content)
            thread["messages_created"] = 1
        elif kind is Thread.MessageModified:
            counts["messages_modified"] = 1
        elif kind is Thread.MessageDeleted:
            counts["messages_deleted"] = 1
            thread["messages_deleted"] = 1
        elif kind is Thread.MessageDeltaAppended:
            counts["text_characters"] = text_characters(e.content)
        batch.accumulate(self.daily, {"tenant": tenant, "day": day, **counts})
        batch.accumulate(self.thread_days, {"tenant": tenant, "day": day, "thread_id": e.thread_id})
        batch.accumulate(self.threads, {"messages_created": 0, "messages_deleted": 0, **thread})
        return tenant, day
