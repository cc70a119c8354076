"""The CRUD baseline's streamed replies: an in-progress row, appends to it with NOTIFY, and a LISTEN-fed stream.

What a competent team would write without event sourcing: one UPDATE per delta that appends the text
to the row's JSON in place and, in the same statement, ``pg_notify`` with the delta; one LISTEN
connection per process fans the notifications out to the open Server-Sent Event streams of their
threads. It serves the shape the benchmark sends (one text part per delta); nothing is replayed on
reconnect.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Request
from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg_pool import AsyncConnectionPool
from starlette.responses import StreamingResponse

from api.errors import APIError
from api.responses import JSONBody
from api.runtime import MessageDelta
from domain.errors import MessageNotFound, ThreadNotFound
from projections.messages.view import render_message

CHANNEL = "crud_stream"
IN_PROGRESS = "message_id = %(message)s AND thread_id = %(thread)s AND tenant = %(tenant)s AND status = 'in_progress'"
# The text of part ``index`` grows, or a text block is added at the end; the notification goes out on commit.
APPEND = (
    "WITH changed AS (UPDATE crud_messages SET content = (CASE"
    " WHEN jsonb_array_length(content::jsonb) > %(index)s::int THEN jsonb_set(content::jsonb,"
    " ARRAY[%(index)s::text, 'text', 'value'], to_jsonb((content::jsonb -> %(index)s::int -> 'text' ->> 'value')"
    " || %(value)s::text))"
    " ELSE content::jsonb || jsonb_build_array(jsonb_build_object('type', 'text', 'text',"
    " jsonb_build_object('value', %(value)s::text, 'annotations', '[]'::jsonb))) END)::text"
    " WHERE " + IN_PROGRESS + " AND deleted_at IS NULL RETURNING {columns})"
    " SELECT changed.*, pg_notify('" + CHANNEL + "', %(payload)s) FROM changed"
)
COMPLETE = (
    "WITH changed AS (UPDATE crud_messages SET status = 'completed', completed_at = %(now)s"
    " WHERE " + IN_PROGRESS + " AND deleted_at IS NULL RETURNING {columns})"
    " SELECT changed.*, pg_notify('" + CHANNEL + "', %(thread)s || ' ' || %(message)s) FROM changed"
)
THREAD = "SELECT 1 FROM crud_threads WHERE thread_id = %s AND tenant = %s AND deleted_at IS NULL"

Pool = AsyncConnectionPool[AsyncConnection[DictRow]]


class Listeners:
    """One LISTEN connection of the process, and the queues of the streams following each thread."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.queues: dict[str, set[asyncio.Queue[str]]] = {}
        self.listening = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def follow(self, thread_id: str) -> asyncio.Queue[str]:
        """A queue of the thread's notifications, registered once the process is listening."""
        if self.task is None:
            self.task = asyncio.create_task(self._listen())
        await self.listening.wait()
        queue: asyncio.Queue[str] = asyncio.Queue()
        self.queues.setdefault(thread_id, set()).add(queue)
        return queue

    def leave(self, thread_id: str, queue: asyncio.Queue[str]) -> None:
        """Stop delivering to ``queue``."""
        found = self.queues.get(thread_id)
        if found is not None:
            found.discard(queue)
            if not found:
                del self.queues[thread_id]

    async def _listen(self) -> None:
        async with await AsyncConnection.connect(self.database_url, autocommit=True) as conn:
            await conn.execute("LISTEN " + CHANNEL)
            self.listening.set()
            async for note in conn.notifies():
                thread_id, _, rest = note.payload.partition(" ")
                for queue in self.queues.get(thread_id, ()):
                    queue.put_nowait(rest)


def streaming_router(pool: Pool, database_url: str, columns: str) -> APIRouter:
    """The baseline's deltas, complete and stream endpoints, on its pool (``columns``: a message row's)."""
    router = APIRouter(prefix="/v1/threads/{thread_id}")
    append, complete = APPEND.format(columns=columns), COMPLETE.format(columns=columns)
    listeners = Listeners(database_url)

    @router.post("/messages/{message_id}/deltas")
    async def append_delta(request: Request, thread_id: str, message_id: str, body: MessageDelta) -> JSONBody:
        parts = body.parts()
        if len(parts) != 1 or parts[0]["type"] != "text":
            raise APIError(400, "The baseline appends one text part per delta.", param="content")
        delta = {"id": message_id, "object": "thread.message.delta", "delta": {"content": parts}}
        values = {
            "index": parts[0]["index"],
            "value": parts[0]["text"]["value"],
            "message": message_id,
            "thread": thread_id,
            "tenant": request.state.principal.tenant,
            "payload": f"{thread_id} d{orjson.dumps(delta).decode()}",
        }
        return await _changed(pool, append, values, message_id)

    @router.post("/messages/{message_id}/complete")
    async def complete_message(request: Request, thread_id: str, message_id: str) -> JSONBody:
        values = {
            "now": int(time.time()),
            "message": message_id,
            "thread": thread_id,
            "tenant": request.state.principal.tenant,
        }
        return await _changed(pool, complete, values, message_id)

    @router.get("/stream")
    async def stream_thread(request: Request, thread_id: str) -> StreamingResponse:
        async with pool.connection() as conn:
            found = await (await conn.execute(THREAD, (thread_id, request.state.principal.tenant))).fetchone()
        if found is None:
            raise ThreadNotFound(thread_id)
        queue = await listeners.follow(thread_id)
        return StreamingResponse(
            _frames(listeners, thread_id, queue), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    return router


async def _changed(pool: Pool, sql: str, values: dict[str, Any], message_id: str) -> JSONBody:
    async with pool.connection() as conn:
        row = await (await conn.execute(sql, values)).fetchone()
    if row is None:
        raise MessageNotFound(message_id)
    return JSONBody(render_message(row))


async def _frames(listeners: Listeners, thread_id: str, queue: asyncio.Queue[str]) -> AsyncIterator[bytes]:
    try:
        while True:
            note = await queue.get()
            if note.startswith("d"):
                yield b"event: thread.message.delta\ndata: " + note[1:].encode() + b"\n\n"
            else:
                yield b"event: thread.message.completed\ndata: " + orjson.dumps({"id": note}) + b"\n\n"
    finally:
        listeners.leave(thread_id, queue)
