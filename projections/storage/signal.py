"""A fast wake-up for anyone waiting on new events: the writer of this process, and other processes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("msgstore.signal")

RECONNECTED_SECONDS = 5.0  # a listener that ran this long before failing had reconnected: a new outage


class EventSignal:
    """A generation counter that moves whenever events are recorded; waiters sleep until it moves.

    The writer of this process bumps it after each commit. A listener thread bumps it for
    commits made by other processes: LISTEN/NOTIFY on PostgreSQL, ``PRAGMA data_version``
    polling on SQLite.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def generation(self) -> int:
        """The current generation; pass it to ``wait`` to sleep until the next change."""
        return self._generation

    def notify(self) -> None:
        """Wake every waiter: new events may have been recorded."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop has closed
                self._waiters.discard((loop, event))

    def wait(self, generation: int, timeout: float) -> int:
        """Block until the generation differs from ``generation`` or ``timeout`` passes."""
        with self._cond:
            self._cond.wait_for(lambda: self._generation != generation, timeout)
            return self._generation

    async def wait_async(self, generation: int, timeout: float) -> int:
        """Like ``wait``, without holding a thread: for the event loop."""
        if self._generation != generation:
            return self._generation
        entry = (asyncio.get_running_loop(), asyncio.Event())
        self._waiters.add(entry)
        try:
            if self._generation == generation:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(entry[1].wait(), timeout)
        finally:
            self._waiters.discard(entry)
        return self._generation

    def listen(self, source: Callable[[EventSignal, threading.Event], None]) -> None:
        """Start a thread that runs ``source``, which calls ``notify`` on outside commits until stopped."""
        if self._listener is not None:
            return

        def run() -> None:
            failing = False
            while not self._stopping.is_set():
                began = time.monotonic()
                try:
                    source(self, self._stopping)
                except Exception as e:  # reconnect after a lost connection
                    # Once per outage: a source that fails at once has not reconnected since the last failure.
                    failing = failing and time.monotonic() - began < RECONNECTED_SECONDS
                    log.log(logging.DEBUG if failing else logging.WARNING, "event listener failed (%s); retrying", e)
                    failing = True
                    self._stopping.wait(1.0)

        self._listener = threading.Thread(target=run, name="msgstore-event-listener", daemon=True)
        self._listener.start()

    def stop(self) -> None:
        """Stop the listener thread."""
        self._stopping.set()
        if self._listener is not None:
            self._listener.join(timeout=5)
            self._listener = None
