"""The table of the conversation items view, named so that a rebuild can build a copy beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from projections.storage.generations import Generation, Index, view_table_ddl

ITEMS_PROJECTION = "conversation_items"


@dataclass(frozen=True)
class ItemsTables(Generation):
    """One generation of the items table (``suffix`` is empty for the live one).

    A row per message or item of a thread, in the thread's one order (``seq``); ``body`` is the item as
    the API answers it, without its id. The conversation itself is the thread's row of the message view.
    """

    TABLES: ClassVar[dict[str, str]] = {"items": "conversation_items_view"}
    INDEXES: ClassVar[dict[str, Index]] = {
        "_thread_seq": Index("items", "thread_id, seq", unique=True),
        "_thread_type_seq": Index("items", "thread_id, type, seq"),
    }
    items: str = field(init=False, default="")

    def tables_ddl(self) -> list[str]:
        """The items table, keyed by the item's id."""
        big, js = self.dialect.bigint, self.dialect.json_type
        return [
            view_table_ddl(self.items, "item_id")
            + f" seq {big} NOT NULL,"
            " type TEXT NOT NULL,"
            f" body {js} NOT NULL,"
            f" created_at {big} NOT NULL,"
            f" modified_at {big} NOT NULL,"
            f" deleted_at {big})"
        ]
