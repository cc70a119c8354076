"""The tables of the thread and message views, named so that a rebuild can build a copy beside them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from projections.messages.columns import message_body_ddl
from projections.storage.generations import Generation, Index, view_table_ddl


@dataclass(frozen=True)
class ViewTables(Generation):
    """One generation of the view tables (``suffix`` is empty for the live one)."""

    TABLES: ClassVar[dict[str, str]] = {"threads": "threads_view", "messages": "messages_view"}
    INDEXES: ClassVar[dict[str, Index]] = {
        "_thread_seq": Index("messages", "thread_id, seq", unique=True),
        "_thread_run_seq": Index("messages", "thread_id, run_id, seq"),
    }
    threads: str = field(init=False, default="")
    messages: str = field(init=False, default="")

    def tables_ddl(self) -> list[str]:
        """The thread and message tables, keyed by their ids."""
        big, js = self.dialect.bigint, self.dialect.json_type
        return [
            view_table_ddl(self.threads, "thread_id", in_thread=False)
            + f" created_at {big} NOT NULL,"
            f" metadata {js} NOT NULL,"
            f" tool_resources {js} NOT NULL,"
            f" modified_at {big} NOT NULL,"
            f" deleted_at {big},"
            f" version {big} NOT NULL)",
            view_table_ddl(self.messages, "message_id")
            + message_body_ddl(self.dialect)
            + f" modified_at {big} NOT NULL,"
            f" deleted_at {big})",
        ]
