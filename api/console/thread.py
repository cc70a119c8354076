"""The thread page: the transcript at a version, the slider through its versions, and the live follow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from api.console.pages import ConsoleRoute, page
from api.console.session import ConsoleUser
from api.console.thread_state import ThreadState, parse_version, thread_state
from api.console.transcript import parts
from api.deps import StoreDep, in_thread
from api.routes.stream import follow, parse_last_event_id, wakeups
from projections.messages.changes import ThreadChanges
from projections.store import MessageStore

router = APIRouter(prefix="/console/threads/{thread_id}", route_class=ConsoleRoute, include_in_schema=False)


async def read_state(
    store: MessageStore, tenant: str, thread_id: str, version: str | None, as_of: str | None
) -> ThreadState:
    """The thread at the version or moment asked for (its latest when neither is)."""
    return await in_thread(thread_state, store, tenant, thread_id, parse_version(version), as_of or None)


@router.get("")
async def thread_page(
    request: Request,
    thread_id: str,
    user: ConsoleUser,
    store: StoreDep,
    version: str | None = None,
    as_of: str | None = None,
) -> Response:
    """The thread's transcript and metadata at a version, with the slider over all of them."""
    state = await read_state(store, user.tenant, thread_id, version, as_of)
    return page(request, "thread.html", title=thread_id, section="find", s=state, parts=parts, follow=version is None)


@router.get("/panel")
async def thread_panel(
    request: Request, thread_id: str, user: ConsoleUser, store: StoreDep, version: str | None = None
) -> Response:
    """The part of the thread page the slider and the live follow redraw."""
    state = await read_state(store, user.tenant, thread_id, version, None)
    return page(request, "_panel.html", s=state, parts=parts)


@router.get("/live")
async def thread_live(
    request: Request,
    thread_id: str,
    user: ConsoleUser,
    store: StoreDep,
    after: str | None = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """The thread's changes after ``after`` (or the browser's ``Last-Event-ID`` on a reconnect), as the /v1 stream."""
    changes = ThreadChanges(store.database, store.app)
    head = await run_in_threadpool(changes.head, user.tenant, thread_id)
    start = min(parse_last_event_id(last_event_id or after), head)
    store.follow_other_processes()
    return StreamingResponse(
        follow(changes, wakeups(request, store), thread_id, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
