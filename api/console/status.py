"""Where each projection stands and how the worker is doing: the same figures as ``msgstore projections status``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.console.pages import ConsoleRoute, page
from api.console.session import ConsoleUser
from api.deps import StoreDep, in_thread
from projections.registry import PROJECTIONS
from projections.runners.heartbeat import worker_statuses
from projections.runners.status import projection_status
from projections.store import MessageStore

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


def statuses(store: MessageStore) -> dict[str, Any]:
    """Every projection's status and every worker's heartbeat."""
    found = projection_status(store.database, store.app)
    with store.database.read() as curs:
        workers = worker_statuses(curs)
    descriptions = {p.name: p.description for p in PROJECTIONS}
    return {"projections": found, "workers": workers, "descriptions": descriptions}


@router.get("/projections")
async def projections(request: Request, user: ConsoleUser, store: StoreDep) -> Response:
    """Position, lag, state and runner of each projection; read-only."""
    found = await in_thread(statuses, store)
    return page(request, "projections.html", title="Projections", section="projections", **found)
