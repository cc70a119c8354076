"""Typed dependencies of the routes: the caller, the store, and running a blocking read off the event loop."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Request

from api.auth import Principal
from api.errors import APIError
from projections.shards import Shards
from projections.store import MessageStore

BLOCKING_THREADS = 16  # store reads at once per process; more would only queue on the connection pool

T = TypeVar("T")
_blocking = ThreadPoolExecutor(BLOCKING_THREADS, thread_name_prefix="msgstore-read")


async def get_principal(request: Request) -> Principal:
    """The caller, authenticated by the middleware (async: a plain def would cost a thread-pool hop)."""
    principal = request.scope.get("state", {}).get("principal")
    if not isinstance(principal, Principal):  # only reachable if a route is mounted outside /v1
        raise APIError(401, "You didn't provide an API key.", code="invalid_api_key")
    return principal


async def get_store(request: Request) -> MessageStore:
    """The store holding the caller's tenant: the one this process serves, or its shard's."""
    return store_for(request.app.state, request.scope.get("state", {}).get("principal"))


def store_for(state: Any, principal: Principal | None) -> MessageStore:
    """The store of ``principal``'s tenant in an app's state (``state.shards`` set: by the shard map)."""
    shards: Shards | None = state.shards
    if shards is None:
        store: MessageStore = state.store
        return store
    return shards.default() if principal is None else shards.store(principal.tenant)


async def in_thread(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking store call off the event loop.

    A plain executor hand-off: anyio's ``run_in_threadpool`` costs several times more CPU per call
    (capacity limiter, cancel scopes), which is most of a cheap read.
    """
    return await asyncio.get_running_loop().run_in_executor(_blocking, functools.partial(call, *args, **kwargs))


PrincipalDep = Annotated[Principal, Depends(get_principal)]
StoreDep = Annotated[MessageStore, Depends(get_store)]


LiveRead = Literal["message", "messages", "item", "item_page"]


async def read_live(store: MessageStore, read: LiveRead, *args: Any, **kwargs: Any) -> Any:
    """One of the hottest reads of the live views: on the event loop where the store has async reads
    (PostgreSQL, ``projections/async_reads.py``), else the store's own read of that name in a thread."""
    reads = store.async_reads
    if reads is not None:
        return await getattr(reads, read)(*args, **kwargs)
    return await in_thread(getattr(store, read), *args, **kwargs)
