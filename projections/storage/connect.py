"""Choosing the database adapter a URL names."""

from __future__ import annotations

from projections.storage.database import Database

UNSUPPORTED = "Unsupported database URL {url!r}: use sqlite:///path/to/file.db or postgresql://user@host/db."


def open_database(url: str, *, pool_size: int = 10, timeout: float = 5.0, pool_mode: str = "session") -> Database:
    """Open the database a ``sqlite:///path`` or ``postgresql://…`` URL names.

    ``timeout``: seconds to wait for a PostgreSQL connection or lock before giving up (a 503 to a client).
    ``pool_mode``: ``transaction`` when PostgreSQL is reached through a pooler lending a session per transaction.
    """
    if url.startswith("sqlite:"):
        from projections.storage.sqlite import SQLiteDatabase

        return SQLiteDatabase(url)
    if url.startswith(("postgresql:", "postgres:")):
        from projections.storage.postgres import PostgresDatabase

        return PostgresDatabase(url, pool_size=pool_size, timeout=timeout, pool_mode=pool_mode)
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
