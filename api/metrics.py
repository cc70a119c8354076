"""Prometheus metrics: requests by route template and status, write batches, and the projections.

With several server processes (``serve --workers N``) the CLI points ``PROMETHEUS_MULTIPROC_DIR``
at an empty directory before the processes start: each process writes its counters there and
any process answering ``/metrics`` adds them all up. Projection positions and lags are read from
the database at scrape time, so every process reports the same, true values.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import Scope

from api.asgi import Outcome, RequestObserver
from projections.runners.retention import retention_status
from projections.runners.status import projection_status

if TYPE_CHECKING:
    from projections.store import MessageStore

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)

REQUESTS = Counter("msgstore_http_requests", "HTTP requests answered.", ["method", "route", "status"])
LATENCY = Histogram(
    "msgstore_http_request_duration_seconds", "Time to answer an HTTP request.", ["method", "route", "status"]
)
WRITE_BATCH = Histogram(
    "msgstore_write_batch_events", "Events recorded per write transaction of the writer.", buckets=BATCH_BUCKETS
)
APPLIED = Counter("msgstore_projection_events_applied", "Events the worker of this process applied.", ["projection"])
CONNECTIONS_CLOSED = Counter(
    "msgstore_http_connections_closed",
    "Connections closed before a request reached the app: head too slow or too large, or over the limit.",
    ["reason"],
)
VIEW_READS = Counter(
    "msgstore_view_reads",
    "Reads of the live views of a store with read replicas, by the server that answered: replica or primary.",
    ["served_by"],
)
RATE = Gauge(
    "msgstore_projection_events_per_second",
    "Events per second the active worker applied over the last minute.",
    ["projection"],
    multiprocess_mode="livemax",
)


def share_between_processes(directory: Path) -> None:
    """Switch the server processes about to start to multiprocess mode, counting from zero."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ.setdefault(MULTIPROCESS_ENV, str(directory))


def observe_batch(events: int) -> None:
    """Count one write transaction of ``events`` events (the store's ``on_batch`` callback)."""
    WRITE_BATCH.observe(events)


def observe_view_read(replica: bool) -> None:
    """Count a read of the live views of a store with replicas, by the server that answered it."""
    VIEW_READS.labels("replica" if replica else "primary").inc()


def watch_view_reads(store: MessageStore) -> None:
    """Count the store's live-view reads by who answered them, if it reads replicas (sync and on the event loop)."""
    for replicas in (getattr(store.database, "replicas", None), getattr(store.async_reads, "replicas", None)):
        if replicas is not None:
            replicas.counts.observer = observe_view_read


def observe_applied(projection: str, events: int, rate: float) -> None:
    """Count a batch the worker applied, and its current rate."""
    APPLIED.labels(projection).inc(events)
    RATE.labels(projection).set(rate)


class ProjectionCollector(Collector):
    """Reads each projection's position and lag from the database whenever metrics are scraped.

    With shards, every store's, labelled with its shard (``shard``: the tenants the map names for it).
    """

    def __init__(self, store: MessageStore, shards: Sequence[tuple[str, MessageStore]] = ()) -> None:
        self.store = store
        self.shards = shards

    def collect(self) -> Iterator[GaugeMetricFamily]:
        stores: Sequence[tuple[str | None, MessageStore]] = self.shards or [(None, self.store)]
        label = ["shard"] if self.shards else []
        head = GaugeMetricFamily("msgstore_event_log_head", "Position of the last event recorded.", labels=label)
        families = {
            "position": GaugeMetricFamily(
                "msgstore_projection_position", "Last event position applied.", labels=["projection", "mode", *label]
            ),
            "lag_events": GaugeMetricFamily(
                "msgstore_projection_lag_events",
                "Events recorded but not applied yet.",
                labels=["projection", "mode", *label],
            ),
            "lag_seconds": GaugeMetricFamily(
                "msgstore_projection_lag_seconds",
                "Age of the oldest event not applied yet.",
                labels=["projection", "mode", *label],
            ),
        }
        for shard, store in stores:
            statuses = projection_status(store.database, store.app)
            named = [] if shard is None else [shard]
            head.add_metric(named, statuses[0].head if statuses else 0)
            for s in statuses:
                for attribute, family in families.items():
                    family.add_metric([s.name, s.mode, *named], float(getattr(s, attribute)))
        yield head
        yield from families.values()
        yield from retention_metrics(self.store)


def render(store: MessageStore, shards: Sequence[tuple[str, MessageStore]] = ()) -> bytes:
    """The metrics of this process (or of all server processes) and of the projections, in text format."""
    if os.environ.get(MULTIPROCESS_ENV):
        base = CollectorRegistry()
        MultiProcessCollector(base)  # type: ignore[no-untyped-call]
    else:
        base = REGISTRY
    projections = CollectorRegistry(auto_describe=False)
    projections.register(ProjectionCollector(store, shards))
    try:
        extra = generate_latest(projections)
    except Exception:  # the database is down: the process metrics still answer
        extra = b""
    return generate_latest(base) + extra


class RequestMetrics(RequestObserver):
    """Counts and times every HTTP request by method, route template (never the raw path) and status.

    A request whose client hung up before any answer counts as 499, not as a failure of the server.
    """

    def record(self, scope: Scope, outcome: Outcome, seconds: float) -> None:
        labels = (scope["method"], route_label(scope), str(outcome.recorded_status))
        REQUESTS.labels(*labels).inc()
        LATENCY.labels(*labels).observe(seconds)


def route_label(scope: Scope) -> str:
    """The template of the route that answered, or "unmatched".

    FastAPI's routes leave themselves in the scope; Starlette's plain routes and mounts (the OpenAPI
    document, static assets) leave only their endpoint, found again among the app's routes.
    """
    route: Any = scope.get("route")
    if getattr(route, "path", None):
        return str(route.path)
    endpoint = scope.get("endpoint")
    if endpoint is not None:
        for candidate in getattr(scope.get("app"), "routes", ()):
            if getattr(candidate, "endpoint", None) is endpoint or getattr(candidate, "app", None) is endpoint:
                return str(candidate.path)
    return "unmatched"


def retention_metrics(store: MessageStore) -> Iterator[GaugeMetricFamily]:
    """The last retention pass (of any process): when, and the threads erased by it and in all."""
    found = retention_status(store.database)
    if found is None:
        return
    for name, key, text in (
        ("msgstore_retention_last_run_timestamp", "last_run_at", "Unix time of the last retention pass."),
        ("msgstore_retention_last_erased_threads", "last_erased", "Threads the last retention pass erased."),
        ("msgstore_retention_erased_threads", "total_erased", "Threads retention erased in all."),
    ):
        family = GaugeMetricFamily(name, text)
        family.add_metric([], float(found[key]))
        yield family
