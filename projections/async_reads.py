"""The hottest reads on the event loop (PostgreSQL): a message or item, and a page, without a thread hand-off each.

A blocking read sent to a thread pool costs two thread wake-ups and a wake of the event loop per
request, more CPU (most of it in the kernel) than the query. Here the same statements run on a
small async connection pool instead; everything else keeps reading through ``MessageStore``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from domain.errors import ThreadNotFound
from projections.conversations.view import ItemsView, item_in_conversation
from projections.messages.view import MessagesView, message_in_thread
from projections.pages import Page, PageQuery, UnknownCursor
from projections.storage.database import Database, DatabaseUnavailable
from projections.storage.postgres import EVENTS_TABLE
from projections.storage.replicas import AsyncReplicas
from projections.tenant_fence import check_placed_async

POOL_SIZE = 4  # connections: each is held for one short query, so a few serve many concurrent requests


def async_reads_for(
    database: Database, view: MessagesView, items: ItemsView, *, sharded: bool = False
) -> AsyncReads | None:
    """Async reads for a PostgreSQL database (None for SQLite, whose reads stay in threads)."""
    if database.conninfo is None:
        return None
    replicas = None
    if database.read_urls:
        options: dict[str, Any] = {"connect_timeout": max(1, round(database.timeout))}
        if not database.prepared_statements:
            options["prepare_threshold"] = None
        replicas = AsyncReplicas(database.read_urls, EVENTS_TABLE, options, database.timeout)
    return AsyncReads(
        database.conninfo,
        view,
        items,
        timeout=database.timeout,
        prepare=database.prepared_statements,
        replicas=replicas,
        sharded=sharded,
    )


class AsyncReads:
    """Messages, items and their pages of a PostgreSQL store, read by coroutines (the views' own statements)."""

    def __init__(
        self,
        conninfo: str,
        view: MessagesView,
        items: ItemsView,
        *,
        size: int = POOL_SIZE,
        timeout: float = 5.0,
        prepare: bool = True,
        replicas: AsyncReplicas | None = None,
        sharded: bool = False,
    ) -> None:
        self.view = view
        self.replicas = replicas
        self.sharded = sharded  # a shard: each read first checks its tenant has not moved away (tenant_fence.py)
        self.items = items
        self.timeout = timeout
        self._pool = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=size,
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "connect_timeout": max(1, round(timeout)),
                **({} if prepare else {"prepare_threshold": None}),  # behind a transaction pooler
            },
            open=False,
            name="msgstore-async-read",
            timeout=timeout,
            check=AsyncConnectionPool.check_connection,  # a connection the server dropped is replaced
            reconnect_timeout=timeout,
        )

    async def open(self) -> None:
        """Connect (inside the event loop that will use the pool)."""
        try:
            await self._pool.open(wait=True, timeout=self.timeout)
        except PoolTimeout:
            raise DatabaseUnavailable("Cannot connect to PostgreSQL for reads.") from None
        if self.replicas is not None:
            await self.replicas.open()

    async def close(self) -> None:
        if self.replicas is not None:
            await self.replicas.close()
        await self._pool.close()

    @asynccontextmanager
    async def _connection(self, tenant: str) -> AsyncIterator[Any]:
        try:
            if self.replicas is None:
                async with self._pool.connection() as conn:
                    if self.sharded:  # a shard: its tenant has not moved away (on the connection that reads)
                        await check_placed_async(conn, tenant)
                    yield conn
            else:  # a replica holding every acknowledged write, else the primary (storage/replicas.py)
                if self.sharded:  # on the primary: a replica may not have replayed a move (it records no event)
                    async with self._pool.connection() as conn:
                        await check_placed_async(conn, tenant)
                async with self.replicas.connection(self._pool.connection) as conn:
                    yield conn
        except (psycopg.OperationalError, PoolTimeout) as e:
            raise DatabaseUnavailable(str(e)) from None

    async def message(self, tenant: str, thread_id: str, message_id: str) -> dict[str, Any]:
        """A live message of a live thread of this tenant (as ``MessageStore.message``)."""
        row = await self._row(tenant, self.view.message_in_thread_sql, (message_id, thread_id, tenant))
        return message_in_thread(row, thread_id, message_id)

    async def messages(self, tenant: str, thread_id: str, **page: Any) -> Page:
        """A page of a live thread's messages (as ``MessageStore.messages``)."""
        query = self.view.page_query(tenant, thread_id, **page)
        return await self._page(query, self.view.thread_sql, self.view.cursor_seq_sql, (tenant, thread_id), page)

    async def item(self, tenant: str, thread_id: str, item_id: str) -> dict[str, Any]:
        """A live item of a live conversation of this tenant (as ``MessageStore.item``)."""
        row = await self._row(tenant, self.items.item_sql, (item_id, thread_id, tenant))
        return item_in_conversation(row, thread_id, item_id)

    async def _row(self, tenant: str, sql: str, params: tuple[str, ...]) -> Any:
        async with self._connection(tenant) as conn:
            return await (await conn.execute(sql, params)).fetchone()

    async def item_page(self, tenant: str, thread_id: str, **page: Any) -> Page:
        """A page of a live conversation's items (as ``MessageStore.item_page``)."""
        query = self.items.page_query(tenant, thread_id, **page)
        names = ("item", "conversation")
        sqls = (self.items.conversation_sql, self.items.cursor_seq_sql)
        return await self._page(query, *sqls, (tenant, thread_id), page, names)

    async def _page(
        self,
        query: PageQuery,
        thread_sql: str,
        cursor_sql: str,
        owner: tuple[str, str],
        page: dict[str, Any],
        names: tuple[str, ...] = (),
    ) -> Page:
        tenant, thread_id = owner
        async with self._connection(tenant) as conn:
            rows = await (await conn.execute(query.sql, query.params)).fetchall()
            if not rows:  # an empty page: no such thread, an unknown cursor, or the end of the list
                found = await (await conn.execute(thread_sql, (thread_id, tenant))).fetchone()
                if found is None:
                    raise ThreadNotFound(thread_id)
                for param in ("after", "before"):
                    cursor = page.get(param)
                    if cursor is not None:
                        seq = await (await conn.execute(cursor_sql, (cursor, thread_id))).fetchone()
                        if seq is None:
                            raise UnknownCursor(param, cursor, *names)
        return query.page(rows)
