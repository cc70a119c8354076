"""Typed dependencies of the routes, and the write path shared by every POST and DELETE."""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.errors import APIError
from api.responses import JSONBody
from projections.store import MessageStore
from projections.write.writer import Idempotency, Outcome

MAX_IDEMPOTENCY_KEY = 255
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
    """The store this process serves."""
    store: MessageStore = request.app.state.store
    return store


async def in_thread(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking store call off the event loop.

    A plain executor hand-off: anyio's ``run_in_threadpool`` costs several times more CPU per call
    (capacity limiter, cancel scopes), which is most of a cheap read.
    """
    return await asyncio.get_running_loop().run_in_executor(_blocking, functools.partial(call, *args, **kwargs))


PrincipalDep = Annotated[Principal, Depends(get_principal)]
StoreDep = Annotated[MessageStore, Depends(get_store)]


async def write(
    request: Request,
    principal: Principal,
    store: MessageStore,
    command: Callable[..., Future[Outcome]],
    *args: Any,
    **kwargs: Any,
) -> JSONBody:
    """Run ``command(actor, *args, **kwargs)``, honouring ``Idempotency-Key``: a repeated key answers the first result.

    A repeated key records nothing.
    """
    key = request.headers.get("idempotency-key")
    idempotency = None
    if key is not None:
        if not key or len(key) > MAX_IDEMPOTENCY_KEY:
            raise APIError(
                400,
                f"Invalid 'Idempotency-Key' header: expected 1 to {MAX_IDEMPOTENCY_KEY} characters.",
                param="Idempotency-Key",
                code="invalid_value",
            )
        digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
        digest.update(await request.body())
        idempotency = Idempotency(principal.tenant, key, digest.hexdigest())
        prior = await run_in_threadpool(store.recall, principal.tenant, key)
        if prior is not None:
            return _replay(prior, idempotency)
    outcome = await asyncio.wrap_future(command(principal.actor, *args, idempotency=idempotency, **kwargs))
    if outcome.replayed and idempotency is not None:
        return _replay(outcome, idempotency)
    return JSONBody(outcome.body, status_code=outcome.status)


def _replay(outcome: Outcome, idempotency: Idempotency) -> JSONBody:
    if outcome.fingerprint != idempotency.fingerprint:
        raise APIError(
            400,
            f"Keys for idempotent requests can only be used with the same parameters they were first"
            f" used with. Try using a key other than '{idempotency.key}' if you meant to execute a"
            " different request.",
            param="Idempotency-Key",
            code="idempotency_key_reused",
        )
    return JSONBody(outcome.body, status_code=outcome.status, headers={"Idempotent-Replayed": "true"})
