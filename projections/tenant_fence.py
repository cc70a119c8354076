"""Where a sharded store records the tenants moved away from it, and the check that refuses their requests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from projections.history.queries import History, PointInTime
from projections.shard_map import TenantMoved
from projections.storage.sql import Cursor, Dialect

MOVES_TABLE = "tenant_moves"  # on a move's source: the tenant, where it goes, how far the copy got
ARRIVALS_TABLE = "tenant_arrivals"  # on a move's target: the tenant, the source's last event copied here
COPYING, MOVED = "copying", "moved"


def fence_ddl(dialect: Dialect) -> list[str]:
    """The tables of moves, on every shard (each may be a source and a target)."""
    big = dialect.bigint
    return [
        f"CREATE TABLE IF NOT EXISTS {MOVES_TABLE} (tenant TEXT PRIMARY KEY, target TEXT NOT NULL,"
        f" state TEXT NOT NULL, started_at {big} NOT NULL, moved_at {big})",
        f"CREATE TABLE IF NOT EXISTS {ARRIVALS_TABLE} (tenant TEXT PRIMARY KEY, source TEXT NOT NULL,"
        f" position {big} NOT NULL)",
    ]


def check_placed(curs: Cursor, dialect: Dialect, tenants: Iterable[str]) -> None:
    """Raise ``TenantMoved`` if one of ``tenants`` has moved away from this shard (one probe of a small table)."""
    named = sorted(set(tenants))
    if not named:
        return
    marks = ", ".join(["%s"] * len(named))
    curs.execute(
        dialect.q(f"SELECT tenant, target FROM {MOVES_TABLE} WHERE state = %s AND tenant IN ({marks})"),
        [MOVED, *named],
    )
    row = curs.fetchone()
    if row is not None:
        raise TenantMoved(row["tenant"], row["target"])


async def check_placed_async(conn: Any, tenant: str) -> None:
    """``check_placed`` on an async PostgreSQL connection (the event loop's reads)."""
    query = f"SELECT target FROM {MOVES_TABLE} WHERE state = %s AND tenant = %s"
    row = await (await conn.execute(query, (MOVED, tenant))).fetchone()
    if row is not None:
        raise TenantMoved(tenant, row["target"])


def moved_away(curs: Cursor) -> dict[str, str]:
    """Every tenant moved away from this shard, with the URL it went to."""
    curs.execute(f"SELECT tenant, target FROM {MOVES_TABLE} WHERE state = 'moved'")
    return {row["tenant"]: row["target"] for row in curs.fetchall()}


def event_tenants(events: Sequence[Any]) -> set[str]:
    """The tenants whose threads ``events`` change (each event's actor is of the thread's tenant)."""
    return {event.actor["tenant"] for event in events if getattr(event, "actor", None)}


class FencedHistory(History):
    """A shard's history: a read for a tenant moved away is refused like the live views' (``TenantMoved``)."""

    def _owned(self, curs: Cursor, tenant: str | None, thread_id: str) -> None:
        if tenant is not None:
            check_placed(curs, self.database.dialect, (tenant,))
        super()._owned(curs, tenant, thread_id)

    def _at(self, curs: Cursor, tenant: str | None, thread_id: str, at: PointInTime) -> Any:
        if tenant is not None:
            check_placed(curs, self.database.dialect, (tenant,))
        return super()._at(curs, tenant, thread_id, at)
