"""The tables of the history projection (event log, temporal thread and message rows), per generation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from projections.messages.columns import message_body_ddl
from projections.storage.generations import Generation, Index

HISTORY_PROJECTION = "history"


@dataclass(frozen=True)
class HistoryTables(Generation):
    """Names of one generation of the history tables (``suffix`` is empty for the live one).

    - ``events``: one row per event of a thread, keyed by (thread, aggregate version);
    - ``threads``: one row per state of a thread, valid from the version that produced it;
    - ``messages``: one row per state of a message, valid from one version up to (not including)
      another, the last one open (``valid_to`` NULL); a deleted message's last row has ``deleted`` = 1.
      Its content is in full while the message has one row, then a shape (``contents.py``);
    - ``contents``: the latest content of each message with several rows, in chunks (``latest.py``).
    """

    TABLES: ClassVar[dict[str, str]] = {
        "events": "history_events",
        "threads": "history_threads",
        "messages": "history_messages",
        "contents": "history_contents",
    }
    INDEXES: ClassVar[dict[str, Index]] = {
        "_time": Index("events", "thread_id, recorded_us, version"),
        "_message": Index("events", "message_id, version"),
        "_thread_seq": Index("messages", "thread_id, seq, valid_from"),
    }
    events: str = field(init=False, default="")
    threads: str = field(init=False, default="")
    messages: str = field(init=False, default="")
    contents: str = field(init=False, default="")

    def tables_ddl(self) -> list[str]:
        """The event log, and the temporal thread and message rows."""
        big, js = self.dialect.bigint, self.dialect.json_type
        return [
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
            " PRIMARY KEY (thread_id, version))",
            f"CREATE TABLE IF NOT EXISTS {self.threads} ("
            " thread_id TEXT NOT NULL,"
            f" valid_from {big} NOT NULL,"
            " tenant TEXT NOT NULL,"
            f" created_at {big} NOT NULL,"
            f" metadata {js} NOT NULL,"
            f" tool_resources {js} NOT NULL,"
            " deleted INTEGER NOT NULL,"
            " PRIMARY KEY (thread_id, valid_from))",
            f"CREATE TABLE IF NOT EXISTS {self.messages} ("
            " message_id TEXT NOT NULL,"
            f" valid_from {big} NOT NULL,"
            f" valid_to {big},"
            " deleted INTEGER NOT NULL,"
            " thread_id TEXT NOT NULL,"
            + message_body_ddl(self.dialect)
            + " PRIMARY KEY (message_id, valid_from))",
            f"CREATE TABLE IF NOT EXISTS {self.contents} ("
            " message_id TEXT NOT NULL,"
            " chunk INTEGER NOT NULL,"
            f" since {big} NOT NULL,"
            " piece TEXT NOT NULL,"
            " PRIMARY KEY (message_id, chunk))",
        ]
