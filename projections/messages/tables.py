"""The tables of the thread and message views, named so that a rebuild can build a copy beside them."""

from __future__ import annotations

from dataclasses import dataclass

from projections.storage.sql import Cursor, Dialect


@dataclass(frozen=True)
class ViewTables:
    """Names of one generation of the view tables (``suffix`` is empty for the live one)."""

    dialect: Dialect
    suffix: str = ""

    @property
    def threads(self) -> str:
        return "threads_view" + self.suffix

    @property
    def messages(self) -> str:
        return "messages_view" + self.suffix

    @property
    def names(self) -> tuple[str, ...]:
        """Every table of this generation."""
        return self.threads, self.messages

    def create(self, curs: Cursor) -> None:
        """Create the tables and their indexes if they do not exist yet."""
        self.create_tables(curs)
        self.create_indexes(curs)

    def create_indexes(self, curs: Cursor) -> None:
        """Create the message table's secondary indexes (a rebuild adds them after loading its copy)."""
        seq, run = self.index_names()
        curs.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {seq} ON {self.messages} (thread_id, seq)")
        curs.execute(f"CREATE INDEX IF NOT EXISTS {run} ON {self.messages} (thread_id, run_id, seq)")

    def create_tables(self, curs: Cursor) -> None:
        """Create the tables (keyed by their primary keys) if they do not exist yet."""
        big, js = self.dialect.bigint, self.dialect.json_type
        for statement in (
            f"CREATE TABLE IF NOT EXISTS {self.threads} ("
            " thread_id TEXT PRIMARY KEY,"
            " tenant TEXT NOT NULL,"
            f" created_at {big} NOT NULL,"
            f" metadata {js} NOT NULL,"
            f" tool_resources {js} NOT NULL,"
            f" modified_at {big} NOT NULL,"
            f" deleted_at {big},"
            f" version {big} NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.messages} ("
            " message_id TEXT PRIMARY KEY,"
            " thread_id TEXT NOT NULL,"
            " tenant TEXT NOT NULL,"
            f" seq {big} NOT NULL,"
            f" created_at {big} NOT NULL,"
            " role TEXT NOT NULL,"
            f" content {js} NOT NULL,"
            f" attachments {js} NOT NULL,"
            f" metadata {js} NOT NULL,"
            " status TEXT NOT NULL,"
            " assistant_id TEXT,"
            " run_id TEXT,"
            f" completed_at {big},"
            f" incomplete_at {big},"
            f" incomplete_details {js},"
            f" modified_at {big} NOT NULL,"
            f" deleted_at {big})",
        ):
            curs.execute(statement)

    def index_names(self) -> tuple[str, str]:
        """The names of the message table's indexes (index names are schema-wide)."""
        return f"{self.messages}_thread_seq", f"{self.messages}_thread_run_seq"

    def replace(self, curs: Cursor, live: ViewTables) -> None:
        """Drop ``live`` and give this generation its names, indexes included."""
        live.drop(curs)
        curs.execute(f"ALTER TABLE {self.threads} RENAME TO {live.threads}")
        curs.execute(f"ALTER TABLE {self.messages} RENAME TO {live.messages}")
        if self.dialect.renames_indexes:
            for old, new in zip(self.index_names(), live.index_names(), strict=True):
                curs.execute(f"ALTER INDEX {old} RENAME TO {new}")
        else:  # SQLite cannot rename an index: build the live ones again
            for old in self.index_names():
                curs.execute(f"DROP INDEX IF EXISTS {old}")
            live.create(curs)

    def drop(self, curs: Cursor) -> None:
        """Drop the tables of this generation."""
        curs.execute(f"DROP TABLE IF EXISTS {self.messages}")
        curs.execute(f"DROP TABLE IF EXISTS {self.threads}")
