"""An erased thread's history, derived again from its events as a rebuild would (its content now unreadable)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.thread import Thread
from projections.crypto.sealing import OPENERS
from projections.history.tables import HistoryTables
from projections.storage.sql import Cursor

ERASURES = (Thread.MessageErased, Thread.Erased)


def erased_threads(events: Sequence[Any]) -> dict[str, int]:
    """The threads an erasure among ``events`` touched, each with the last version of it in ``events``."""
    touched = {e.thread_id for e in events if isinstance(e, ERASURES)}
    last: dict[str, int] = {}
    for e in events:
        thread_id = getattr(e, "thread_id", None)
        if thread_id in touched:
            last[thread_id] = max(last.get(thread_id, 0), e.originator_version)
    return last


Replay = Callable[[list[Any]], None]


def derive_again(curs: Cursor, tables: HistoryTables, threads: dict[str, int], replay: Replay) -> None:
    """Delete each thread's history rows and ``replay`` its events up to the version given.

    The rows written before the erasure hold content sealed under keys that are gone: unreadable, but not
    what a rebuild writes (the erased values, in clear). Derived again, they are, so ``verify`` finds the
    history equal to a rebuild. Without encryption (no store of this process knows the thread's events
    through a keyring) the rows stay as they are.
    """
    q = tables.dialect.q
    for thread_id, version in threads.items():
        events = [e for e in OPENERS.thread_events(thread_id) if e.originator_version <= version]
        if not events:
            continue
        of_thread = f"(SELECT message_id FROM {tables.messages} WHERE thread_id = %s)"
        curs.execute(q(f"DELETE FROM {tables.contents} WHERE message_id IN {of_thread}"), (thread_id,))
        for table in (tables.messages, tables.threads, tables.events):
            curs.execute(q(f"DELETE FROM {table} WHERE thread_id = %s"), (thread_id,))
        replay(events)
