"""Choosing the database adapter a URL names."""

from __future__ import annotations

from collections.abc import Sequence

from projections.storage.database import Database

UNSUPPORTED = "Unsupported database URL {url!r}: use sqlite:///path/to/file.db or postgresql://user@host/db."


def open_database(
    url: str, *, pool_size: int = 10, timeout: float = 5.0, pool_mode: str = "session", read_urls: Sequence[str] = ()
) -> Database:
    """Open the database a ``sqlite:///path`` or ``postgresql://…`` URL names.

    ``timeout``: seconds to wait for a PostgreSQL connection or lock before giving up (a 503 to a client).
    ``pool_mode``: ``transaction`` when PostgreSQL is reached through a pooler lending a session per transaction.
    ``read_urls``: streaming replicas of a PostgreSQL primary, read when they hold every acknowledged write.
    """
    if url.startswith("sqlite:"):
        from projections.storage.sqlite import SQLiteDatabase

        if read_urls:
            raise ValueError("Read replicas are PostgreSQL's: a SQLite store has none.")
        return SQLiteDatabase(url)
    if url.startswith(("postgresql:", "postgres:")):
        from projections.storage.postgres import PostgresDatabase

        return PostgresDatabase(url, pool_size=pool_size, timeout=timeout, pool_mode=pool_mode, read_urls=read_urls)
    raise ValueError(UNSUPPORTED.format(url=url))


def holds_store(url: str, *, timeout: float = 5.0) -> bool:
    """Whether the database a URL names holds a store already, found out without creating anything.

    Raises ``DatabaseUnavailable`` when it cannot be asked (PostgreSQL down, an unreadable file).
    """
    if url.startswith("sqlite:"):
        from projections.storage import sqlite

        return sqlite.holds_store(url)
    if url.startswith(("postgresql:", "postgres:")):
        from projections.storage import postgres

        return postgres.holds_store(url, timeout)
    raise ValueError(UNSUPPORTED.format(url=url))
