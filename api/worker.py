"""Running the projection worker: inside ``msgstore serve`` or as ``msgstore worker``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from api.metrics import observe_applied
from api.settings import Settings
from projections.runners.retention import Retention, RetentionPolicy
from projections.runners.retry import Outage
from projections.runners.worker import ProjectionWorker, start_worker
from projections.store import MessageStore

log = logging.getLogger("msgstore.worker")


def projection_worker(store: MessageStore, settings: Settings) -> ProjectionWorker:
    """A worker for the store's asynchronous projections, woken by the store's event signal."""
    worker: ProjectionWorker | None = None

    def applied(projection: str, events: int, position: int) -> None:
        assert worker is not None
        observe_applied(projection, events, worker.rates().get(projection, 0.0))
        log.debug("%s: applied %d events, at %d", projection, events, position)

    store.follow_other_processes()  # wake on events other processes record, too
    worker = ProjectionWorker(store.database, store.app, store.signal, batch=settings.worker_batch, on_applied=applied)
    return worker


def start_in_process_worker(store: MessageStore, settings: Settings) -> Callable[[], None]:
    """Start a worker thread (and the retention passes, if a policy is set) in this server process.

    Returns the function that stops them.
    """
    stop_worker = start_worker(projection_worker(store, settings))
    stopping = threading.Event()
    retention = start_retention(store, settings, stopping)

    def stop() -> None:
        stopping.set()
        if retention is not None:
            retention.join(timeout=30)
        stop_worker()

    return stop


def start_retention(store: MessageStore, settings: Settings, stopping: threading.Event) -> threading.Thread | None:
    """Run MSGSTORE_RETENTION's passes in a daemon thread until ``stopping`` is set (None: no policy)."""
    policy = RetentionPolicy.parse(settings.retention)
    if not policy:
        return None
    retention = Retention(store, policy, interval=settings.retention_interval)
    thread = threading.Thread(target=retention.run, args=(stopping,), name="msgstore-retention", daemon=True)
    thread.start()
    log.info("retention: %s, a pass every %g s", policy.describe(), settings.retention_interval)
    return thread


def open_when_reachable(open_store: Callable[[], MessageStore], stopping: threading.Event) -> MessageStore | None:
    """Open the store for ``msgstore worker``, waiting with a backoff while the database cannot be reached.

    Returns None if ``stopping`` is set first.
    """
    outage = Outage(log, "worker", opening="the store")
    while not stopping.is_set():
        try:
            store = open_store()
        except Exception as e:  # unreachable, refused, still starting up: waited out like any outage
            stopping.wait(outage.failed(e))
            continue
        outage.ended()
        return store
    return None
