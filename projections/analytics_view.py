"""Queries over the analytics projection: a tenant's days, in order."""

from __future__ import annotations

from typing import Any

from projections.analytics import COUNTERS, AnalyticsTables
from projections.sql import Cursor

DAILY_FIELDS = ("day", *COUNTERS, "active_threads")


class AnalyticsView:
    """Reads the live analytics tables."""

    def __init__(self, tables: AnalyticsTables) -> None:
        self.tables = tables

    def daily(
        self, curs: Cursor, tenant: str, start: str | None = None, end: str | None = None
    ) -> list[dict[str, Any]]:
        """Return the tenant's days from ``start`` to ``end`` (ISO dates, both included), oldest first."""
        sql = f"SELECT {', '.join(DAILY_FIELDS)} FROM {self.tables.daily} WHERE tenant = %s"
        params: list[Any] = [tenant]
        if start is not None:
            sql += " AND day >= %s"
            params.append(start)
        if end is not None:
            sql += " AND day <= %s"
            params.append(end)
        curs.execute(self.tables.dialect.q(sql + " ORDER BY day"), params)
        return [{f: (row[f] if f == "day" else int(row[f])) for f in DAILY_FIELDS} for row in curs.fetchall()]
