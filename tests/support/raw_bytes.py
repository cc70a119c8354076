"""Every byte a store keeps on disk: a SQLite file with its write-ahead log, or a pg_dump of a PostgreSQL database."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path


def raw_bytes(url: str) -> bytes:
    """The SQLite file and its WAL as they are (free pages included), or a pg_dump of the database."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        parts = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
        return b"".join(p.read_bytes() for p in parts if p.exists())
    pg_dump = shutil.which("pg_dump")
    assert pg_dump is not None, "pg_dump is needed to read a PostgreSQL database's bytes"
    return subprocess.run([pg_dump, "--no-owner", url], check=True, capture_output=True, timeout=120).stdout


def checkpoint(url: str) -> None:
    """Move a SQLite WAL's pages into the file (the WAL keeps old page images until then)."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
