"""Where each projection stands: position, lag in events and seconds, and state; and what /readyz says."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from projections.projection import Projection
from projections.registry import PROJECTIONS
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

    def as_dict(self) -> dict[str, Any]:
        """The status as plain JSON values."""
        return asdict(self)


def projection_status(
    database: Database, app: Application[Any], projections: tuple[Projection, ...] = PROJECTIONS
) -> list[ProjectionStatus]:
    """Read every projection's position and how far behind the log it is."""
    reader = EventReader(app)
    head = reader.head()  # first: a position read afterwards may only be further on
    with database.read() as curs:
        curs.execute(f"SELECT projection, position FROM {POSITIONS_TABLE}")
        positions = {row["projection"]: int(row["position"]) for row in curs.fetchall()}
    found = []
    for target in projections:
        position = positions.get(target.name)
        rebuilding = positions.get(target.name + REBUILD_SUFFIX)
        lag = max(0, head - (position or 0))
        if position is None:
            state = NEVER_RAN
        elif rebuilding is not None:
            state = REBUILDING
        else:
            state = CATCHING_UP if lag else UP_TO_DATE
        found.append(
            ProjectionStatus(
                name=target.name,
                mode=target.mode,
                position=position or 0,
                head=head,
                lag_events=lag,
                lag_seconds=_age_of_next(reader, position or 0) if lag else 0.0,
                state=state,
                rebuild_position=rebuilding,
                serves_api=target.serves_api,
                max_lag=target.max_lag,
            )
        )
    return found


def readiness(database: Database, app: Application[Any], max_async_lag: int | None = None) -> dict[str, Any]:
    """Ready when the database answers and no projection the API serves lags more than it may.

    Inline projections may not lag at all; asynchronous ones up to ``max_async_lag`` events
    (default: their own ``max_lag``).
    """
    try:
        statuses = projection_status(database, app)
    except Exception as e:  # any failure here means "not ready", with the reason
        return {"ready": False, "database": "unreachable", "detail": type(e).__name__}
    behind = []
    for s in statuses:
        allowed = s.max_lag if s.mode == "inline" or max_async_lag is None else max_async_lag
        if s.serves_api and s.lag_events > allowed:
            behind.append(s.name)
    return {
        "ready": not behind,
        "database": "ok",
        "behind": behind,
        "projections": {
            s.name: {"position": s.position, "head": s.head, "lag": s.lag_events, "state": s.state} for s in statuses
        },
    }


def _age_of_next(reader: EventReader, position: int) -> float:
    """Seconds since the first event the projection has not applied was recorded."""
    found = reader.app.recorder.select_notifications(start=position, limit=1, inclusive_of_start=False)
    try:
        recorded = reader.decode(found[0]).timestamp.timestamp() if found else time.time()
    except Exception:  # an event this version cannot decode: its age is unknown
        return 0.0
    return max(0.0, round(time.time() - recorded, 3))
