"""A unit of work for projectors: row changes folded in memory, written with few statements per batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from typing import Any

from projections.storage.bulk import UPDATE_FROM, copy_rows, insert_values, sqlite_connection, update_values
from projections.storage.sql import Cursor, Dialect

Key = tuple[Any, ...]
Row = dict[str, Any]

COPY_THRESHOLD = 64  # rows; below it a plain executemany costs less than a COPY or a many-row statement

# How an accumulated column merges a new value into the stored one: (PostgreSQL, SQLite); NULL never wins.
MERGES = {
    "sum": ("{t}.{c} + excluded.{c}", "{t}.{c} + excluded.{c}"),
    "min": ("LEAST({t}.{c}, excluded.{c})", "coalesce(min({t}.{c}, excluded.{c}), {t}.{c}, excluded.{c})"),
    "max": ("GREATEST({t}.{c}, excluded.{c})", "coalesce(max({t}.{c}, excluded.{c}), {t}.{c}, excluded.{c})"),
    "first": ("coalesce({t}.{c}, excluded.{c})", "coalesce({t}.{c}, excluded.{c})"),
    "last": ("excluded.{c}", "excluded.{c}"),
}


@dataclass(frozen=True)
class Table:
    """One table a projector writes: its name, key columns, and every column in insert order.

    ``merges`` names how each non-key column accumulates (``sum``, ``min``, ``max``, ``first``,
    ``last``) for tables written with ``RowBatch.accumulate``.
    """

    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    merges: dict[str, str] = field(default_factory=dict)

    @cached_property
    def key_of(self) -> Callable[[Row], Key]:
        """The function returning the key of a row."""
        return _getter(self.key)

    def values_of(self, row: Row) -> tuple[Any, ...]:
        """The row's values in column order (None for a column it lacks)."""
        try:
            return self._values(row)
        except KeyError:
            return tuple(row.get(c) for c in self.columns)

    @cached_property
    def _values(self) -> Callable[[Row], tuple[Any, ...]]:
        return _getter(self.columns)


_getters: dict[tuple[str, ...], Callable[[Row], tuple[Any, ...]]] = {}


def _getter(columns: tuple[str, ...]) -> Callable[[Row], tuple[Any, ...]]:
    found = _getters.get(columns)
    if found is None:
        if len(columns) == 1:
            one = itemgetter(columns[0])
            found = _getters[columns] = lambda row: (one(row),)
        else:
            found = _getters[columns] = itemgetter(*columns)
    return found


def _merge(op: str, old: Any, new: Any) -> Any:
    if op == "sum":
        return old + new
    if op == "min":
        return new if old is None else old if new is None else min(old, new)
    if op == "max":
        return new if old is None else old if new is None else max(old, new)
    if op == "first":
        return new if old is None else old
    return new


