"""Which thread a message belongs to, by the message's id alone: the history keeps deleted ones too."""

from __future__ import annotations

from projections.history.tables import HistoryTables
from projections.storage.sql import Cursor


def thread_of_message(curs: Cursor, tables: HistoryTables, message_id: str) -> str | None:
    """The id of the thread a message was ever in (None: no such message); one probe of the primary key."""
    curs.execute(
        tables.dialect.q(f"SELECT thread_id FROM {tables.messages} WHERE message_id = %s LIMIT 1"), (message_id,)
    )
    row = curs.fetchone()
    return None if row is None else str(row["thread_id"])
