"""Queries the API answers from: a thread, a message, and keyset pages of a thread's messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Unpack

from domain.errors import DomainError, MessageNotFound, ThreadNotFound
from projections.crypto.columns import loads
from projections.messages.tables import ViewTables
from projections.pages import Page, PageQuery, Window, by_seq, check_cursors
from projections.storage.sql import Cursor

MESSAGE_COLUMNS = (
    "message_id, thread_id, seq, created_at, role, content, attachments, metadata, status,"
    " assistant_id, run_id, completed_at, incomplete_at, incomplete_details"
)
MAX_IDS_PER_QUERY = 500  # well under SQLite's limit of bound parameters

MessageKey = tuple[str, str, str]
"""(tenant, thread id, message id)"""


def message_in_thread(row: Any, thread_id: str, message_id: str) -> dict[str, Any]:
    """The message from a row of ``MessagesView.message_in_thread_sql``; no row: no live thread of the tenant."""
    return one_in_thread(row, thread_id, "message_id", MessageNotFound(message_id), render_message)


def one_in_thread(
    row: Any, thread_id: str, column: str, missing: DomainError, render: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """A message or item from a row of a live thread joined to it: ``missing`` if ``column`` is empty."""
    if row is None:
        raise ThreadNotFound(thread_id)
    if row[column] is None:
        raise missing
    return render(row)


def render_thread(row: Any) -> dict[str, Any]:
    """Return the wire form of a thread row."""
    return {
        "id": row["thread_id"],
        "object": "thread",
        "created_at": row["created_at"],
        "tool_resources": loads(row["tool_resources"]),
        "metadata": loads(row["metadata"]),
    }


def render_message(row: Any) -> dict[str, Any]:
    """Return the wire form of a message row: all 14 keys, null where empty."""
    details = row["incomplete_details"]
    return {
        "id": row["message_id"],
        "object": "thread.message",
        "created_at": row["created_at"],
        "thread_id": row["thread_id"],
        "status": row["status"],
        "incomplete_details": None if details is None else loads(details),
        "completed_at": row["completed_at"],
        "incomplete_at": row["incomplete_at"],
        "role": row["role"],
        "content": loads(row["content"]),
        "assistant_id": row["assistant_id"],
        "run_id": row["run_id"],
        "attachments": loads(row["attachments"]),
        "metadata": loads(row["metadata"]),
    }


class MessagesView:
    """Reads the live generation of the thread and message views."""

    def __init__(self, tables: ViewTables) -> None:
        q = tables.dialect.q
        t, m = tables.threads, tables.messages
        self.thread_sql = q(
            f"SELECT thread_id, created_at, tool_resources, metadata FROM {t}"
            " WHERE thread_id = %s AND tenant = %s AND deleted_at IS NULL"
        )
        self._message = q(
            f"SELECT {MESSAGE_COLUMNS} FROM {m} WHERE message_id = %s AND thread_id = %s"
            " AND tenant = %s AND deleted_at IS NULL"
        )
        self.messages_table = m
        self._messages = f"SELECT {MESSAGE_COLUMNS}, tenant FROM {m} WHERE deleted_at IS NULL AND message_id IN"
        self._cursor_seq_sql = f"SELECT seq FROM {m} WHERE message_id = %s AND thread_id = %s"
        self.cursor_seq_sql = q(self._cursor_seq_sql)
        self._live_thread = (
            f" AND EXISTS (SELECT 1 FROM {t} WHERE thread_id = %s AND tenant = %s AND deleted_at IS NULL)"
        )
        joined = ", ".join("m." + column.strip() for column in MESSAGE_COLUMNS.split(","))
        self.message_in_thread_sql = q(
            f"SELECT t.thread_id AS live_thread, {joined} FROM {t} t LEFT JOIN {m} m"
            " ON m.message_id = %s AND m.thread_id = t.thread_id AND m.tenant = t.tenant AND m.deleted_at IS NULL"
            " WHERE t.thread_id = %s AND t.tenant = %s AND t.deleted_at IS NULL"
        )
        self._page = f"SELECT {MESSAGE_COLUMNS} FROM {m} WHERE thread_id = %s AND deleted_at IS NULL"
        self._q = q

    def thread(self, curs: Cursor, tenant: str, thread_id: str) -> dict[str, Any] | None:
        """Return the live thread of this tenant, or None."""
        curs.execute(self.thread_sql, (thread_id, tenant))
        row = curs.fetchone()
        return None if row is None else render_thread(row)

    def message(self, curs: Cursor, tenant: str, thread_id: str, message_id: str) -> dict[str, Any] | None:
        """Return the live message of this tenant's thread, or None."""
        curs.execute(self._message, (message_id, thread_id, tenant))
        row = curs.fetchone()
        return None if row is None else render_message(row)

    def messages(self, curs: Cursor, keys: Sequence[MessageKey]) -> dict[MessageKey, dict[str, Any]]:
        """Return the live messages among ``keys`` (tenant, thread id, message id), rendered, in few queries."""
        unique = list(dict.fromkeys(keys))
        wanted = set(unique)
        found: dict[MessageKey, dict[str, Any]] = {}
        for start in range(0, len(unique), MAX_IDS_PER_QUERY):
            chunk = unique[start : start + MAX_IDS_PER_QUERY]
            marks = ", ".join("%s" for _ in chunk)
            curs.execute(self._q(self._messages + f" ({marks})"), [key[2] for key in chunk])
            for row in curs.fetchall():
                key = (row["tenant"], row["thread_id"], row["message_id"])
                if key in wanted:
                    found[key] = render_message(row)
        return found

    def message_in_thread(self, curs: Cursor, tenant: str, thread_id: str, message_id: str) -> dict[str, Any]:
        """This tenant's live message of its live thread, in one query (ThreadNotFound, MessageNotFound)."""
        curs.execute(self.message_in_thread_sql, (message_id, thread_id, tenant))
        return message_in_thread(curs.fetchone(), thread_id, message_id)

    def page(self, curs: Cursor, tenant: str, thread_id: str, **options: Any) -> Page | None:
        """Return a keyset page of a live thread's messages, or None if this tenant has no such thread.

        ``after`` and ``before`` follow the list's own order; a cursor of a deleted message works. The
        thread and the cursors are checked inside the page's own query; only an empty page asks again,
        to tell an unknown thread or cursor from the end of the list. ``options`` are ``page_query``'s.
        """
        query = self.page_query(tenant, thread_id, **options)
        curs.execute(query.sql, query.params)
        rows = curs.fetchall()
        if not rows:
            if self.thread(curs, tenant, thread_id) is None:
                return None
            check_cursors(curs, self.cursor_seq_sql, thread_id, options)
        return query.page(rows)

    def page_query(
        self, tenant: str, thread_id: str, *, run_id: str | None = None, **window: Unpack[Window]
    ) -> PageQuery:
        """The statement of ``page`` (for a caller that runs it elsewhere, on an async connection say)."""
        sql = self._page + self._live_thread
        params: list[Any] = [thread_id, thread_id, tenant]
        if run_id is not None:
            sql += " AND run_id = %s"
            params.append(run_id)
        return by_seq(sql, params, render_message, self._cursor_seq_sql, thread_id, self._q, **window)
