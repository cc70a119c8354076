"""Choosing the database adapter a URL names."""

from __future__ import annotations

from projections.storage.database import Database


def open_database(url: str, *, pool_size: int = 10, timeout: float = 5.0) -> Database:
    """Open the database a ``sqlite:///path`` or ``postgresql://…`` URL names.

    ``timeout``: seconds to wait for a PostgreSQL connection or lock before giving up (a 503 to a client).
    """
    if url.startswith("sqlite:"):
        from projections.storage.sqlite import SQLiteDatabase

        return SQLiteDatabase(url)
    if url.startswith(("postgresql:", "postgres:")):
        from projections.storage.postgres import PostgresDatabase

        return PostgresDatabase(url, pool_size=pool_size, timeout=timeout)
    msg = f"Unsupported database URL {url!r}: use sqlite:///path/to/file.db or postgresql://user@host/db."
    raise ValueError(msg)
