"""The thread aggregates a writer keeps between batches, and when it snapshots them."""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Snapshot

from domain.thread import Thread
from projections.storage.application import ThreadsApplication

log = logging.getLogger("msgstore.writer")

SNAPSHOT_INTERVAL = 50  # events between snapshots of a thread of up to SNAPSHOT_SHARE * 50 messages
SNAPSHOT_SHARE = 20


def snapshot_interval(aggregate: Any) -> int:
    """Events between two snapshots of a thread: more for a long one, whose snapshot costs more to write.

    A snapshot costs about a microsecond per message (4 MB and 40 ms for 100,000 messages), a replayed
    event some tens: one per ``len(messages) // SNAPSHOT_SHARE`` events keeps both the writer's share
    per event and the replay of a cold load bounded.
    """
    return max(SNAPSHOT_INTERVAL, len(getattr(aggregate, "messages", ())) // SNAPSHOT_SHARE)


class ThreadCache:
    """The most recently used threads, by aggregate id: no replay per write, bounded in number."""

    def __init__(self, app: ThreadsApplication, size: int, *, background_snapshots: bool = True) -> None:
        self.app = app
        self.size = size
        self._threads: OrderedDict[UUID, Thread] = OrderedDict()
        # The version each thread was last snapshotted (or loaded) at: the next snapshot is due an
        # interval later. (A multiple of an interval that grows with the thread would be crossed often.)
        self._snapshotted: dict[UUID, int] = {}
        # Snapshots are encoded and written by a thread of their own: a long thread's snapshot takes
        # milliseconds, and every request of the batch after it would wait for them. Not on SQLite, which
        # has one writer at a time: there the snapshot thread would wait for the writer's lock, and it for it.
        self.background_snapshots = background_snapshots
        self._snapshots: queue.Queue[Snapshot | None] = queue.Queue()
        self._snapshotter: threading.Thread | None = None

    def __contains__(self, uid: UUID) -> bool:
        return uid in self._threads

    def load(self, uid: UUID, *, fresh: bool) -> Thread | None:
        """The thread (None if it does not exist); ``fresh`` catches a cached one up with the event log."""
        aggregate = self._threads.get(uid)
        if aggregate is not None:
            self._threads.move_to_end(uid)
            if fresh:
                for event in self.app.repository.event_store.get(uid, gt=aggregate.version):
                    assert isinstance(event, Thread.Event)
                    event.mutate(aggregate)
            return aggregate
        try:
            loaded: Any = self.app.repository.get(uid)
        except AggregateNotFoundError:
            return None
        assert isinstance(loaded, Thread)
        self.remember(uid, loaded)
        self._snapshotted[uid] = loaded.version  # at most an interval of events since its last snapshot
        return loaded

    def remember(self, uid: UUID, aggregate: Thread) -> None:
        """Keep a thread whose events are all recorded, forgetting the least recently used beyond ``size``."""
        self._threads[uid] = aggregate
        self._threads.move_to_end(uid)
        self._snapshotted.setdefault(uid, 0)
        while len(self._threads) > self.size:
            forgotten, _ = self._threads.popitem(last=False)
            self._snapshotted.pop(forgotten, None)

    def evict(self, uids: Iterable[UUID]) -> None:
        """Forget threads whose cached state may be wrong (a failed or conflicting write)."""
        for uid in uids:
            self._threads.pop(uid, None)
            self._snapshotted.pop(uid, None)

    def snapshot(self, aggregates: Iterable[Thread]) -> None:
        """Snapshot each of these (just recorded) threads that is an interval past its last snapshot."""
        for aggregate in aggregates:
            if aggregate.version - self._snapshotted.get(aggregate.id, 0) < snapshot_interval(aggregate):
                continue
            self._snapshotted[aggregate.id] = aggregate.version
            if not self.background_snapshots:
                self._write(Snapshot.take(aggregate))
                continue
            if self._snapshotter is None:
                self._snapshotter = threading.Thread(
                    target=self._write_snapshots, name="msgstore-snapshots", daemon=True
                )
                self._snapshotter.start()
            self._snapshots.put(detached(Snapshot.take(aggregate)))

    def wait_for_snapshots(self) -> None:
        """Return once every snapshot taken so far is written."""
        self._snapshots.join()

    def stop(self) -> None:
        """Write the snapshots taken so far, then stop the snapshot thread."""
        if self._snapshotter is not None:
            self._snapshots.put(None)
            self._snapshotter.join(timeout=30)
            self._snapshotter = None

    def _write_snapshots(self) -> None:
        while True:
            snapshot = self._snapshots.get()
            try:
                if snapshot is None:
                    return
                self._write(snapshot)
            finally:
                self._snapshots.task_done()

    def _write(self, snapshot: Snapshot) -> None:
        try:
            assert self.app.snapshots is not None
            self.app.snapshots.put([snapshot])
        except Exception:  # a missing snapshot only costs a slower load later
            log.exception("snapshot of %s failed", snapshot.originator_id)


def detached(snapshot: Snapshot) -> Snapshot:
    """The snapshot with copies of the aggregate's containers, so that the writer may go on changing them.

    The aggregate's state is flat: dicts and lists of strings, or dicts of such lists.
    """
    state: dict[str, Any] = snapshot.state
    for name, value in state.items():
        if isinstance(value, dict):
            copied = dict(value)
            for key, item in copied.items():
                if isinstance(item, list):
                    copied[key] = list(item)
            state[name] = copied
        elif isinstance(value, list):
            state[name] = list(value)
    return snapshot
