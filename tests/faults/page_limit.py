"""``python -m tests.faults.page_limit serve …``: msgstore with SQLite files capped at a page count, a full disk.

Every SQLite connection the process opens caps its file at the number of pages written in the file that
``MSGSTORE_TEST_PAGE_LIMIT`` names (``PRAGMA max_page_count``), read again whenever that file changes:
a test fills the "disk" by lowering the number and frees space by raising it, without a mount or root.
SQLite answers a write past the cap as it answers a full disk: SQLITE_FULL, "database or disk is full".
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

LIMIT_FILE = "MSGSTORE_TEST_PAGE_LIMIT"
NO_LIMIT = 4_294_967_294  # SQLite's largest page count


class LimitedConnection(sqlite3.Connection):
    """A connection that applies the limit file's page count before each cursor it hands out."""

    limit_file: Path
    applied: str | None = None  # the limit file's text when it was last applied

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        limit = self.limit_file.read_text()
        if limit != self.applied:
            self.execute(f"PRAGMA max_page_count = {int(limit or 0) or NO_LIMIT}")
            self.applied = limit
        return super().cursor(*args, **kwargs)


def install(limit_file: Path) -> None:
    """Make every ``sqlite3.connect`` of this process return a ``LimitedConnection``."""
    connect = sqlite3.connect
    LimitedConnection.limit_file = limit_file

    def limited(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("factory", LimitedConnection)
        return connect(*args, **kwargs)

    sqlite3.connect = limited


def set_limit(limit_file: Path, pages: int | None) -> None:
    """Cap the files at ``pages`` (None: no cap); each connection applies it at its next statement."""
    limit_file.write_text("" if pages is None else str(pages))


if __name__ == "__main__":
    install(Path(os.environ[LIMIT_FILE]))
    from api.cli.main import main

    sys.argv[0] = "msgstore"
    main()
