"""The check a PostgreSQL pool runs on a connection before handing it out: a round trip only when one is due."""

from __future__ import annotations

import select
from typing import Any

import psycopg
from eventsourcing.postgres import ConnectionPool as LibraryPool
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool


def check_quietly(conn: psycopg.Connection[Any]) -> None:
    """Raise if ``conn`` is broken; ask the server (a round trip) only if the connection has something to read.

    An idle connection the server has closed (a restart, an administrator's termination, an idle timeout)
    becomes readable: the server's last message or the end of the stream waits on its socket, and the
    full check then finds it broken, so the pool replaces it. A quiet connection is handed out as is:
    the round trip of the full check cost the writer a third of the round trips of a create (12% of its
    time at one client, py-spy), and a stream's reads two of theirs.
    """
    if not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
        if not readable:
            return
    ConnectionPool.check_connection(conn)


def quietly_checked(datastore: Any, reconnect_timeout: float, *, prepare: bool = True) -> None:
    """Give eventsourcing's PostgreSQL datastore a pool like its own whose check is ``check_quietly``.

    The library checks each connection with a round trip (``POSTGRES_PRE_PING``) or not at all; its pool
    takes the check only when built, so the same pool is built again (its public settings, the
    datastore's public connection setup) and the old one closed. Without ``prepare`` (behind a transaction
    pooler) its connections prepare no statement, even those the library asks to prepare.
    """
    old = datastore.pool
    datastore.pool = LibraryPool(
        connection_class=old.connection_class,
        kwargs=old.kwargs if prepare else {**old.kwargs, "prepare_threshold": None},
        min_size=old.min_size,
        max_size=old.max_size,
        open=False,
        configure=datastore.after_connect_func(),
        check=check_quietly,
        timeout=old.timeout,
        max_waiting=old.max_waiting,
        max_lifetime=old.max_lifetime,
        reconnect_timeout=reconnect_timeout,
        name="msgstore-write",
    )
    old.close()