class RowBatch:
    """Collects the changes of a batch of events and writes them in one go on ``flush``.

    Rows inserted in the batch stay in memory, so later events of the batch change them there;
    updates of older rows merge per key (the last value of a column wins). Flushing writes the
    inserts first (COPY on PostgreSQL for large batches), then one executemany per shape of update.
    This is exact because an event log never changes a row before the event that creates it.
    """

    def __init__(self, curs: Cursor, dialect: Dialect) -> None:
        self.curs = curs
        self.dialect = dialect
        self._inserts: dict[str, tuple[Table, dict[Key, Row]]] = {}
        self._updates: dict[str, tuple[Table, dict[Key, Row]]] = {}
        self._accumulated: dict[str, tuple[Table, dict[Key, Row]]] = {}

    def insert(self, table: Table, row: Row) -> None:
        """Insert a new row."""
        inserted = self._inserts.get(table.name)
        if inserted is None:
            inserted = self._inserts[table.name] = (table, {})
        inserted[1][table.key_of(row)] = row

    def update(self, table: Table, key: Key, values: Row) -> None:
        """Set columns of an existing row (a row inserted in this batch is changed in memory)."""
        inserted = self._inserts.get(table.name)
        if inserted is not None:
            row = inserted[1].get(key)
            if row is not None:
                row.update(values)
                return
        updated = self._updates.get(table.name)
        if updated is None:
            updated = self._updates[table.name] = (table, {})
        pending = updated[1].get(key)
        if pending is None:
            updated[1][key] = dict(values)
        else:
            pending.update(values)

    def row(self, table: Table, key: Key) -> Row | None:
        """Return the row as it stands in this batch (loading it once), for read-modify-write; change it in place."""
        inserted = self._inserts.get(table.name)
        if inserted is not None and key in inserted[1]:
            return inserted[1][key]
        pending = self._updates.setdefault(table.name, (table, {}))[1]
        current = pending.get(key)
        if current is not None and current.keys() >= set(table.columns):
            return current
        where = " AND ".join(f"{c} = %s" for c in table.key)
        self.curs.execute(self.dialect.q(f"SELECT {', '.join(table.columns)} FROM {table.name} WHERE {where}"), key)
        found = self.curs.fetchone()
        if found is None:
            return None
        loaded = {c: found[c] for c in table.columns}
        loaded.update(current or {})
        pending[key] = loaded
        return loaded

    def known(self, table: Table, key: Key, row: Row) -> None:
        """A copy of ``row`` stands for the stored row in ``row()`` (not read), unless the batch already has it."""
        inserted = self._inserts.get(table.name)
        pending = self._updates.setdefault(table.name, (table, {}))[1]
        if (inserted is None or key not in inserted[1]) and key not in pending:
            pending[key] = dict(row)

    def accumulate(self, table: Table, row: Row) -> None:
        """Merge ``row`` into the row with its key, creating it if missing, by the table's merges."""
        rows = self._accumulated.setdefault(table.name, (table, {}))[1]
        key = table.key_of(row)
        old = rows.get(key)
        if old is None:
            rows[key] = dict(row)
            return
        for column, value in row.items():
            if column not in table.key:
                old[column] = _merge(table.merges.get(column, "last"), old.get(column), value)

    def flush(self, curs: Cursor | None = None) -> None:
        """Write everything collected so far (through ``curs`` when the batch was read through another)."""
        if curs is not None:
            self.curs = curs
        for table, rows in self._inserts.values():
            insert_rows(self.curs, self.dialect, table, rows.values())
        for table, updates in self._updates.values():
            self._write_updates(table, updates)
        for table, rows in self._accumulated.values():
            self._write_accumulated(table, rows)
        self._inserts.clear()
        self._updates.clear()
        self._accumulated.clear()

    def _write_updates(self, table: Table, updates: dict[Key, Row]) -> None:
        shapes: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for key, values in updates.items():
            columns = tuple(c for c in values if c not in table.key)
            shapes.setdefault(columns, []).append((*(values[c] for c in columns), *key))
        connection = sqlite_connection(self.curs) if UPDATE_FROM else None
        for columns, params in shapes.items():
            if not columns:
                continue
            if connection is not None and len(params) >= COPY_THRESHOLD:
                update_values(self.curs, connection, table.name, columns, table.key, params)
                continue
            sets = ", ".join(f"{c} = %s" for c in columns)
            where = " AND ".join(f"{c} = %s" for c in table.key)
            run(self.curs, self.dialect.q(f"UPDATE {table.name} SET {sets} WHERE {where}"), params)

    def _write_accumulated(self, table: Table, rows: dict[Key, Row]) -> None:
        which = 0 if self.dialect.name == "postgres" else 1
        columns = table.columns
        sets = ", ".join(
            f"{c} = " + MERGES[table.merges.get(c, "last")][which].format(t=table.name, c=c)
            for c in columns
            if c not in table.key
        )
        sql = (
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('%s' for _ in columns)})"
            f" ON CONFLICT ({', '.join(table.key)}) DO " + (f"UPDATE SET {sets}" if sets else "NOTHING")
        )
        run(self.curs, self.dialect.q(sql), [table.values_of(r) for r in rows.values()])


def run(curs: Cursor, sql: str, params: Sequence[Sequence[Any]]) -> None:
    """Execute one statement for each parameter row, in one call when there are several."""
    if len(params) == 1:
        curs.execute(sql, params[0])
    elif params:
        curs.executemany(sql, params)


def insert_rows(curs: Cursor, dialect: Dialect, table: Table, rows: Iterable[Row]) -> None:
    """Insert new rows: many by binary COPY (PostgreSQL) or a few statements of many VALUES (SQLite)."""
    rows = list(rows)
    if len(rows) >= COPY_THRESHOLD:
        connection = sqlite_connection(curs)
        if dialect.name == "postgres" and hasattr(curs, "copy"):
            copy_rows(curs, table.name, table.columns, list(map(table.values_of, rows)))
            return
        if connection is not None:
            insert_values(curs, connection, table.name, table.columns, rows)
            return
    marks = ", ".join("%s" for _ in table.columns)
    sql = f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({marks})"
    run(curs, dialect.q(sql), list(map(table.values_of, rows)))
