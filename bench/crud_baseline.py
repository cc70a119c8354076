"""The baseline: a plain CRUD service with the same endpoints, validation and bodies, rows straight into PostgreSQL.

What a competent team would write without event sourcing: FastAPI, the store's own request models
(api/schemas.py) and error bodies (api/errors.py), an async psycopg pool, one transaction per request,
a BIGSERIAL id ordering each thread's messages (conversations and their items: ``bench/crud_conversations.py``).
Run it with ``BENCH_CRUD_DATABASE_URL=postgresql://… uvicorn bench.crud_baseline:app``.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Query, Request
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from api.auth import KeyRing, Principal
from api.errors import APIError, install_error_handlers
from api.responses import JSONBody
from api.runtime import AuthoredMessageCreate
from api.schemas import MessageCreate, ThreadCreate
from bench import crud_conversations, crud_streaming
from domain.errors import MessageNotFound, ThreadNotFound
from domain.ids import new_message_id, new_thread_id
from projections.messages.view import render_message, render_thread
from projections.pages import UnknownCursor

COLUMNS = (
    "message_id, thread_id, created_at, role, content, attachments, metadata, status,"
    " assistant_id, run_id, completed_at, incomplete_at, incomplete_details"
)
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS crud_threads (thread_id TEXT PRIMARY KEY, tenant TEXT NOT NULL,"
    " created_at BIGINT NOT NULL, metadata TEXT NOT NULL, tool_resources TEXT NOT NULL, deleted_at BIGINT)",
    "CREATE TABLE IF NOT EXISTS crud_messages (id BIGSERIAL PRIMARY KEY, message_id TEXT NOT NULL UNIQUE,"
    " thread_id TEXT NOT NULL, tenant TEXT NOT NULL, created_at BIGINT NOT NULL, role TEXT NOT NULL,"
    " content TEXT NOT NULL, attachments TEXT NOT NULL, metadata TEXT NOT NULL, status TEXT NOT NULL,"
    " assistant_id TEXT, run_id TEXT, completed_at BIGINT, incomplete_at BIGINT, incomplete_details TEXT,"
    " deleted_at BIGINT)",
    # Pages are ordered by (created_at, id): a thread's own index serves them whatever the thread's size.
    "CREATE INDEX IF NOT EXISTS crud_messages_thread_time ON crud_messages (thread_id, created_at, id)",
    *crud_conversations.SCHEMA,
)
INSERT_THREAD = (
    "INSERT INTO crud_threads (thread_id, tenant, created_at, metadata, tool_resources)"
    " VALUES (%s, %s, %s, %s, %s) RETURNING thread_id, created_at, metadata, tool_resources"
)
# The thread's ownership is checked by the insert itself: no row inserted means no such thread.
INSERT_MESSAGE = (
    "INSERT INTO crud_messages (message_id, thread_id, tenant, created_at, role, content, attachments,"
    " metadata, status) SELECT %s, thread_id, tenant, %s, %s, %s, %s, %s, 'completed' FROM crud_threads"
    f" WHERE thread_id = %s AND tenant = %s AND deleted_at IS NULL RETURNING {COLUMNS}"
)
# A streamed reply starts as an in-progress row (the store's runtime fields; content may be empty).
INSERT_REPLY = (
    "INSERT INTO crud_messages (message_id, thread_id, tenant, created_at, role, content, attachments,"
    " metadata, status, assistant_id, run_id) SELECT %s, thread_id, tenant, %s, %s, %s, %s, %s, %s, %s, %s"
    f" FROM crud_threads WHERE thread_id = %s AND tenant = %s AND deleted_at IS NULL RETURNING {COLUMNS}"
)
SELECT_THREAD = (
    "SELECT thread_id, created_at, metadata, tool_resources FROM crud_threads"
    " WHERE thread_id = %s AND tenant = %s AND deleted_at IS NULL"
)
SELECT_MESSAGE = f"SELECT {COLUMNS} FROM crud_messages WHERE message_id = %s AND thread_id = %s AND deleted_at IS NULL"
SELECT_CURSOR = "SELECT created_at, id FROM crud_messages WHERE message_id = %s AND thread_id = %s"
PAGE = f"SELECT {COLUMNS} FROM crud_messages WHERE thread_id = %s AND deleted_at IS NULL"


def _dumps(value: Any) -> str:
    import orjson

    return orjson.dumps(value).decode()


async def principal(request: Request) -> Principal:
    """The caller, by its bearer key."""
    header = request.headers.get("authorization", "")
    keys: KeyRing = request.app.state.keys
    found = keys.lookup(header[7:]) if header.lower().startswith("bearer ") else None
    if found is None:
        raise APIError(401, "Incorrect API key provided.", code="invalid_api_key")
    request.state.principal = found
    return found


Caller = Annotated[Principal, Depends(principal)]


def create_app(database_url: str, keys: KeyRing) -> FastAPI:
    """Build the baseline app on a database."""
    pool: AsyncConnectionPool[AsyncConnection[DictRow]] = AsyncConnectionPool(
        database_url, min_size=4, max_size=20, kwargs={"row_factory": dict_row}, open=False
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await pool.open(wait=True)
        async with pool.connection() as conn:
            for statement in SCHEMA:
                await conn.execute(statement)
        yield
        await pool.close()

    app = FastAPI(title="crud-baseline", lifespan=lifespan, default_response_class=JSONBody)
    install_error_handlers(app)

    app.state.keys = keys
    app.include_router(crud_conversations.conversations_router(pool), dependencies=[Depends(principal)])
    streaming = crud_streaming.streaming_router(pool, database_url, COLUMNS)
    app.include_router(streaming, dependencies=[Depends(principal)])

    @app.post("/v1/threads")
    async def create_thread(caller: Caller, body: ThreadCreate | None = Body(None)) -> JSONBody:
        body = body or ThreadCreate()
        tools = body.tool_resources.model_dump(exclude_none=True) if body.tool_resources else {}
        now = int(time.time())
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                INSERT_THREAD, (new_thread_id(), caller.tenant, now, _dumps(body.metadata or {}), _dumps(tools))
            )
            thread = await cur.fetchone()
            assert thread is not None
            for m in body.messages or []:
                await conn.execute(
                    INSERT_MESSAGE, (new_message_id(), now, *_message_values(m), thread["thread_id"], caller.tenant)
                )
        return JSONBody(render_thread(thread))

    @app.post("/v1/threads/{thread_id}/messages")
    async def create_message(thread_id: str, body: AuthoredMessageCreate, caller: Caller) -> JSONBody:
        values: tuple[Any, ...] = (new_message_id(), int(time.time()), *_message_values(body))
        sql = INSERT_MESSAGE
        if body.status == "in_progress":
            sql, values = INSERT_REPLY, (*values, "in_progress", body.assistant_id, body.run_id)
        async with pool.connection() as conn:
            row = await (await conn.execute(sql, (*values, thread_id, caller.tenant))).fetchone()
        if row is None:
            raise ThreadNotFound(thread_id)
        return JSONBody(render_message(row))

    @app.get("/v1/threads/{thread_id}/messages")
    async def list_messages(
        thread_id: str, caller: Caller, page: crud_conversations.Page, before: Annotated[str | None, Query()] = None
    ) -> JSONBody:
        limit, order, after = page
        async with pool.connection() as conn:
            await _thread(conn, thread_id, caller.tenant)
            sql = PAGE
            params: list[str | int] = [thread_id]
            behind, ahead = (">", "<") if order == "asc" else ("<", ">")
            for name, cursor, op in (("after", after, behind), ("before", before, ahead)):
                if cursor:
                    found = await (await conn.execute(SELECT_CURSOR, (cursor, thread_id))).fetchone()
                    if found is None:
                        raise UnknownCursor(name, cursor)
                    sql += f" AND (created_at, id) {op} (%s, %s)"
                    params += [found["created_at"], found["id"]]
            backwards = bool(before) and not after
            ascending = (order == "asc") != backwards
            direction = "ASC" if ascending else "DESC"
            sql += f" ORDER BY created_at {direction}, id {direction} LIMIT %s"
            params.append(limit + 1)
            rows = await (await conn.execute(sql, params)).fetchall()
        data = [render_message(r) for r in rows[:limit]]
        if backwards:
            data.reverse()
        return JSONBody(
            {
                "object": "list",
                "data": data,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
                "has_more": len(rows) > limit,
            }
        )

    @app.get("/v1/threads/{thread_id}/messages/{message_id}")
    async def retrieve_message(thread_id: str, message_id: str, caller: Caller) -> JSONBody:
        async with pool.connection() as conn:
            await _thread(conn, thread_id, caller.tenant)
            row = await (await conn.execute(SELECT_MESSAGE, (message_id, thread_id))).fetchone()
        if row is None:
            raise MessageNotFound(message_id)
        return JSONBody(render_message(row))

    return app


async def _thread(conn: AsyncConnection[DictRow], thread_id: str, tenant: str) -> dict[str, Any]:
    row: dict[str, Any] | None = await (await conn.execute(SELECT_THREAD, (thread_id, tenant))).fetchone()
    if row is None:
        raise ThreadNotFound(thread_id)
    return row


def _message_values(body: MessageCreate) -> tuple[str, str, str, str]:
    content = body.content_blocks() if body.content else []  # an in-progress reply may start empty
    return (body.role, _dumps(content), _dumps(body.attachment_list()), _dumps(body.metadata or {}))


def _from_environment() -> FastAPI:
    return create_app(os.environ["BENCH_CRUD_DATABASE_URL"], KeyRing.parse(os.environ["BENCH_CRUD_API_KEYS"]))


def __getattr__(name: str) -> Any:
    # ``uvicorn bench.crud_baseline:app`` builds the app from the environment on first access.
    if name == "app":
        return _from_environment()
    raise AttributeError(name)
