"""Wakes a waiting stream only when its own thread has new events: one reader of the event log per process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from projections.store import MessageStore

log = logging.getLogger("msgstore.stream")

PAGE = 500
IDLE_SECONDS = 30.0
RETRY_SECONDS = 1.0


class ThreadWakeups:
    """Streams subscribe to a thread; on each signal one task reads the new notifications and wakes their owners.

    Without it every commit would send every open stream to the database. Notification ids follow
    commit order (PostgreSQL's recorder inserts under a table lock; SQLite has one writer), so
    reading ``> position`` misses nothing. The position is taken before the first subscriber of a
    quiet spell registers, and a subscriber reads the thread only after registering: a commit is
    either seen by that read or read later by the task, which then wakes the subscriber.
    """

    def __init__(self, store: MessageStore) -> None:
        self.store = store
        self._waiting: dict[UUID | str, set[asyncio.Event]] = {}
        self._position: int | None = None
        self._fixing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def subscribe(self, thread: UUID) -> asyncio.Event:
        """Return an event that is set whenever the thread may have changed; register before reading it."""
        async with self._fixing:
            if self._position is None:
                self._position = await run_in_threadpool(self._head)
            woken = asyncio.Event()
            self._waiting.setdefault(thread, set()).add(woken)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="msgstore-thread-wakeups")
        return woken

    def unsubscribe(self, thread: UUID, woken: asyncio.Event) -> None:
        """Stop waking ``woken``."""
        waiting = self._waiting.get(thread)
        if waiting is not None:
            waiting.discard(woken)
            if not waiting:
                del self._waiting[thread]

    def close(self) -> None:
        """Stop the reader task."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        signal = self.store.signal
        while True:
            generation = signal.generation
            timeout = IDLE_SECONDS
            more = False
            if not self._waiting:
                self._position = None  # nobody listens: the next subscriber fixes a fresh position
            elif self._position is not None:
                try:
                    changed, self._position, more = await run_in_threadpool(self._read, self._position)
                except Exception as e:  # wake everyone: their own reads report the failure
                    log.warning("reading new events failed (%s); waking every stream", e)
                    changed, timeout = set(self._waiting), RETRY_SECONDS
                self._wake(changed)
            if not more:
                await signal.wait_async(generation, timeout)

    def _wake(self, threads: Iterable[UUID | str]) -> None:
        for thread in threads:
            for woken in self._waiting.get(thread, ()):
                woken.set()

    def _head(self) -> int:
        return self.store.app.recorder.max_notification_id() or 0

    def _read(self, position: int) -> tuple[set[UUID | str], int, bool]:
        notifications = self.store.app.recorder.select_notifications(
            start=position, limit=PAGE, inclusive_of_start=False
        )
        changed = {n.originator_id for n in notifications}
        last = notifications[-1].id if notifications else position
        return changed, last, len(notifications) == PAGE
