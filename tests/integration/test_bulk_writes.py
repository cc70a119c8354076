"""Rows written many at a time (COPY, many-row VALUES, UPDATE … FROM) are exactly the rows given, on both databases."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from projections.storage.batch import COPY_THRESHOLD, RowBatch, Table, insert_rows
from projections.storage.bulk import sqlite_connection
from projections.storage.connect import open_database
from projections.storage.database import Database
from projections.storage.sql import Cursor

TABLE = Table("bulk_rows", ("k",), ("k", "a", "b", "c"))


@pytest.fixture
def database(new_database: Callable[[], str]) -> Iterator[Database]:
    opened = open_database(new_database())
    with opened.transaction() as curs:
        curs.execute(f"CREATE TABLE bulk_rows (k TEXT PRIMARY KEY, a {opened.dialect.bigint}, b TEXT, c TEXT)")
    yield opened
    opened.close()


@contextmanager
def parameters_per_statement(curs: Cursor, limit: int) -> Iterator[None]:
    """On SQLite, statements of at most ``limit`` parameters (so that a few rows fill several)."""
    connection = sqlite_connection(curs)
    if connection is None:
        yield
        return
    saved = connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    try:
        yield
    finally:
        connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, saved)


def stored(database: Database) -> list[dict[str, Any]]:
    with database.read() as curs:
        curs.execute("SELECT k, a, b, c FROM bulk_rows ORDER BY a")
        return [dict(row) for row in curs.fetchall()]


# 3 parameters a row (c is NULL in every row): on SQLite statements of 4 rows then of 1, or of
# 64 rows then of 4 and of 1.
@pytest.mark.parametrize("limit", [12, 192])
def test_many_rows_inserted_and_updated_at_once_are_the_rows_given(database: Database, limit: int) -> None:
    count = COPY_THRESHOLD + 6
    rows = [{"k": f"k{i}", "a": i, "b": None if i % 3 else f"é{i}", "c": None} for i in range(count)]
    with database.transaction() as curs, parameters_per_statement(curs, limit):
        insert_rows(curs, database.dialect, TABLE, rows)
    assert stored(database) == rows
    with database.transaction() as curs, parameters_per_statement(curs, limit):
        batch = RowBatch(curs, database.dialect)
        for i, row in enumerate(rows):
            batch.update(TABLE, (row["k"],), {"b": f"new {i}", "c": "set"})
        batch.flush()
    assert stored(database) == [{**row, "b": f"new {i}", "c": "set"} for i, row in enumerate(rows)]
