"""Generations of a read model's tables: the live one, and copies beside it that a rebuild swaps in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from projections.storage.sql import Cursor, Dialect


class Index(NamedTuple):
    """A secondary index: the table attribute it is on, its columns, and whether they are unique."""

    table: str
    columns: str
    unique: bool = False


def view_table_ddl(name: str, key: str, *, in_thread: bool = True) -> str:
    """The head of a live view table's DDL: the row's own id (its key), its thread's id, its tenant.

    The column definitions that follow each end with a comma, the last with the closing parenthesis.
    """
    thread = " thread_id TEXT NOT NULL," if in_thread else ""
    return f"CREATE TABLE IF NOT EXISTS {name} ( {key} TEXT PRIMARY KEY,{thread} tenant TEXT NOT NULL,"


@dataclass(frozen=True)
class Generation:
    """The tables of one generation of a read model (``suffix`` empty for the live one).

    A subclass names its tables in ``TABLES`` (attribute -> base name; each attribute is a
    ``str`` field holding the suffixed name), writes their DDL in ``tables_ddl`` and lists its
    secondary indexes in ``INDEXES`` (suffix -> Index): index names are schema-wide, so they are
    the table's name plus that suffix.
    """

    dialect: Dialect
    suffix: str = ""
    TABLES: ClassVar[dict[str, str]] = {}
    INDEXES: ClassVar[dict[str, Index]] = {}

    def __post_init__(self) -> None:
        for attribute, base in self.TABLES.items():
            object.__setattr__(self, attribute, base + self.suffix)

    @property
    def names(self) -> tuple[str, ...]:
        """Every table of this generation."""
        return tuple(getattr(self, attribute) for attribute in self.TABLES)

    def tables_ddl(self) -> list[str]:
        """The CREATE TABLE IF NOT EXISTS statements of this generation."""
        raise NotImplementedError

    def indexes(self) -> dict[str, Index]:
        """Index name -> index, for this generation."""
        return {getattr(self, i.table) + name: i for name, i in self.INDEXES.items()}

    def create(self, curs: Cursor) -> None:
        """Create the tables and their indexes if they do not exist yet."""
        self.create_tables(curs)
        self.create_indexes(curs)

    def create_tables(self, curs: Cursor) -> None:
        """Create the tables (keyed by their primary keys) if they do not exist yet."""
        for statement in self.tables_ddl():
            curs.execute(statement)

    def create_indexes(self, curs: Cursor) -> None:
        """Create the secondary indexes (a rebuild adds them after loading its copy)."""
        for name, index in self.indexes().items():
            unique = "UNIQUE " if index.unique else ""
            curs.execute(f"CREATE {unique}INDEX IF NOT EXISTS {name} ON {getattr(self, index.table)} ({index.columns})")

    def drop(self, curs: Cursor) -> None:
        """Drop the tables of this generation (their indexes go with them)."""
        for name in reversed(self.names):
            curs.execute(f"DROP TABLE IF EXISTS {name}")

    def replace(self, curs: Cursor, live: Generation) -> None:
        """Drop ``live`` and give this generation its names, indexes included."""
        live.drop(curs)
        for old, new in zip(self.names, live.names, strict=True):
            curs.execute(f"ALTER TABLE {old} RENAME TO {new}")
        if self.dialect.renames_indexes:
            for old, new in zip(self.indexes(), live.indexes(), strict=True):
                curs.execute(f"ALTER INDEX {old} RENAME TO {new}")
        else:  # SQLite cannot rename an index: build the live ones again
            for old in self.indexes():
                curs.execute(f"DROP INDEX IF EXISTS {old}")
            live.create_indexes(curs)
