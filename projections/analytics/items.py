"""Analytics of conversation items: per tenant and UTC day, how many items of each type were created and deleted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, ClassVar

from domain.thread import Thread
from projections.storage.batch import RowBatch, Table
from projections.storage.generations import Generation
from projections.storage.positions import record_position
from projections.storage.sql import Cursor

ITEM_TYPES_PROJECTION = "item_analytics"
COLUMNS = ("tenant", "day", "type", "created", "deleted")


@dataclass(frozen=True)
class ItemTypeTables(Generation):
    """One generation of the per-type counts (``suffix`` is empty for the live one)."""

    TABLES: ClassVar[dict[str, str]] = {"daily": "analytics_item_types"}
    daily: str = field(init=False, default="")

    def tables_ddl(self) -> list[str]:
        """One row per tenant, day and item type."""
        big = self.dialect.bigint
        return [
            f"CREATE TABLE IF NOT EXISTS {self.daily} (tenant TEXT NOT NULL, day TEXT NOT NULL, type TEXT NOT NULL,"
            f" created {big} NOT NULL DEFAULT 0, deleted {big} NOT NULL DEFAULT 0, PRIMARY KEY (tenant, day, type))"
        ]


class ItemTypesProjector:
    """Counts created and deleted items by type; a thread message is an item of type ``message``."""

    def __init__(self, tables: ItemTypeTables, name: str = ITEM_TYPES_PROJECTION) -> None:
        self.tables = tables
        self.name = name
        self.daily = Table(tables.daily, ("tenant", "day", "type"), COLUMNS, {"created": "sum", "deleted": "sum"})
        self.handles = frozenset({Thread.MessageCreated, Thread.ItemCreated, Thread.MessageDeleted, Thread.ItemDeleted})

    def apply(self, curs: Cursor, events: Sequence[Any], position: int | None, now: int) -> None:
        """Count ``events`` and record ``position``, in the caller's transaction."""
        batch = RowBatch(curs, self.tables.dialect)
        for e in events:
            kind = type(e)
            if kind not in self.handles:
                continue
            if kind is Thread.ItemCreated:
                item_type, created = str(e.item.get("type", "message")), 1
            elif kind is Thread.MessageCreated:
                item_type, created = "message", 1
            elif kind is Thread.MessageDeleted:
                item_type, created = "message", 0
            else:
                item_type, created = e.type, 0
            day = e.timestamp.astimezone(UTC).date().isoformat()
            row = {"tenant": e.actor["tenant"], "day": day, "type": item_type}
            batch.accumulate(self.daily, {**row, "created": created, "deleted": 1 - created})
        batch.flush()
        if position is not None:
            record_position(curs, self.tables.dialect, self.name, position, now)


def item_days(
    tables: ItemTypeTables, curs: Cursor, tenant: str, start: str | None = None, end: str | None = None
) -> list[dict[str, Any]]:
    """The tenant's counts by day and type from ``start`` to ``end`` (ISO days, both included), oldest first."""
    sql = f"SELECT day, type, created, deleted FROM {tables.daily} WHERE tenant = %s"
    params: list[Any] = [tenant]
    for condition, value in (("day >= %s", start), ("day <= %s", end)):
        if value is not None:
            sql += f" AND {condition}"
            params.append(value)
    curs.execute(tables.dialect.q(sql + " ORDER BY day, type"), params)
    return [
        {"day": row["day"], "type": row["type"], "created": int(row["created"]), "deleted": int(row["deleted"])}
        for row in curs.fetchall()
    ]
