"""Moving a tenant between shards online: copy its events, catch up, a brief pause of its writes, the switch.

The log is the source of truth: the tenant's events are read from the source shard, decoded, and
recorded on the target with its inline views, in transactions that also record how far the copy got
(``tenant_arrivals``), so a killed move resumes where it stopped. The switch holds the source's events
table lock (the lock every write takes) while it copies the last events and marks the tenant moved
(``tenant_moves``): a write of the tenant that commits on the source after that is refused by the
fence every write and read of a shard checks (``tenant_fence.py``), and its process learns the way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import StoredEvent

from domain.ids import thread_uuid
from projections.conversations.tables import ItemsTables
from projections.crypto.columns import writing_for
from projections.crypto.erasure import erase_keys
from projections.storage.database import IDEMPOTENCY_TABLE
from projections.storage.postgres import EVENTS_TABLE
from projections.storage.row_projector import RowProjector
from projections.storage.sql import Cursor
from projections.store import MessageStore
from projections.tenant_fence import ARRIVALS_TABLE, COPYING, MOVED, MOVES_TABLE

PAGE = 2000  # events per copy transaction
SMALL_TAIL = 200  # events left that the switch copies while the source's writes wait


class MoveRefused(Exception):
    """The move cannot start or go on as asked (said why)."""


@dataclass
class MoveReport:
    """What a move did: events copied in all, in the switch, and how long the source's writes waited."""

    copied: int = 0
    in_switch: int = 0
    paused_seconds: float = 0.0
    already_moved: bool = False


def move_tenant(
    tenant: str,
    source: MessageStore,
    target: MessageStore,
    source_url: str,
    target_url: str,
    progress: Callable[[int], None] | None = None,
) -> MoveReport:
    """Move ``tenant``'s threads from ``source`` to ``target`` (resuming a move that stopped); see the module."""
    for store in (source, target):
        if store.database.conninfo is None or not store.sharded:  # a server database, opened as a shard
            raise MoveRefused("Tenants move between PostgreSQL shards (stores opened as shards).")
    report = MoveReport()
    with target.database.read() as curs:
        curs.execute(f"SELECT state FROM {MOVES_TABLE} WHERE tenant = %s", (tenant,))
        if curs.fetchone() is not None:
            raise MoveRefused(f"Tenant {tenant!r} once moved away from the target: moving it back is not supported.")
    with source.database.transaction() as curs:
        curs.execute(f"SELECT state, target FROM {MOVES_TABLE} WHERE tenant = %s FOR UPDATE", (tenant,))
        row = curs.fetchone()
        if row is not None and row["state"] == MOVED:
            if row["target"] != target_url:
                raise MoveRefused(f"Tenant {tenant!r} has already moved to another database.")
            report.already_moved = True
            return report
        curs.execute(
            f"INSERT INTO {MOVES_TABLE} (tenant, target, state, started_at) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (tenant) DO UPDATE SET target = excluded.target",
            (tenant, target_url, COPYING, int(time.time())),
        )
    while True:  # copy while the tenant keeps writing, until what is left is small
        with source.database.read() as curs:
            events = _events_after(curs, source, tenant, _copied(target, tenant, source_url), PAGE)
        if not events:
            break
        _record(target, tenant, source_url, source, events)
        report.copied += len(events)
        if progress is not None:
            progress(report.copied)
        if len(events) < SMALL_TAIL:
            break
    began = time.monotonic()
    with source.database.transaction(lock_events=True) as curs:  # the source's writers wait from here
        tail = _events_after(curs, source, tenant, _copied(target, tenant, source_url), None)
        if tail:
            _record(target, tenant, source_url, source, tail)
        _copy_answers(curs, target, tenant)
        curs.execute(
            f"UPDATE {MOVES_TABLE} SET state = %s, moved_at = %s WHERE tenant = %s", (MOVED, int(time.time()), tenant)
        )
    report.paused_seconds = time.monotonic() - began
    report.in_switch = len(tail)
    report.copied += len(tail)
    return report


