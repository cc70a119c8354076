"""Many rows in few statements: binary COPY on PostgreSQL, many-row VALUES and UPDATE … FROM on SQLite.

On SQLite a statement per row costs a trip through the sqlite3 module per row, which hands the
GIL over and back each time; a statement for thousands of rows keeps it away for long stretches.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import suppress
from itertools import chain
from operator import itemgetter
from typing import Any

Row = dict[str, Any]

UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 33, 0)  # UPDATE … FROM arrived in SQLite 3.33
# Compiling a statement of many rows costs a good part of running it: statements of at most this
# many rows come in few sizes, compiled once (the sqlite3 module keeps them), and are still long.
ROWS_PER_STATEMENT = 1024


_column_types: dict[tuple[str, str], list[int]] = {}


def sqlite_connection(curs: Any) -> sqlite3.Connection | None:
    """The SQLite connection behind a cursor, if it is a plain sqlite3 cursor."""
    connection = getattr(curs, "connection", None)
    return connection if isinstance(connection, sqlite3.Connection) else None


def copy_rows(curs: Any, table: str, columns: Sequence[str], params: list[tuple[Any, ...]]) -> None:
    """Insert rows by binary COPY (PostgreSQL), each column in the table's own type."""
    names = ", ".join(columns)
    types = _column_types.get((table, names))
    if types is None:  # asked once: a table keeps its column types (a rebuilt copy too), built-in types their ids
        curs.execute(f"SELECT {names} FROM {table} LIMIT 0")
        types = _column_types[(table, names)] = [c.type_code for c in curs.description]
    with curs.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        write = copy.write_row
        for values in params:
            write(values)


def insert_values(
    curs: Any, connection: sqlite3.Connection, table: str, columns: Sequence[str], rows: list[Row]
) -> None:
    """Insert rows with statements of many VALUES each (SQLite).

    A column that is NULL in every row is written as a NULL literal: the sqlite3 module binds None
    through its adapter lookup, several times slower than a value. Statements come in a few sizes
    (the largest, then a quarter of it, …, one row), so SQLite compiles each once per connection.
    """
    nulls = _null_columns(columns, rows)
    kept = [c for c in columns if c not in nulls]
    try:
        params = list(map(_getter(kept), rows))
    except KeyError:  # a row without some column: None there
        params = [tuple(row.get(c) for c in kept) for row in rows]
    values = "(" + ", ".join("NULL" if c in nulls else "?" for c in columns) + ")"
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    size, start = _per_statement(connection, len(kept)), 0
    while start < len(params):
        while size > len(params) - start:
            size = max(1, size // 4)
        curs.execute(insert + ", ".join([values] * size), list(chain.from_iterable(params[start : start + size])))
        start += size


def update_values(
    curs: Any,
    connection: sqlite3.Connection,
    table: str,
    columns: Sequence[str],
    key: Sequence[str],
    params: list[tuple[Any, ...]],
) -> None:
    """Set ``columns`` of the rows with ``key`` (each param is ``(*values, *key)``), many rows a statement (SQLite)."""
    sets = ", ".join(f"{c} = v.column{i}" for i, c in enumerate(columns, 1))
    where = " AND ".join(f"{table}.{c} = v.column{i}" for i, c in enumerate(key, len(columns) + 1))
    values = "(" + ", ".join("?" for _ in range(len(columns) + len(key))) + ")"
    for chunk in _chunks(connection, params, len(columns) + len(key)):
        sql = f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([values] * len(chunk))}) AS v WHERE {where}"
        curs.execute(sql, list(chain.from_iterable(chunk)))


def _per_statement(connection: sqlite3.Connection, width: int) -> int:
    """How many rows of ``width`` parameters a statement takes: many, but few enough to compile quickly."""
    return max(1, min(ROWS_PER_STATEMENT, connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // max(1, width)))


def _chunks(connection: sqlite3.Connection, params: list[tuple[Any, ...]], width: int) -> list[list[tuple[Any, ...]]]:
    per_statement = _per_statement(connection, width)
    return [params[start : start + per_statement] for start in range(0, len(params), per_statement)]


def _null_columns(columns: Sequence[str], rows: list[Row]) -> set[str]:
    """The columns that are NULL (or missing) in every row."""
    candidates = [c for c in columns if rows[0].get(c) is None]
    if not candidates:
        return set()
    with suppress(KeyError):  # a row without some of them is checked column by column
        if list(map(_getter(candidates), rows)).count((None,) * len(candidates)) == len(rows):
            return set(candidates)  # the usual case: the same columns are NULL in every row
    return {c for c in candidates if all(row.get(c) is None for row in rows)}


def _getter(columns: Sequence[str]) -> Any:
    """A function returning a row's values of ``columns`` as a tuple (even for one column)."""
    if len(columns) == 1:
        one = itemgetter(columns[0])
        return lambda row: (one(row),)
    return itemgetter(*columns)
