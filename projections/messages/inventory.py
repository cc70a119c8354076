"""What an import and an export ask of the thread view: which thread ids are taken, and the live threads in order."""

from __future__ import annotations

from collections.abc import Sequence

from domain.ids import thread_uuid
from projections.messages.tables import ViewTables
from projections.storage.application import ThreadsApplication
from projections.storage.sql import Cursor

MAX_IDS_PER_QUERY = 500  # well under SQLite's limit of bound parameters


class Inventory:
    """Reads the thread view's ids, tenants and versions (the view is written in the events' transaction)."""

    def __init__(self, tables: ViewTables) -> None:
        q, t = tables.dialect.q, tables.threads
        self._q = q
        self._owners = f"SELECT thread_id, tenant FROM {t} WHERE thread_id IN"
        self._live = f"SELECT thread_id, tenant FROM {t} WHERE deleted_at IS NULL AND thread_id > %s"
        self._count = f"SELECT COUNT(*) AS n FROM {t} WHERE deleted_at IS NULL"

    def owners(self, curs: Cursor, thread_ids: Sequence[str]) -> dict[str, str]:
        """The tenant of each of these threads the store has, deleted ones included."""
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(thread_ids))
        for start in range(0, len(unique), MAX_IDS_PER_QUERY):
            chunk = unique[start : start + MAX_IDS_PER_QUERY]
            curs.execute(self._q(self._owners + f" ({', '.join('%s' for _ in chunk)})"), chunk)
            found.update((row["thread_id"], row["tenant"]) for row in curs.fetchall())
        return found

    def live_threads(self, curs: Cursor, tenant: str | None, after: str, limit: int) -> list[tuple[str, str]]:
        """(thread id, tenant) of up to ``limit`` live threads (of ``tenant``, if given) after ``after``, by id."""
        sql, params = self._live, [after]
        if tenant is not None:
            sql += " AND tenant = %s"
            params.append(tenant)
        curs.execute(self._q(sql + f" ORDER BY thread_id LIMIT {int(limit)}"), params)
        return [(row["thread_id"], row["tenant"]) for row in curs.fetchall()]

    def count(self, curs: Cursor, tenant: str | None) -> int:
        """How many live threads there are (of ``tenant``, if given)."""
        if tenant is None:
            curs.execute(self._count)
        else:
            curs.execute(self._q(self._count + " AND tenant = %s"), [tenant])
        return int(curs.fetchone()["n"])


def log_version(app: ThreadsApplication, thread_id: str) -> int:
    """The version of a thread's last event in the log (0: none): what tells an export that the thread changed."""
    last = app.recorder.select_events(thread_uuid(thread_id), desc=True, limit=1)
    return last[0].originator_version if last else 0
