"""PostgreSQL behind a connection pooler: locks held by a transaction, the log's head polled, a wrong mode caught."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from projections.storage.signal import EventSignal

SESSION = "session"  # each client connection is one server session: directly, or a pooler in session mode
TRANSACTION = "transaction"  # a pooler (PgBouncer pool_mode=transaction) lends a server session per transaction
POOL_MODES = (SESSION, TRANSACTION)
POLL_SECONDS = 0.02  # how often a process behind a transaction pooler looks for events other processes recorded


class TransactionPooler(Exception):
    """The database is reached through a transaction pooler, and the store was not told so."""


def advisory_lock(
    conninfo: str, keys: tuple[int, ...], options: dict[str, Any], *, wait: bool, name: str = "lock"
) -> psycopg.Connection[Any] | None:
    """A connection holding the advisory lock ``keys`` in a transaction left open; None if it is taken.

    A transaction-scoped lock held by an open transaction is released when the transaction or its
    connection ends (the holder's death, a server restart), like a session lock; unlike one, a
    transaction pooler keeps it, since it lends the server session for the whole transaction. The
    transaction takes no snapshot between statements and no transaction id, so it holds back no vacuum.
    """
    conn = psycopg.connect(conninfo, autocommit=False, application_name=f"msgstore-{name}", **options)
    try:
        # A server's idle_in_transaction_session_timeout would end the lock's transaction: not this one's.
        conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        placeholders = ", ".join(["%s"] * len(keys))
        function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        row = conn.execute(f"SELECT {function}({placeholders})", keys).fetchone()
    except BaseException:
        conn.close()
        raise
    if not wait and (not row or not row[0]):  # a waiting lock returns nothing once taken
        conn.close()
        return None
    return conn


def release(conn: psycopg.Connection[Any]) -> None:
    """End the lock's transaction (and so the lock) and close its connection."""
    try:
        conn.rollback()
    except psycopg.Error:
        pass  # the connection is gone, and the lock with it
    finally:
        conn.close()


@contextmanager
def session_lock(conninfo: str, key: int, options: dict[str, Any]) -> Iterator[None]:
    """Hold the advisory lock ``key`` for the block, waiting for it as long as it takes."""
    conn = advisory_lock(conninfo, (key,), options, wait=True, name="setup")
    assert conn is not None  # a waiting lock is taken or raises
    try:
        yield
    finally:
        release(conn)


def check_pool_mode(pool: ConnectionPool[Any], pool_mode: str, where: str) -> None:
    """Raise ``TransactionPooler`` if two client connections turn out to share one server session.

    Without a transaction pooler every client connection is a session of its own. Behind one, a
    transaction on a second connection is lent the server session the first has just given back
    (PgBouncer reuses its most recent idle session): the same backend process answers both. A busy
    pooler may lend another one, so the check can only find a pooler, never rule one out.
    """
    if pool_mode == TRANSACTION:
        return
    with pool.connection() as first, pool.connection() as second:
        row = first.execute("SELECT pg_backend_pid() AS pid").fetchone()
        with second.transaction():
            again = second.execute("SELECT pg_backend_pid() AS pid").fetchone()
    if row is not None and again is not None and row["pid"] == again["pid"]:
        raise TransactionPooler(
            f"PostgreSQL at {where} is reached through a pooler in transaction mode (two connections were"
            " served by one server session): set MSGSTORE_POOL_MODE=transaction (no prepared statements,"
            " no LISTEN, locks held by transactions), or put the pooler in session mode."
        )


def poll_for_events(
    conninfo: str, events_table: str, options: dict[str, Any], signal: EventSignal, stopping: threading.Event
) -> None:
    """Call ``signal.notify()`` whenever the head of the log moves, looking every ``POLL_SECONDS``.

    Behind a transaction pooler LISTEN hears nothing (the session that listens is lent to others);
    the highest notification id is one probe of the log's unique index.
    """
    query = f"SELECT max(notification_id) AS head FROM {events_table}"
    with psycopg.connect(conninfo, autocommit=True, **options) as conn:
        row = conn.execute(query).fetchone()
        seen = row[0] if row else None
        signal.notify()  # anything recorded while we were not looking
        while not stopping.wait(POLL_SECONDS):
            row = conn.execute(query).fetchone()
            head = row[0] if row else None
            if head != seen:
                seen = head
                signal.notify()
