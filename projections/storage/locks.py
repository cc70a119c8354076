"""Named locks held across transactions, released by the operating system or the server if the holder dies."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import psycopg

from projections.storage import pooler

if TYPE_CHECKING:
    from projections.storage.database import Database

LOCK_NAMESPACE = 0x6D73  # "ms": the first key of PostgreSQL's two-key advisory locks


class HeldLock:
    """A lock this process holds until ``release`` (or its death)."""

    def __init__(self, name: str, release: Any, alive: Callable[[], bool] | None = None) -> None:
        self.name = name
        self._release = release
        self._alive = alive

    def alive(self) -> bool:
        """Whether the lock is still held: an advisory lock goes with its connection (a server restart, say)."""
        return self._release is not None and (self._alive is None or self._alive())

    def release(self) -> None:
        """Let the next holder in."""
        if self._release is not None:
            self._release()
            self._release = None


def try_lock(database: Database, name: str) -> HeldLock | None:
    """Take the lock called ``name`` if nobody holds it; return None if somebody does.

    PostgreSQL: a session advisory lock on a connection of its own (the server releases it when the
    connection drops). SQLite: ``flock`` on a file beside the database (the kernel releases it when
    the process exits).
    """
    if database.dialect.name == "postgres":
        return _try_advisory(getattr(database, "conninfo"), name)  # noqa: B009 - only PostgresDatabase has it
    return _try_flock(f"{getattr(database, 'path')}.{name}.lock")  # noqa: B009 - only SQLiteDatabase has it


@contextlib.contextmanager
def holding(database: Database, name: str, *, poll: float = 0.2) -> Iterator[HeldLock]:
    """Wait for the lock called ``name``, hold it for the block."""
    while True:
        held = try_lock(database, name)
        if held is not None:
            break
        time.sleep(poll)
    try:
        yield held
    finally:
        held.release()


def _key(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def _try_advisory(conninfo: str, name: str) -> HeldLock | None:
    # Held by a transaction left open, which a transaction pooler keeps on one server session (pooler.py).
    options = {"connect_timeout": 10, "prepare_threshold": None}
    conn = pooler.advisory_lock(conninfo, (LOCK_NAMESPACE, _key(name)), options, wait=False, name=f"lock-{name}")
    if conn is None:
        return None

    def answers() -> bool:
        try:
            conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    return HeldLock(name, lambda: pooler.release(conn), answers)


def _try_flock(path: str) -> HeldLock | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None

    def release() -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    return HeldLock(name=path, release=release)
