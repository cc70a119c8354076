"""Queries over the analytics projection: a tenant's days, in order."""

from __future__ import annotations

from typing import Any

from projections.analytics.projector import COUNTERS, AnalyticsTables
from projections.storage.sql import Cursor, Dialect, and_where

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
        sql = and_where(sql, params, ("day >= %s", start), ("day <= %s", end))
        curs.execute(self.tables.dialect.q(sql + " ORDER BY day"), params)
        return [{f: (row[f] if f == "day" else int(row[f])) for f in DAILY_FIELDS} for row in curs.fetchall()]


def daily_for_all(
    dialect: Dialect, curs: Cursor, tenant: str | None = None, start: str | None = None, end: str | None = None
) -> list[dict[str, Any]]:
    """Every tenant's days (or one tenant's), by tenant then day: for operators and exports."""
    tables = AnalyticsTables(dialect)
    sql = f"SELECT tenant, {', '.join(DAILY_FIELDS)} FROM {tables.daily} WHERE 1 = 1"
    params: list[Any] = []
    sql = and_where(sql, params, ("tenant = %s", tenant), ("day >= %s", start), ("day <= %s", end))
    curs.execute(dialect.q(sql + " ORDER BY tenant, day"), params)
    return [
        {"tenant": row["tenant"], **{f: (row[f] if f == "day" else int(row[f])) for f in DAILY_FIELDS}}
        for row in curs.fetchall()
    ]


def tenants(dialect: Dialect, curs: Cursor) -> list[str]:
    """The tenants with any recorded activity, in order."""
    curs.execute(f"SELECT DISTINCT tenant FROM {AnalyticsTables(dialect).daily} ORDER BY tenant")
    return [str(row["tenant"]) for row in curs.fetchall()]
