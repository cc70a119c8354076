"""Choosing the database adapter a URL names."""

from __future__ import annotations

from projections.storage.database import Database


def open_database(url: str, *, pool_size: int = 10) -> Database:
    """Open the database a ``sqlite:///path`` or ``postgresql://…`` URL names."""
    if url.startswith("sqlite:"):
        from projections.storage.sqlite import SQLiteDatabase

        return SQLiteDatabase(url)
    if url.startswith(("postgresql:", "postgres:")):
        from projections.storage.postgres import PostgresDatabase

        return PostgresDatabase(url, pool_size=pool_size)
    msg = f"Unsupported database URL {url!r}: use sqlite:///path/to/file.db or postgresql://user@host/db."
    raise ValueError(msg)
