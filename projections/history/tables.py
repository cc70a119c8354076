"""The tables of the history projection (event log, temporal thread and message rows), per generation."""

from __future__ import annotations

from dataclasses import dataclass

from projections.storage.sql import Cursor, Dialect

HISTORY_PROJECTION = "history"


@dataclass(frozen=True)
class HistoryTables:
    """Names of one generation of the history tables (``suffix`` is empty for the live one).

    - ``events``: one row per event of a thread, keyed by (thread, aggregate version);
    - ``threads``: one row per state of a thread, valid from the version that produced it;
    - ``messages``: one row per state of a message, valid from one version up to (not including)
      another, the last one open (``valid_to`` NULL); a deleted message's last row has ``deleted`` = 1.
    """

    dialect: Dialect
    suffix: str = ""

    @property
    def events(self) -> str:
        return "history_events" + self.suffix

    @property
    def threads(self) -> str:
        return "history_threads" + self.suffix

    @property
    def messages(self) -> str:
        return "history_messages" + self.suffix

    def indexes(self) -> dict[str, str]:
        """Index name -> what it indexes (index names are schema-wide, so they carry the suffix)."""
        return {
            f"{self.events}_time": f"{self.events} (thread_id, recorded_us, version)",
            f"{self.events}_message": f"{self.events} (message_id, version)",
            f"{self.messages}_thread_seq": f"{self.messages} (thread_id, seq, valid_from)",
        }

    def create(self, curs: Cursor) -> None:
        """Create the tables and their indexes if they do not exist yet."""
        big, js = self.dialect.bigint, self.dialect.json_type
        curs.execute(
            f"CREATE TABLE IF NOT EXISTS {self.events} ("
            " thread_id TEXT NOT NULL,"
            f" version {big} NOT NULL,"
            " type TEXT NOT NULL,"
            " message_id TEXT,"
            " tenant TEXT NOT NULL,"
            f" actor {js} NOT NULL,"
            f" recorded_us {big} NOT NULL,"
            f" data {js} NOT NULL,"
            f" seq_high {big} NOT NULL,"
            " PRIMARY KEY (thread_id, version))"
        )
        curs.execute(
            f"CREATE TABLE IF NOT EXISTS {self.threads} ("
            " thread_id TEXT NOT NULL,"
            f" valid_from {big} NOT NULL,"
            " tenant TEXT NOT NULL,"
            f" created_at {big} NOT NULL,"
            f" metadata {js} NOT NULL,"
            f" tool_resources {js} NOT NULL,"
            " deleted INTEGER NOT NULL,"
            " PRIMARY KEY (thread_id, valid_from))"
        )
        curs.execute(
            f"CREATE TABLE IF NOT EXISTS {self.messages} ("
            " message_id TEXT NOT NULL,"
            f" valid_from {big} NOT NULL,"
            f" valid_to {big},"
            " deleted INTEGER NOT NULL,"
            " thread_id TEXT NOT NULL,"
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
            " PRIMARY KEY (message_id, valid_from))"
        )
        for name, target in self.indexes().items():
            curs.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    def drop(self, curs: Cursor) -> None:
        """Drop the tables of this generation (their indexes go with them)."""
        for table in (self.events, self.threads, self.messages):
            curs.execute(f"DROP TABLE IF EXISTS {table}")

    def replace(self, curs: Cursor, live: HistoryTables) -> None:
        """Drop ``live`` and give this generation its names, indexes included."""
        live.drop(curs)
        for old, new in ((self.events, live.events), (self.threads, live.threads), (self.messages, live.messages)):
            curs.execute(f"ALTER TABLE {old} RENAME TO {new}")
        if self.dialect.renames_indexes:
            for old, new in zip(self.indexes(), live.indexes(), strict=True):
                curs.execute(f"ALTER INDEX {old} RENAME TO {new}")
        else:  # SQLite cannot rename an index: build the live ones again
            for old in self.indexes():
                curs.execute(f"DROP INDEX IF EXISTS {old}")
            live.create(curs)
