"""Queries the Conversations API answers from: a conversation, an item, and keyset pages of a conversation's items."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Unpack

from domain.errors import ItemNotFound, ThreadNotFound
from domain.ids import conversation_id
from projections.conversations.tables import ItemsTables
from projections.crypto.columns import loads
from projections.messages.tables import ViewTables
from projections.messages.view import one_in_thread
from projections.pages import Page, PageQuery, Window, by_seq, check_cursors
from projections.storage.sql import Cursor

MAX_IDS_PER_QUERY = 500


def render_conversation(row: Any) -> dict[str, Any]:
    """The wire form of a thread row as a conversation."""
    return {
        "id": conversation_id(row["thread_id"]),
        "object": "conversation",
        "created_at": row["created_at"],
        "metadata": loads(row["metadata"]),
    }


def render_item(row: Any) -> dict[str, Any]:
    """The wire form of an items view row: its id, then the item."""
    return {"id": row["item_id"], **loads(row["body"])}


class ItemsView:
    """Reads the live generation of the items view (and the thread view for the conversation itself)."""

    def __init__(self, items: ItemsTables, threads: ViewTables) -> None:
        q = items.dialect.q
        i, t = items.items, threads.threads
        self._q = q
        self.conversation_sql = q(
            f"SELECT thread_id, created_at, metadata FROM {t}"
            " WHERE thread_id = %s AND tenant = %s AND deleted_at IS NULL"
        )
        self.item_sql = q(
            f"SELECT t.thread_id AS live_thread, i.item_id, i.body FROM {t} t LEFT JOIN {i} i"
            " ON i.item_id = %s AND i.thread_id = t.thread_id AND i.deleted_at IS NULL"
            " WHERE t.thread_id = %s AND t.tenant = %s AND t.deleted_at IS NULL"
        )
        self._cursor_seq = f"SELECT seq FROM {i} WHERE item_id = %s AND thread_id = %s"
        self.cursor_seq_sql = q(self._cursor_seq)
        self._page = (
            f"SELECT item_id, body FROM {i} WHERE thread_id = %s AND deleted_at IS NULL"
            f" AND EXISTS (SELECT 1 FROM {t} WHERE thread_id = %s AND tenant = %s AND deleted_at IS NULL)"
        )
        self._known = f"SELECT item_id FROM {i} WHERE item_id IN"
        self._of_tenant = (
            f"SELECT i.item_id, i.body FROM {i} i JOIN {t} t ON t.thread_id = i.thread_id"
            " WHERE i.tenant = %s AND i.deleted_at IS NULL AND t.deleted_at IS NULL AND i.item_id IN"
        )

    def conversation(self, curs: Cursor, tenant: str, thread_id: str) -> dict[str, Any]:
        """This tenant's live conversation (ThreadNotFound)."""
        curs.execute(self.conversation_sql, (thread_id, tenant))
        row = curs.fetchone()
        if row is None:
            raise ThreadNotFound(thread_id)
        return render_conversation(row)

    def item(self, curs: Cursor, tenant: str, thread_id: str, item_id: str) -> dict[str, Any]:
        """This tenant's live item of its live conversation, in one query (ThreadNotFound, ItemNotFound)."""
        curs.execute(self.item_sql, (item_id, thread_id, tenant))
        return item_in_conversation(curs.fetchone(), thread_id, item_id)

    def known(self, curs: Cursor, item_ids: Sequence[str]) -> set[str]:
        """Which of these ids any item or message of the store has (deleted ones included)."""
        found: set[str] = set()
        for chunk in _chunks(item_ids):
            curs.execute(self._q(self._known + _placeholders(chunk)), chunk)
            found.update(row["item_id"] for row in curs.fetchall())
        return found

    def of_tenant(self, curs: Cursor, tenant: str, item_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """This tenant's live items of its live conversations with these ids (what an ``item_reference`` names)."""
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(item_ids):
            curs.execute(self._q(self._of_tenant + _placeholders(chunk)), [tenant, *chunk])
            found.update((row["item_id"], render_item(row)) for row in curs.fetchall())
        return found

    def page(self, curs: Cursor, tenant: str, thread_id: str, **options: Any) -> Page:
        """A keyset page of a live conversation's items (ThreadNotFound, UnknownCursor); see ``page_query``."""
        query = self.page_query(tenant, thread_id, **options)
        curs.execute(query.sql, query.params)
        rows = curs.fetchall()
        if not rows:  # an empty page: no such conversation, an unknown cursor, or the end of the list
            self.conversation(curs, tenant, thread_id)
            check_cursors(curs, self.cursor_seq_sql, thread_id, options, "item", "conversation")
        return query.page(rows)

    def page_query(
        self, tenant: str, thread_id: str, *, item_type: str | None = None, **window: Unpack[Window]
    ) -> PageQuery:
        """The statement of one page; ``after``/``before`` follow the list's order; ``item_type`` filters."""
        sql = self._page
        params: list[Any] = [thread_id, thread_id, tenant]
        if item_type is not None:
            sql += " AND type = %s"
            params.append(item_type)
        return by_seq(sql, params, render_item, self._cursor_seq, thread_id, self._q, **window)


def item_in_conversation(row: Any, thread_id: str, item_id: str) -> dict[str, Any]:
    """The item from a row of ``ItemsView.item_sql``; no row: no live conversation of the tenant."""
    return one_in_thread(row, thread_id, "item_id", ItemNotFound(item_id), render_item)


def _chunks(item_ids: Sequence[str]) -> list[list[str]]:
    unique = list(dict.fromkeys(item_ids))
    return [unique[start : start + MAX_IDS_PER_QUERY] for start in range(0, len(unique), MAX_IDS_PER_QUERY)]


def _placeholders(chunk: Sequence[str]) -> str:
    return f" ({', '.join('%s' for _ in chunk)})"
