"""Where each projection stands: position, lag in events and seconds, and state; and what /readyz says."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from projections.projection import ASYNC, Projection
from projections.registry import PROJECTIONS
from projections.runners.heartbeat import NEVER_RAN as NO_WORKER
from projections.runners.heartbeat import WorkerStatus, worker_statuses
from projections.runners.rebuild import REBUILD_SUFFIX
from projections.storage.events import EventReader
from projections.storage.positions import POSITIONS_TABLE

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from projections.storage.database import Database

UP_TO_DATE = "up to date"
CATCHING_UP = "catching up"
REBUILDING = "rebuilding"
NEVER_RAN = "never ran"
STALLED = "stalled"  # behind, and neither its oldest unapplied event nor its last batch is recent
INLINE_RUNNER = "inline"  # applied by the writer, in the transaction that records the events

STALL_SECONDS = 30.0  # how long an asynchronous projection may go without a batch while events wait for it


@dataclass(frozen=True)
class ProjectionStatus:
    """One projection, as seen now."""

    name: str
    mode: str
    position: int
    head: int
    lag_events: int
    lag_seconds: float
    state: str
    rebuild_position: int | None
    serves_api: bool
    max_lag: int
    seconds_since_batch: float | None  # since its position last moved (None: never)
    runner: str  # inline, or the worker's state: running, standby, retrying, stopped, never ran
    last_error: str | None  # the worker's, while it is retrying or since it stopped

    def as_dict(self) -> dict[str, Any]:
        """The status as plain JSON values."""
        return asdict(self)


def projection_status(
    database: Database,
    app: Application[Any],
    projections: tuple[Projection, ...] = PROJECTIONS,
    *,
    stall_seconds: float | None = None,
) -> list[ProjectionStatus]:
    """Read every projection's position, how far behind the log it is, and how its runner is doing."""
    return _statuses(database, app, projections, STALL_SECONDS if stall_seconds is None else stall_seconds)[0]


def _statuses(
    database: Database, app: Application[Any], projections: tuple[Projection, ...], stall_seconds: float
) -> tuple[list[ProjectionStatus], WorkerStatus | None]:
    reader = EventReader(app)
    head = reader.head()  # first: a position read afterwards may only be further on
    with database.read() as curs:
        curs.execute(f"SELECT projection, position, updated_at FROM {POSITIONS_TABLE}")
        rows = {row["projection"]: (int(row["position"]), int(row["updated_at"])) for row in curs.fetchall()}
        workers = worker_statuses(curs)
    worker = workers[0] if workers else None
    now = time.time()
    found = []
    for target in projections:
        position, updated_at = rows.get(target.name, (None, 0))
        rebuilding = rows.get(target.name + REBUILD_SUFFIX, (None, 0))[0]
        lag = max(0, head - (position or 0))
        lag_seconds = _age_of_next(reader, position or 0) if lag else 0.0
        since_batch = round(max(0.0, now - updated_at), 1) if updated_at else None
        if lag and target.mode == ASYNC and _stalled(lag_seconds, since_batch, stall_seconds):
            state = STALLED  # whether it never ran, is being rebuilt or fell behind: nothing applies its events
        elif position is None:
            state = NEVER_RAN
        elif rebuilding is not None:
            state = REBUILDING
        else:
            state = CATCHING_UP if lag else UP_TO_DATE
        inline = target.mode != ASYNC
        found.append(
            ProjectionStatus(
                name=target.name,
                mode=target.mode,
                position=position or 0,
                head=head,
                lag_events=lag,
                lag_seconds=lag_seconds,
                state=state,
                rebuild_position=rebuilding,
                serves_api=target.serves_api,
                max_lag=target.max_lag,
                seconds_since_batch=since_batch,
                runner=INLINE_RUNNER if inline else worker.state if worker else NO_WORKER,
                last_error=None if inline or worker is None else worker.last_error,
            )
        )
    return found, worker


def readiness(
    database: Database, app: Application[Any], max_async_lag: int | None = None, stall_seconds: float | None = None
) -> dict[str, Any]:
    """Ready when the database answers and every projection the API serves is caught up or advancing.

    Inline projections may not lag at all; asynchronous ones up to ``max_async_lag`` events
    (default: their own ``max_lag``), and not stall: events waiting longer than ``stall_seconds``
    (default ``STALL_SECONDS``) while no batch was applied for as long (the worker stopped, retrying, stuck).
    """
    try:
        statuses, worker = _statuses(
            database, app, PROJECTIONS, STALL_SECONDS if stall_seconds is None else stall_seconds
        )
    except Exception as e:  # any failure here means "not ready", with the reason
        return {"ready": False, "database": "unreachable", "detail": type(e).__name__}
    behind = []
    for s in statuses:
        allowed = s.max_lag if s.mode == "inline" or max_async_lag is None else max_async_lag
        if s.serves_api and s.lag_events > allowed:
            behind.append(s.name)
    stalled = [s.name for s in statuses if s.serves_api and s.state == STALLED]
    return {
        "ready": not behind and not stalled,
        "database": "ok",
        "behind": behind,
        "stalled": stalled,
        "worker": worker.as_dict() if worker else {"state": NO_WORKER},
        "projections": {
            s.name: {
                "position": s.position,
                "head": s.head,
                "lag": s.lag_events,
                "state": s.state,
                "seconds_since_batch": s.seconds_since_batch,
            }
            for s in statuses
        },
    }


def _stalled(lag_seconds: float, since_batch: float | None, stall_seconds: float) -> bool:
    return lag_seconds > stall_seconds and (since_batch is None or since_batch > stall_seconds)


def _age_of_next(reader: EventReader, position: int) -> float:
    """Seconds since the first event the projection has not applied was recorded."""
    found = reader.app.recorder.select_notifications(start=position, limit=1, inclusive_of_start=False)
    try:
        recorded = reader.decode(found[0]).timestamp.timestamp() if found else time.time()
    except Exception:  # an event this version cannot decode: its age is unknown
        return 0.0
    return max(0.0, round(time.time() - recorded, 3))
