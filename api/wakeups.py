"""Wakes a waiting stream only when its own thread changed, handing over its new events: one log reader per process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from projections.store import MessageStore

log = logging.getLogger("msgstore.stream")

PAGE = 500
IDLE_SECONDS = 30.0
RETRY_SECONDS = 1.0
HELD = 500  # events a subscription holds for a stream that has not taken them; beyond, it reads the log


class Subscription(asyncio.Event):
    """Set when the thread may have changed; holds the thread's new events the reader decoded, in order.

    A stream takes them instead of reading the log again (one read and one decoding per commit, for
    every stream of the process); when some may be missing (too many held, a failed read), ``take``
    says so and the stream reads the log.
    """

    def __init__(self) -> None:
        super().__init__()
        self._events: list[Any] = []
        self._complete = True

    def deliver(self, events: list[Any]) -> None:
        """Hold the thread's next events (in the log's order) and wake the stream."""
        if self._complete and len(self._events) + len(events) <= HELD:
            self._events.extend(events)
        else:
            self.lose()
        self.set()

    def lose(self) -> None:
        """Forget the events held: the stream must read the log."""
        self._complete = False
        self._events.clear()
        self.set()

    def take(self, position: int) -> list[Any] | None:
        """The events held that follow ``position`` (the thread's version), or None if some may be missing."""
        events, complete = self._events, self._complete
        self._events, self._complete = [], True
        newer = [e for e in events if e.originator_version > position]
        if not complete or (newer and newer[0].originator_version != position + 1):
            return None
        return newer


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
        self._waiting: dict[UUID | str, set[Subscription]] = {}
        self._position: int | None = None
        self._fixing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def subscribe(self, thread: UUID) -> Subscription:
        """Return an event that is set whenever the thread may have changed; register before reading it."""
        async with self._fixing:
            if self._position is None:
                self._position = await run_in_threadpool(self._head)
            woken = Subscription()
            self._waiting.setdefault(thread, set()).add(woken)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="msgstore-thread-wakeups")
        return woken

    def unsubscribe(self, thread: UUID, woken: Subscription) -> None:
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
                    self._lose(set(self._waiting))
                    timeout = RETRY_SECONDS
                else:
                    self._wake(changed)
            if not more:
                await signal.wait_async(generation, timeout)

    def _wake(self, changed: dict[UUID | str, list[Any]]) -> None:
        for thread, events in changed.items():
            for woken in self._waiting.get(thread, ()):
                woken.deliver(events)

    def _lose(self, threads: Iterable[UUID | str]) -> None:
        for thread in threads:
            for woken in self._waiting.get(thread, ()):
                woken.lose()

    def _head(self) -> int:
        return self.store.app.recorder.max_notification_id() or 0

    def _read(self, position: int) -> tuple[dict[UUID | str, list[Any]], int, bool]:
        """The new events of the threads followed, decoded once, by thread; the new position; whether more wait."""
        notifications = self.store.app.recorder.select_notifications(
            start=position, limit=PAGE, inclusive_of_start=False
        )
        changed: dict[UUID | str, list[Any]] = {}
        to_domain_event = self.store.app.mapper.to_domain_event
        for n in notifications:
            if n.originator_id in self._waiting:
                changed.setdefault(n.originator_id, []).append(to_domain_event(n))
        last = notifications[-1].id if notifications else position
        return changed, last, len(notifications) == PAGE
