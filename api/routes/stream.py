"""A thread's changes as Server-Sent Events, live, resumable with ``Last-Event-ID``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from api.deps import PrincipalDep, StoreDep
from api.errors import APIError, from_exception
from api.wakeups import ThreadWakeups
from domain.ids import thread_uuid
from projections.messages.changes import Change, ThreadChanges, reads_views
from projections.store import MessageStore
from projections.tenant_fence import check_placed

TAG = "stream (extension)"
KEEPALIVE_SECONDS = 15.0
PAGE = 200
MAX_ID_DIGITS = 18

router = APIRouter(prefix="/v1/threads/{thread_id}", tags=[TAG])

EVENT_STREAM = {
    "description": "Server-Sent Events: `id:` is the event's position in the thread's history (1, 2, …),"
    " `event:` its name (thread.created, thread.modified, thread.deleted, thread.message.created,"
    " thread.message.in_progress, thread.message.delta, thread.message.completed,"
    " thread.message.incomplete, thread.message.modified, thread.message.deleted, error),"
    " `data:` a JSON object. Comment lines keep an idle connection alive.",
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}


@router.get(
    "/stream",
    summary="Follow a thread live (Server-Sent Events)",
    response_class=StreamingResponse,
    responses={200: EVENT_STREAM},
)
async def stream_thread(
    request: Request,
    thread_id: str,
    principal: PrincipalDep,
    store: StoreDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """Replay the thread's history from the start (or after ``Last-Event-ID``), then deliver each change live.

    A client that reconnects with the ``id`` of the last event it saw in ``Last-Event-ID`` gets
    every later event exactly once. The stream ends after ``thread.deleted``. Any key of the tenant may follow.
    """
    after = parse_last_event_id(last_event_id)
    if store.sharded:  # a tenant moved away is followed on its new shard (503 once, and this process learns it)
        await run_in_threadpool(placed, store, principal.tenant)
    changes = ThreadChanges(store.database, store.app)
    head = await run_in_threadpool(changes.head, principal.tenant, thread_id)
    if after > head:
        raise APIError(
            400,
            f"Invalid 'Last-Event-ID' header: {after} is beyond the thread's last event ({head}).",
            param="Last-Event-ID",
            code="invalid_value",
        )
    store.follow_other_processes()  # writes through other processes wake the stream too
    return StreamingResponse(
        follow(changes, wakeups(request, store), thread_id, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def placed(store: MessageStore, tenant: str) -> None:
    """Raise ``TenantMoved`` if ``tenant`` has moved away from this shard's store."""
    with store.database.read() as curs:
        check_placed(curs, store.database.dialect, (tenant,))


def parse_last_event_id(value: str | None) -> int:
    """Return the position a client resumes after (0: from the start)."""
    if value is None or not value.strip():
        return 0
    value = value.strip()
    if not value.isdigit() or len(value) > MAX_ID_DIGITS:
        raise APIError(
            400,
            f"Invalid 'Last-Event-ID' header: expected the id of an event of this stream (a number), got {value!r}.",
            param="Last-Event-ID",
            code="invalid_value",
        )
    return int(value)


def wakeups(request: Request, store: MessageStore) -> ThreadWakeups:
    """The process's one reader of a store's new events for its streams (made on first use; one per shard)."""
    readers: dict[int, ThreadWakeups] | None = getattr(request.app.state, "thread_wakeups", None)
    if readers is None:
        readers = request.app.state.thread_wakeups = {}
    found = readers.get(id(store))
    if found is None:
        found = readers[id(store)] = ThreadWakeups(store)
    return found


async def follow(
    changes: ThreadChanges, wakeups: ThreadWakeups, thread_id: str, after: int, keepalive: float = KEEPALIVE_SECONDS
) -> AsyncIterator[bytes]:
    """Yield the SSE frames of every change after ``after``, waiting for new ones without holding a thread."""
    thread = thread_uuid(thread_id)
    woken = await wakeups.subscribe(thread)  # before the first read: no commit falls between the two
    try:
        position = after
        handed: list[Any] | None = None  # the new events the process's reader handed over; None: read the log
        while True:
            woken.clear()
            try:
                if handed is None:
                    batch = await run_in_threadpool(changes.after, thread_id, position, PAGE)
                elif reads_views(handed):
                    batch = await run_in_threadpool(changes.of, handed)
                else:  # a delta carries what it shows: no thread, no read
                    batch = changes.of(handed)
            except Exception as e:  # the response has started: report in the stream, then end it
                error = from_exception(e)
                body = {"error": {"message": error.message, "type": error.type, "param": None, "code": error.code}}
                yield b"event: error\ndata: " + orjson.dumps(body) + b"\n\n"
                return
            for change in batch:
                if change.events:
                    yield frames(change)
                position = change.version
                if change.final:
                    return
            if handed is None and len(batch) >= PAGE:
                continue
            try:
                await asyncio.wait_for(woken.wait(), keepalive)
            except TimeoutError:
                yield b": keep-alive\n\n"
            handed = woken.take(position)
    finally:
        wakeups.unsubscribe(thread, woken)


def frames(change: Change) -> bytes:
    """Encode one change; the ``id`` goes on its last frame, so a reconnect never splits a change."""
    out = []
    for i, (name, data) in enumerate(change.events):
        head = f"id: {change.version}\n" if i == len(change.events) - 1 else ""
        out.append(f"{head}event: {name}\ndata: ".encode() + orjson.dumps(data) + b"\n\n")
    return b"".join(out)