def abort_move(tenant: str, source: MessageStore, target: MessageStore) -> int:
    """Give up a move that has not switched: the source keeps the tenant, the target forgets what was copied.

    Returns the events deleted from the target; its asynchronous projections must then be rebuilt.
    """
    with source.database.transaction() as curs:
        curs.execute(f"SELECT state FROM {MOVES_TABLE} WHERE tenant = %s FOR UPDATE", (tenant,))
        row = curs.fetchone()
        if row is not None and row["state"] == MOVED:
            raise MoveRefused(f"Tenant {tenant!r} has moved already: move it back instead.")
        curs.execute(f"DELETE FROM {MOVES_TABLE} WHERE tenant = %s", (tenant,))
    views = target.tables
    with target.database.transaction(lock_events=True) as curs:
        threads = _threads(curs, views.threads, tenant)
        curs.execute(
            f"WITH gone AS (DELETE FROM {EVENTS_TABLE} WHERE originator_id = ANY(%s) RETURNING 1)"
            " SELECT count(*) AS n FROM gone",
            ([thread_uuid(t) for t in threads],),
        )
        row = curs.fetchone()
        deleted = int(row["n"]) if row else 0
        for table in (views.messages, ItemsTables(views.dialect).items, views.threads):
            curs.execute(f"DELETE FROM {table} WHERE thread_id = ANY(%s)", (threads,))
        curs.execute(f"DELETE FROM {ARRIVALS_TABLE} WHERE tenant = %s", (tenant,))
    return deleted


def _threads(curs: Cursor, threads_table: str, tenant: str) -> list[str]:
    curs.execute(f"SELECT thread_id FROM {threads_table} WHERE tenant = %s", (tenant,))
    return [row["thread_id"] for row in curs.fetchall()]


def _copied(target: MessageStore, tenant: str, source_url: str) -> int:
    """The source's position of the last event of ``tenant`` the target holds (0: none yet)."""
    with target.database.read() as curs:
        curs.execute(f"SELECT source, position FROM {ARRIVALS_TABLE} WHERE tenant = %s", (tenant,))
        row = curs.fetchone()
    if row is None:
        return 0
    if row["source"] != source_url:
        raise MoveRefused(f"The target holds tenant {tenant!r} copied from another database.")
    return int(row["position"])


def _events_after(
    curs: Cursor, source: MessageStore, tenant: str, position: int, limit: int | None
) -> list[tuple[int, StoredEvent]]:
    """The tenant's stored events after ``position`` of the source's log, in log order (its threads: the view's)."""
    threads = [thread_uuid(t) for t in _threads(curs, source.tables.threads, tenant)]
    curs.execute(
        "SELECT notification_id, originator_id, originator_version, topic, state"
        f" FROM {EVENTS_TABLE} WHERE originator_id = ANY(%s) AND notification_id > %s ORDER BY notification_id"
        + (" LIMIT %s" if limit is not None else ""),
        (threads, position, limit) if limit is not None else (threads, position),
    )
    return [
        (
            int(row["notification_id"]),
            StoredEvent(row["originator_id"], int(row["originator_version"]), row["topic"], bytes(row["state"])),
        )
        for row in curs.fetchall()
    ]


def _record(
    target: MessageStore, tenant: str, source_url: str, source: MessageStore, found: Sequence[tuple[int, StoredEvent]]
) -> None:
    """Record the events on the target with its inline views and the copy's position, in one transaction."""
    events: list[Any] = [source.app.mapper.to_domain_event(stored) for _, stored in found]
    position = found[-1][0]
    keyring = target.app.keyring
    now = int(time.time())

    def inline(curs: Cursor, ids: Sequence[int]) -> None:
        if keyring is not None:
            keyring.write_pending(curs)
        with writing_for(keyring):
            for projector in target.inline_projectors:
                projector.apply(curs, events, ids[-1] if ids else None, now)
        erase_keys(curs, target.database, keyring, events)
        curs.execute(
            f"INSERT INTO {ARRIVALS_TABLE} (tenant, source, position) VALUES (%s, %s, %s)"
            " ON CONFLICT (tenant) DO UPDATE SET position = excluded.position",
            (tenant, source_url, position),
        )

    target.app.events.put(events, inline=inline)
    if keyring is not None:
        keyring.saved()
    for projector in target.inline_projectors:
        if isinstance(projector, RowProjector):
            projector.committed()


def _copy_answers(curs: Cursor, target: MessageStore, tenant: str) -> None:
    """The tenant's remembered answers (idempotency keys, SDK retries), so a retry after the move is recognised."""
    curs.execute(
        f"SELECT tenant, idempotency_key, fingerprint, status_code, response, created_at FROM {IDEMPOTENCY_TABLE}"
        " WHERE tenant = %s",
        (tenant,),
    )
    rows = [tuple(row.values()) for row in curs.fetchall()]
    if not rows:
        return
    with target.database.transaction() as into:
        into.executemany(
            f"INSERT INTO {IDEMPOTENCY_TABLE} (tenant, idempotency_key, fingerprint, status_code, response,"
            " created_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            rows,
        )
