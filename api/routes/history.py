"""Audit and history: a thread's event log, a message's versions, and threads as they were at a moment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match
from starlette.types import Scope

from api.deps import PrincipalDep, StoreDep
from api.errors import APIError
from api.lists import Cursor, WindowDep, list_body
from api.responses import JSONBody
from projections.history.queries import PointInTime, instant_us

T = TypeVar("T")

AsOf = Annotated[
    str | None,
    Query(description="An instant: Unix seconds (decimals allowed) or RFC 3339 with a time zone."),
]
MAX_VERSION = 2**63 - 1  # the largest integer either database stores
Version = Annotated[
    int | None, Query(ge=1, le=MAX_VERSION, description="An aggregate version of the thread (see its events).")
]


class PointInTimeRoute(APIRoute):
    """A route that only takes requests asking for a point in time (``as_of`` or ``version``).

    It sits in front of the live route of the same path, which keeps every other request.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if "as_of" not in query and "version" not in query:
            return Match.NONE, {}
        return super().matches(scope)


audit = APIRouter(prefix="/v1/threads/{thread_id}", tags=["history"])
past = APIRouter(prefix="/v1/threads/{thread_id}", tags=["history"], route_class=PointInTimeRoute)


@dataclass(frozen=True)
class AsOfOrVersion:
    """The ``as_of`` and ``version`` a request gave, checked for exactly one by ``point``.

    Checked in the route, not in the dependency: FastAPI calls a dependency whose own parameters are
    valid even when others are not, and a request's validation error is answered before this check.
    """

    as_of: str | None
    version: int | None

    def point(self) -> PointInTime:
        """Validate ``as_of``/``version`` (exactly one) into a point in time."""
        if self.as_of is not None and self.version is not None:
            raise APIError(400, "Give either 'as_of' or 'version', not both.", param="as_of", code="invalid_value")
        if self.version is not None:
            return PointInTime(version=self.version)
        return PointInTime(at_us=instant_us(self.as_of or ""))


async def as_of_or_version(as_of: AsOf = None, version: Version = None) -> AsOfOrVersion:
    """The point-in-time query parameters of a request (async: a plain def would cost a thread-pool hop)."""
    return AsOfOrVersion(as_of, version)


PointInTimeDep = Annotated[AsOfOrVersion, Depends(as_of_or_version)]


async def answer(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a history read in the thread pool (an unreachable point in time is a 400: api/errors.py)."""
    return await run_in_threadpool(call, *args, **kwargs)


@audit.get("/events", summary="List a thread's events")
async def list_events(
    thread_id: str,
    principal: PrincipalDep,
    store: StoreDep,
    window: WindowDep,
    message_id: Annotated[str | None, Query(description="Only the events of this message.")] = None,
    type: Annotated[str | None, Query(description="Only events of this type, e.g. thread.message.deleted.")] = None,
) -> JSONBody:
    """Every change to a thread in recorded order, who made it and what it changed; deleted threads included."""
    page = await answer(
        store.history.events,
        principal.tenant,
        thread_id,
        **window.options(message_id=message_id, type=type),
    )
    return list_body(page)


@audit.get("/messages/{message_id}/versions", summary="List a message's versions")
async def list_versions(
    thread_id: str,
    message_id: str,
    principal: PrincipalDep,
    store: StoreDep,
    window: WindowDep,
) -> JSONBody:
    """The message as each of its events left it, with the event's id, time and actor; deletion included."""
    page = await answer(
        store.history.versions,
        principal.tenant,
        thread_id,
        message_id,
        **window.options(),
    )
    return list_body(page, "event_id")


@past.get("", summary="Retrieve a thread as it was", include_in_schema=False)
async def retrieve_thread_at(thread_id: str, principal: PrincipalDep, store: StoreDep, at: PointInTimeDep) -> JSONBody:
    """The thread as it was at ``as_of`` or at ``version``."""
    return JSONBody(await answer(store.history.thread_at, principal.tenant, thread_id, at.point()))


@past.get("/messages", summary="List a thread's messages as they were", include_in_schema=False)
async def list_messages_at(
    thread_id: str,
    principal: PrincipalDep,
    store: StoreDep,
    window: WindowDep,
    at: PointInTimeDep,
    run_id: Cursor = None,
) -> JSONBody:
    """The thread's messages as they were at ``as_of`` or at ``version``, with the usual pagination."""
    page = await answer(
        store.history.messages_at,
        principal.tenant,
        thread_id,
        at.point(),
        **window.options(run_id=run_id),
    )
    return list_body(page)


router = APIRouter()
router.include_router(past)
router.include_router(audit)
