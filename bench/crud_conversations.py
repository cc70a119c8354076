"""The CRUD baseline's Conversations API: conversations and their items as plain rows, validated by the store's parsers.

Create a conversation, append 1..20 items in one statement, list a conversation's items by keyset on
(created_at, BIGSERIAL id) as the baseline lists messages: what a competent team would write without
event sourcing.
Item references are not resolved (the benchmark sends none).
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal, NamedTuple

import orjson
from fastapi import APIRouter, Depends, Query, Request
from psycopg import AsyncConnection
from psycopg.errors import UniqueViolation
from psycopg.rows import DictRow
from psycopg_pool import AsyncConnectionPool

from api.conversations.bodies import parse_conversation_create, parse_items_create
from api.errors import APIError
from api.responses import JSONBody
from domain.errors import ThreadNotFound
from domain.ids import new_conversation_id, new_item_id
from projections.pages import UnknownCursor

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS crud_conversations (conversation_id TEXT PRIMARY KEY, tenant TEXT NOT NULL,"
    " created_at BIGINT NOT NULL, metadata TEXT NOT NULL, deleted_at BIGINT)",
    "CREATE TABLE IF NOT EXISTS crud_items (id BIGSERIAL PRIMARY KEY, item_id TEXT NOT NULL UNIQUE,"
    " conversation_id TEXT NOT NULL, created_at BIGINT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,"
    " deleted_at BIGINT)",
    # Pages are ordered by (created_at, id), like messages: the conversation's own index serves them. (Ordered
    # by id alone, PostgreSQL walks the primary key backwards past every newer item of other conversations.)
    "CREATE INDEX IF NOT EXISTS crud_items_conversation_time ON crud_items (conversation_id, created_at, id)",
)
INSERT_CONVERSATION = (
    "INSERT INTO crud_conversations (conversation_id, tenant, created_at, metadata) VALUES (%s, %s, %s, %s)"
)
# One statement appends every item of a request, in order, if the conversation is the tenant's and alive.
INSERT_ITEMS = (
    "INSERT INTO crud_items (item_id, conversation_id, created_at, type, body)"
    " SELECT u.item_id, c.conversation_id, %s, u.type, u.body FROM crud_conversations c,"
    " unnest(%s::text[], %s::text[], %s::text[]) WITH ORDINALITY AS u(item_id, type, body, n)"
    " WHERE c.conversation_id = %s AND c.tenant = %s AND c.deleted_at IS NULL ORDER BY u.n RETURNING item_id"
)
SELECT_CONVERSATION = (
    "SELECT 1 FROM crud_conversations WHERE conversation_id = %s AND tenant = %s AND deleted_at IS NULL"
)
SELECT_CURSOR = "SELECT created_at, id FROM crud_items WHERE item_id = %s AND conversation_id = %s"
PAGE = "SELECT item_id, body FROM crud_items WHERE conversation_id = %s AND deleted_at IS NULL"

Pool = AsyncConnectionPool[AsyncConnection[DictRow]]


class ListQuery(NamedTuple):
    limit: int
    order: Literal["asc", "desc"]
    after: str | None


def list_query(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
    after: Annotated[str | None, Query()] = None,
) -> ListQuery:
    """The query parameters both of the baseline's lists take (messages add ``before``), validated as the store's."""
    return ListQuery(limit, order, after)


Page = Annotated[ListQuery, Depends(list_query)]


def conversations_router(pool: Pool) -> APIRouter:
    """The conversations endpoints of the baseline, on its connection pool."""
    router = APIRouter(prefix="/v1/conversations")

    @router.post("")
    async def create_conversation(request: Request) -> JSONBody:
        items, metadata = parse_conversation_create(await _json(request))
        conversation_id, now = new_conversation_id(), int(time.time())
        async with pool.connection() as conn, conn.transaction():
            await conn.execute(INSERT_CONVERSATION, (conversation_id, _tenant(request), now, _dumps(metadata)))
            if items:
                await _insert(conn, conversation_id, _tenant(request), _identified(items), now)
        return JSONBody({"id": conversation_id, "object": "conversation", "created_at": now, "metadata": metadata})

    @router.post("/{conversation_id}/items")
    async def create_items(conversation_id: str, request: Request) -> JSONBody:
        items = _identified(parse_items_create(await _json(request)))
        async with pool.connection() as conn:
            await _insert(conn, conversation_id, _tenant(request), items, int(time.time()))
        body = {"object": "list", "data": items, "first_id": items[0]["id"], "last_id": items[-1]["id"]}
        return JSONBody(body | {"has_more": False})

    @router.get("/{conversation_id}/items")
    async def list_items(conversation_id: str, request: Request, page: Page) -> JSONBody:
        limit, order, after = page
        sql = PAGE
        params: list[str | int] = [conversation_id]
        async with pool.connection() as conn:
            found = await (await conn.execute(SELECT_CONVERSATION, (conversation_id, _tenant(request)))).fetchone()
            if found is None:
                raise ThreadNotFound(conversation_id)
            if after is not None:
                cursor = await (await conn.execute(SELECT_CURSOR, (after, conversation_id))).fetchone()
                if cursor is None:
                    raise UnknownCursor("after", after, "item")
                sql += f" AND (created_at, id) {'>' if order == 'asc' else '<'} (%s, %s)"
                params += [cursor["created_at"], cursor["id"]]
            direction = "ASC" if order == "asc" else "DESC"
            sql += f" ORDER BY created_at {direction}, id {direction} LIMIT %s"
            rows = await (await conn.execute(sql, [*params, limit + 1])).fetchall()
        data = [{"id": row["item_id"], **orjson.loads(row["body"])} for row in rows[:limit]]
        first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
        body = {"object": "list", "data": data, "first_id": first, "last_id": last}
        return JSONBody(body | {"has_more": len(rows) > limit})

    return router


async def _json(request: Request) -> Any:
    raw = await request.body()
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        raise APIError(400, "We could not parse the JSON body of your request.", code="invalid_json") from None


def _tenant(request: Request) -> str:
    # The baseline's ``principal`` dependency, run for every route of this router, leaves the caller here.
    tenant: str = request.state.principal.tenant
    return tenant


def _identified(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items with their ids first: the one each carried, or a new one."""
    found = []
    for item in items:
        if item["type"] == "item_reference":
            raise APIError(400, "The baseline does not resolve item references.", param="items")
        rest = {k: v for k, v in item.items() if k != "id"}
        found.append({"id": item.get("id") or new_item_id(item["type"]), **rest})
    return found


async def _insert(
    conn: AsyncConnection[DictRow], conversation_id: str, tenant: str, items: list[dict[str, Any]], now: int
) -> None:
    ids = [item["id"] for item in items]
    types = [item["type"] for item in items]
    bodies = [_dumps({k: v for k, v in item.items() if k != "id"}) for item in items]
    try:
        cur = await conn.execute(INSERT_ITEMS, (now, ids, types, bodies, conversation_id, tenant))
    except UniqueViolation:
        raise APIError(400, "An item with one of these ids already exists.", param="items") from None
    if not await cur.fetchall():
        raise ThreadNotFound(conversation_id)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()
