"""The small differences between the SQLite and PostgreSQL dialects the views are written in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class Cursor(Protocol):
    """What the views need of a DB-API cursor (psycopg with dict rows, or sqlite3 with Row)."""

    def execute(self, query: Any, params: Any = ...) -> Any: ...
    def executemany(self, query: Any, params_seq: Any) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Any: ...


@dataclass(frozen=True)
class Dialect:
    """How one database spells placeholders and types; queries are written for PostgreSQL."""

    name: str
    bigint: str
    json_type: str
    renames_indexes: bool  # ALTER INDEX … RENAME exists (SQLite builds a renamed table's indexes again)
    single_writer: bool  # one write transaction at a time, database-wide (no row locks needed or possible)

    def q(self, query: str) -> str:
        """Translate a query written with ``%s`` placeholders into this dialect."""
        return query.replace("%s", "?") if self.name == "sqlite" else query


SQLITE = Dialect(name="sqlite", bigint="INTEGER", json_type="TEXT", renames_indexes=False, single_writer=True)
POSTGRES = Dialect(name="postgres", bigint="BIGINT", json_type="TEXT", renames_indexes=True, single_writer=False)


def and_where(sql: str, params: list[Any], *conditions: tuple[str, Any]) -> str:
    """``sql`` with `` AND condition`` for each condition whose value is not None, that value added to ``params``."""
    for condition, value in conditions:
        if value is not None:
            sql += f" AND {condition}"
            params.append(value)
    return sql
