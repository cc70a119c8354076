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
from projections.runners.heartbeat import RETRYING, RUNNING, STANDBY, STARTING, STOPPED, Heartbeat, new_worker_id
from projections.runners.inline_repair import InlineRepair
from projections.runners.retry import Outage, describe, log_event
from projections.storage.events import EventReader
from projections.storage.locks import HeldLock, try_lock
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

    Any failure (the database gone, the lock's connection lost, a projector's error) is retried after
    a backoff, forever: the worker logs the outage once when it begins and once when it ends, takes
    the lock again and resumes from the recorded positions. Its state goes to a heartbeat row that
    ``projections status`` and /readyz read from any process.
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
        worker_id: str | None = None,
    ) -> None:
        self.database = database
        self.signal = signal
        self.batch = batch
        self.on_applied = on_applied
        self.state = STARTING
        self.worker_id = worker_id or new_worker_id()
        self.last_batch_at: float | None = None  # time.time() of the last batch that moved a position
        self.outage = Outage(log, "worker", worker=self.worker_id)
        self._heartbeat = Heartbeat(database, self.worker_id)
        self._unreachable = False  # the last attempt could not even take the lock
        chosen = async_projections() if projections is None else list(projections)
        self._runners = [
            _Runner(p, EventReader(app, p.handles(database.dialect)), p.build(database.dialect)) for p in chosen
        ]
        self._repair = InlineRepair(database, app, inline_projections() if projections is None else [], batch)

    def rates(self) -> dict[str, float]:
        """Events per second each projection applied over the last minute."""
        return {r.projection.name: r.rate for r in self._runners}

    def applied(self) -> dict[str, int]:
        """Events each projection applied since this worker started."""
        return {r.projection.name: r.applied for r in self._runners}

    @property
    def last_error(self) -> str | None:
        """The error of the last attempt, while the worker is retrying."""
        return self.outage.last_error if self.outage.ongoing else None

    def run(self, stopping: threading.Event) -> None:
        """Work while holding the lock, stand by otherwise, retry after failures, until ``stopping`` is set."""
        while not stopping.is_set():
            try:
                self._take_turn(stopping)
            except Exception as e:  # whatever it was, the projections must not stop for good
                self.state = RETRYING
                self._pause(stopping, self.outage.failed(e))
        self.state = STOPPED
        if self._unreachable:  # no waiting for the database on the way out: the heartbeat goes stale instead
            return
        try:
            self._heartbeat.beat(STOPPED, self.last_error, self.last_batch_at)
        except Exception as e:
            log.debug("last heartbeat not recorded: %s", describe(e))

    def _pause(self, stopping: threading.Event, seconds: float) -> None:
        """Wait before the next attempt; a database that was unreachable ends the wait by a sign of life.

        The event signal moves when the listener reconnects or a write commits: the database is back.
        """
        if self._unreachable:
            self.signal.wait(self.signal.generation, seconds)  # stopping the worker notifies the signal too
        else:
            stopping.wait(seconds)

    def _take_turn(self, stopping: threading.Event) -> None:
        """Take the worker lock and work while it is held, or stand by a while if another worker holds it."""
        held = self._try_lock()
        if held is None:
            if self.state != STANDBY:
                log_event(log, logging.INFO, "worker_standby", worker=self.worker_id)
            self.state = STANDBY
            self._heartbeat.beat(STANDBY, None, self.last_batch_at)
            self.outage.ended()
            stopping.wait(STANDBY_SECONDS)
            return
        try:
            if self.outage.ongoing:  # the database answers: tell the other processes why nothing moves
                self._heartbeat.beat(RETRYING, self.outage.last_error, self.last_batch_at)
            self._work(held, stopping)
        finally:
            held.release()

    def _try_lock(self) -> HeldLock | None:
        try:
            held = try_lock(self.database, WORKER_LOCK)
        except Exception:
            self._unreachable = True
            raise
        if self._unreachable:  # the database answers again: retry briskly whatever else is still broken
            self._unreachable = False
            self.outage.backoff.reset()
        return held

    def _work(self, held: HeldLock, stopping: threading.Event) -> None:
        """Catch up, then wait for new events, until stopped or the lock is lost; failures propagate."""
        if self.state in (STARTING, STANDBY):  # not after a retry: that ends with worker_recovered
            names = [r.projection.name for r in self._runners]
            log_event(log, logging.INFO, "worker_running", worker=self.worker_id, projections=names)
        self.state = RUNNING
        while not stopping.is_set():
            generation = self.signal.generation
            applied = self.catch_up()
            self.outage.ended()
            if self._heartbeat.due(RUNNING):
                if not held.alive():  # its connection went (a restart): take it again, or stand by
                    log_event(log, logging.WARNING, "worker_lock_lost", worker=self.worker_id)
                    self.state = STARTING
                    return
                self._heartbeat.beat(RUNNING, None, self.last_batch_at)
            if not applied:
                self.signal.wait(generation, IDLE_SECONDS)
            # Let the commits of a burst gather: one catch-up per SETTLE_SECONDS at most, rather
            # than one per commit (each costs a few queries whatever it applies).
            stopping.wait(SETTLE_SECONDS)

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
        """Apply events an inline projection missed (recorded by a process without it); return how many."""
        return self._repair()

    def step(self, runner: _Runner) -> tuple[int, bool]:
        """Apply one batch to one projection; return (events applied, whether its position moved)."""
        page = apply_next(self.database, runner.reader, runner.projector, runner.projection.name, self.batch)
        if page is None:
            return 0, False
        count = len(page.events)
        runner.applied += count
        self.last_batch_at = time.time()
        self._measure(runner, count)
        if self.state == RUNNING and self._heartbeat.due(RUNNING):  # a long catch-up still shows signs of life
            self._heartbeat.beat(RUNNING, None, self.last_batch_at)
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
