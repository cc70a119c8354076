"""The worker: keeps every asynchronous projection up to date, one batch of events per transaction."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from projections.projection import Projection
from projections.registry import async_projections, inline_projections
from projections.runners.catch_up import apply_next
from projections.runners.rebuild import rebuild
from projections.storage.events import EventReader
from projections.storage.locks import try_lock
from projections.storage.positions import read_position
from projections.storage.signal import EventSignal

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from projections.storage.database import Database

log = logging.getLogger("msgstore.worker")

WORKER_LOCK = "projection-worker"
BATCH = 5000
IDLE_SECONDS = 1.0  # how long to sleep without a wake-up before looking again anyway
STANDBY_SECONDS = 1.0  # how often a standby worker tries to take over
SETTLE_SECONDS = 0.25  # the least time between two catch-ups: asynchronous views lag by about this much
INLINE_GRACE = 5.0  # seconds an inline projection may look behind before the worker repairs it

Applied = Callable[[str, int, int], None]
"""Called after each committed batch with (projection, events applied, position reached)."""


@dataclass
class _Runner:
    projection: Projection
    reader: EventReader
    projector: Any
    applied: int = 0
    rate: float = 0.0
    _window: list[tuple[float, int]] = field(default_factory=list)


class ProjectionWorker:
    """Applies new events to the asynchronous projections, resuming from their recorded positions.

    Only the holder of the worker lock works (a PostgreSQL advisory lock, or a file lock beside the
    SQLite file): a second worker stands by and takes over when the first stops or dies. Each batch
    is one transaction that locks the projection's position, applies up to ``batch`` events and
    records the new position, so a batch is applied entirely or not at all, exactly once.
    """

    def __init__(
        self,
        database: Database,
        app: Application[Any],
        signal: EventSignal,
        projections: Sequence[Projection] | None = None,
        *,
        batch: int = BATCH,
        on_applied: Applied | None = None,
    ) -> None:
        self.database = database
        self.signal = signal
        self.batch = batch
        self.on_applied = on_applied
        self.state = "starting"
        chosen = async_projections() if projections is None else list(projections)
        self._runners = [
            _Runner(p, EventReader(app, p.handles(database.dialect)), p.build(database.dialect)) for p in chosen
        ]
        repaired = inline_projections() if projections is None else []
        self._inline = [_Runner(p, EventReader(app), p.build(database.dialect)) for p in repaired]

    def rates(self) -> dict[str, float]:
        """Events per second each projection applied over the last minute."""
        return {r.projection.name: r.rate for r in self._runners}

    def applied(self) -> dict[str, int]:
        """Events each projection applied since this worker started."""
        return {r.projection.name: r.applied for r in self._runners}

    def run(self, stopping: threading.Event) -> None:
        """Work while holding the lock, stand by otherwise, until ``stopping`` is set."""
        while not stopping.is_set():
            held = try_lock(self.database, WORKER_LOCK)
            if held is None:
                if self.state != "standby":
                    log.info("another worker holds the lock; standing by")
                self.state = "standby"
                stopping.wait(STANDBY_SECONDS)
                continue
            self.state = "active"
            log.info("worker active for %s", ", ".join(r.projection.name for r in self._runners) or "nothing")
            try:
                while not stopping.is_set():
                    generation = self.signal.generation
                    if not self.catch_up():
                        self.signal.wait(generation, IDLE_SECONDS)
                    # Let the commits of a burst gather: one catch-up per SETTLE_SECONDS at most, rather
                    # than one per commit (each costs a few queries whatever it applies).
                    stopping.wait(SETTLE_SECONDS)
            except Exception:
                log.exception("worker batch failed; retrying")
                stopping.wait(STANDBY_SECONDS)
            finally:
                held.release()
        self.state = "stopped"

    def catch_up(self) -> int:
        """Apply batches until every projection has reached the head; return the events applied."""
        total = 0
        for runner in self._runners:
            while True:
                count, moved = self.step(runner)
                total += count
                if not moved:
                    break
        return total + self.repair_inline()

    def repair_inline(self) -> int:
        """Apply events an inline projection missed (recorded by a process without it); return how many.

        Inline projections are normally never behind. One that has been for ``INLINE_GRACE`` seconds
        is caught up here with new events held back (so the writer cannot interleave), or rebuilt
        beside its live tables when it is far behind.
        """
        if not self._inline:
            return 0
        dialect = self.database.dialect
        head = self._inline[0].reader.head()
        with self.database.read() as curs:
            positions = {r.projection.name: read_position(curs, dialect, r.projection.name) for r in self._inline}
        # Never ran (None): the store's opening backfills it, not the worker.
        behind = [
            r
            for r in self._inline
            if (positions[r.projection.name] or 0) < head and positions[r.projection.name] is not None
        ]
        applied = 0
        for runner in behind:
            with self.database.read() as curs:
                position = read_position(curs, dialect, runner.projection.name) or 0
            first = runner.reader.read(position, 1)
            if not first.events or time.time() - first.events[0].timestamp.timestamp() < INLINE_GRACE:
                continue
            log.warning(
                "inline projection %s is %d events behind; catching up", runner.projection.name, head - position
            )
            if head - position > self.batch:
                applied += rebuild(self.database, runner.reader.app, runner.projection)
                continue
            page = apply_next(
                self.database, runner.reader, runner.projector, runner.projection.name, self.batch, lock_events=True
            )
            applied += len(page.events) if page is not None else 0
        return applied

    def step(self, runner: _Runner) -> tuple[int, bool]:
        """Apply one batch to one projection; return (events applied, whether its position moved)."""
        page = apply_next(self.database, runner.reader, runner.projector, runner.projection.name, self.batch)
        if page is None:
            return 0, False
        count = len(page.events)
        runner.applied += count
        self._measure(runner, count)
        if self.on_applied is not None:
            self.on_applied(runner.projection.name, count, page.last)
        return count, True

    @staticmethod
    def _measure(runner: _Runner, count: int) -> None:
        now = time.monotonic()
        runner._window.append((now, count))
        while runner._window and runner._window[0][0] < now - 60:
            runner._window.pop(0)
        span = max(now - runner._window[0][0], 1.0)
        runner.rate = sum(n for _, n in runner._window) / span


def start_worker(worker: ProjectionWorker) -> Callable[[], None]:
    """Run ``worker`` in a daemon thread; return the function that stops it."""
    stopping = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stopping,), name="msgstore-projection-worker", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        worker.signal.notify()
        thread.join(timeout=30)

    return stop
