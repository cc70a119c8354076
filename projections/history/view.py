"""Queries over the history tables: a thread's event log, a message's versions, a thread at a version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Unpack

from projections.history.latest import LatestContents
from projections.history.render import event_version, render_event, render_version, renders_message
from projections.history.state import MESSAGE_FIELDS
from projections.history.tables import HistoryTables
from projections.messages.view import render_message, render_thread
from projections.pages import Page, PageQuery, UnknownCursor, Window, keyset, value
from projections.storage.sql import Cursor, and_where

_M = ", ".join(f"m.{f} AS {f}" for f in MESSAGE_FIELDS if f not in ("message_id", "thread_id"))
_E = "e.thread_id AS thread_id, e.version AS version, e.type AS type, e.message_id AS message_id,"
_E += " e.actor AS actor, e.recorded_us AS recorded_us, e.data AS data, m.deleted AS deleted"


class HistoryView:
    """Reads one generation of the history tables; tenancy is checked by the caller with ``owner``."""

    def __init__(self, tables: HistoryTables) -> None:
        self.tables = tables
        self.q = tables.dialect.q
        e, m = tables.events, tables.messages
        self.from_events = f" FROM {e} e LEFT JOIN {m} m ON m.message_id = e.message_id AND m.valid_from = e.version"
        self.from_versions = f" FROM {m} m JOIN {e} e ON e.thread_id = m.thread_id AND e.version = m.valid_from"
        self.contents = LatestContents(tables)

    def _one(self, curs: Cursor, sql: str, params: tuple[Any, ...]) -> Any:
        curs.execute(self.q(sql), params)
        return curs.fetchone()

    def owner(self, curs: Cursor, thread_id: str) -> str | None:
        """The tenant a thread belongs to (deleted or not), or None if it never existed."""
        row = self._one(curs, f"SELECT tenant FROM {self.tables.threads} WHERE thread_id = %s LIMIT 1", (thread_id,))
        return None if row is None else str(row["tenant"])

    def head(self, curs: Cursor, thread_id: str) -> int:
        """The thread's latest version (0 if it has none)."""
        sql = f"SELECT version FROM {self.tables.events} WHERE thread_id = %s ORDER BY version DESC LIMIT 1"
        row = self._one(curs, sql, (thread_id,))
        return 0 if row is None else int(row["version"])

    def created_us(self, curs: Cursor, thread_id: str) -> int:
        """When the thread's first event was recorded (microseconds since the epoch)."""
        sql = f"SELECT recorded_us FROM {self.tables.events} WHERE thread_id = %s ORDER BY version LIMIT 1"
        return int(self._one(curs, sql, (thread_id,))["recorded_us"])

    def point(self, curs: Cursor, thread_id: str, *, version: int | None, at_us: int) -> tuple[int, int] | None:
        """(version, highest message seq by then) at a version, or at an instant; None before or beyond.

        An instant is found through the index on (thread, time): one probe, however long the thread.
        """
        sql = f"SELECT version, seq_high FROM {self.tables.events} WHERE thread_id = %s"
        if version is not None:
            sql += " AND version = %s"
            params = (thread_id, version)
        else:
            sql += " AND recorded_us <= %s ORDER BY recorded_us DESC, version DESC LIMIT 1"
            params = (thread_id, at_us)
        row = self._one(curs, sql, params)
        return None if row is None else (int(row["version"]), int(row["seq_high"]))

    def thread_at(self, curs: Cursor, thread_id: str, version: int, tenant: str | None) -> dict[str, Any] | None:
        """The tenant's thread as it was at ``version``; None if it was deleted then or is not the tenant's."""
        sql = (
            f"SELECT thread_id, tenant, created_at, metadata, tool_resources, deleted FROM {self.tables.threads}"
            " WHERE thread_id = %s AND valid_from <= %s ORDER BY valid_from DESC LIMIT 1"
        )
        row = self._one(curs, sql, (thread_id, version))
        if row is None or row["deleted"] or (tenant is not None and row["tenant"] != tenant):
            return None
        return render_thread(row)

    def messages_at(
        self,
        curs: Cursor,
        thread_id: str,
        version: int,
        seq_high: int,
        *,
        run_id: str | None = None,
        **window: Unpack[Window],
    ) -> Page:
        """A keyset page of the messages live at ``version``; only messages created by then are scanned."""
        order = window["order"]
        after_seq = self._seq(curs, thread_id, "after", window.get("after"))
        before_seq = self._seq(curs, thread_id, "before", window.get("before"))
        # Messages created after ``version`` lie above ``seq_high``: bound the scan there, folding the
        # bound into a cursor that already bounds it (two upper bounds make SQLite pick one blindly).
        sql = f"SELECT valid_from, {', '.join(MESSAGE_FIELDS)} FROM {self.tables.messages} WHERE thread_id = %s"
        params: list[Any] = [thread_id]
        if order == "desc" and after_seq is not None:
            after_seq = min(after_seq, seq_high + 1)
        elif order == "asc" and before_seq is not None:
            before_seq = min(before_seq, seq_high + 1)
        else:
            sql += " AND seq <= %s"
            params.append(seq_high)
        sql += " AND valid_from <= %s AND (valid_to IS NULL OR valid_to > %s) AND deleted = 0"
        params += [version, version]
        sql = and_where(sql, params, ("run_id = %s", run_id))
        query = self._keyset(sql, params, "seq", render_message, window, after_seq, before_seq)
        return self._page(curs, query, "valid_from")

    def events(
        self,
        curs: Cursor,
        thread_id: str,
        *,
        message_id: str | None = None,
        type: str | None = None,
        **window: Unpack[Window],
    ) -> Page:
        """A keyset page of a thread's events, by version."""
        sql = f"SELECT {_E}, {_M}{self.from_events} WHERE e.thread_id = %s"
        params: list[Any] = [thread_id]
        sql = and_where(sql, params, ("e.message_id = %s", message_id), ("e.type = %s", type))
        bounds = self._versions(curs, thread_id, window)
        query = self._keyset(sql, params, "e.version", render_event, window, *bounds)
        return self._page(curs, query, "version", renders_message)

    def versions(
        self,
        curs: Cursor,
        thread_id: str,
        message_id: str,
        **window: Unpack[Window],
    ) -> Page:
        """A keyset page of a message's versions: one per event that changed it."""
        sql = f"SELECT {_E}, {_M}{self.from_versions} WHERE m.message_id = %s AND m.thread_id = %s"
        bounds = self._versions(curs, thread_id, window)
        query = self._keyset(sql, [message_id, thread_id], "m.valid_from", render_version, window, *bounds)
        return self._page(curs, query, "version")

    def _keyset(
        self,
        sql: str,
        params: list[Any],
        key: str,
        render: Callable[[Any], dict[str, Any]],
        window: Window,
        after: int | None,
        before: int | None,
    ) -> PageQuery:
        limit, order = window["limit"], window["order"]
        return keyset(
            sql, params, key, render, limit=limit, order=order, after=value(after), before=value(before), q=self.q
        )

    def _versions(self, curs: Cursor, thread_id: str, window: Window) -> tuple[int | None, int | None]:
        """The versions the window's event ids name (UnknownCursor for an id that names no event of the thread)."""
        after = self._version(curs, thread_id, "after", window.get("after"))
        return after, self._version(curs, thread_id, "before", window.get("before"))

    def has_message(self, curs: Cursor, thread_id: str, message_id: str) -> bool:
        """Whether the message ever existed in this thread."""
        return self._message_seq(curs, thread_id, message_id) is not None

    def _message_seq(self, curs: Cursor, thread_id: str, message_id: str) -> int | None:
        # By message id alone: with the thread id too, SQLite may walk the thread's index instead.
        row = self._one(
            curs, f"SELECT seq, thread_id FROM {self.tables.messages} WHERE message_id = %s LIMIT 1", (message_id,)
        )
        return None if row is None or row["thread_id"] != thread_id else int(row["seq"])

    def export_page(
        self, curs: Cursor, *, tenant: str | None, since_us: int | None, after: tuple[str, int] | None, limit: int
    ) -> list[dict[str, Any]]:
        """Events of every thread, by thread and version, starting after ``(thread_id, version)``."""
        sql, params = self._export_filter(f"SELECT {_E}, {_M}{self.from_events} WHERE 1 = 1", tenant, since_us)
        if after is not None:
            sql += " AND (e.thread_id > %s OR (e.thread_id = %s AND e.version > %s))"
            params += [after[0], after[0], after[1]]
        sql += " ORDER BY e.thread_id, e.version LIMIT %s"
        query = PageQuery(self.q(sql), [*params, limit], limit, False, render_event)
        return self._page(curs, query, "version", renders_message).data

    def count(self, curs: Cursor, *, tenant: str | None, since_us: int | None) -> int:
        """How many events ``export_page`` walks through."""
        sql, params = self._export_filter(
            f"SELECT COUNT(*) AS n FROM {self.tables.events} e WHERE 1 = 1", tenant, since_us
        )
        curs.execute(self.q(sql), params)
        return int(curs.fetchone()["n"])

    @staticmethod
    def _export_filter(sql: str, tenant: str | None, since_us: int | None) -> tuple[str, list[Any]]:
        params: list[Any] = []
        return and_where(sql, params, ("e.tenant = %s", tenant), ("e.recorded_us >= %s", since_us)), params

    def _page(self, curs: Cursor, query: PageQuery, at: str, needed: Callable[[Any], bool] | None = None) -> Page:
        """Run a page query and render its rows, their contents expanded (see ``contents.py``)."""
        while True:  # read again only if a change that rewrote shapes committed in between (none exists today)
            curs.execute(query.sql, query.params)
            rows = self.contents.resolve(curs, curs.fetchall(), at=at, needed=needed)
            if rows is not None:
                return query.page(rows)

    def _seq(self, curs: Cursor, thread_id: str, param: str, message_id: str | None) -> int | None:
        if message_id is None:
            return None
        seq = self._message_seq(curs, thread_id, message_id)
        if seq is None:
            raise UnknownCursor(param, message_id)
        return seq

    def _version(self, curs: Cursor, thread_id: str, param: str, candidate: str | None) -> int | None:
        if candidate is None:
            return None
        version = event_version(thread_id, candidate)
        sql = f"SELECT version FROM {self.tables.events} WHERE thread_id = %s AND version = %s"
        if version is None or self._one(curs, sql, (thread_id, version)) is None:
            raise UnknownCursor(param, candidate, "event")
        return version
