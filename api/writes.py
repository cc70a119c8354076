"""The write path of every POST and DELETE: idempotency (a client's key or the SDK's retries), and failing fast."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.errors import APIError
from api.responses import JSONBody
from projections.storage.database import DatabaseUnavailable
from projections.store import MessageStore
from projections.write.command import RETRY_KEY, Idempotency, Outcome

MAX_IDEMPOTENCY_KEY = 255
RETRY_COUNT = "x-stainless-retry-count"  # sent by OpenAI's SDKs: 0 on a first attempt, n on the n-th retry


async def write(
    request: Request,
    principal: Principal,
    store: MessageStore,
    command: Callable[..., Future[Outcome]],
    *args: Any,
    prepare: Callable[[], Awaitable[dict[str, Any]]] | None = None,
    **kwargs: Any,
) -> JSONBody:
    """Run ``command(actor, *args, **kwargs)`` once per request, however often the request is sent.

    With ``Idempotency-Key``, a repeated key answers the first result and records nothing. Without
    one, a request an OpenAI SDK sends (``x-stainless-retry-count``) is remembered by its fingerprint
    (method, path, body) for ``retry_window`` seconds: a retry of it (count > 0) whose first attempt
    was recorded gets that attempt's answer instead of being recorded twice.

    ``prepare``, if given, computes more of the command's keyword arguments once the request is known
    not to be a replay: checks against the store (an item id still unused) that the replay would fail.
    """
    settings = request.app.state.write_settings
    idempotency = await _idempotency(request, principal)
    if idempotency is not None:
        within = settings.retry_window if idempotency.implicit else None
        retried = not idempotency.implicit or _retry_count(request) > 0
        prior = await run_in_threadpool(store.recall, principal.tenant, idempotency.key, within) if retried else None
        if prior is not None:
            return _replay(prior, idempotency)
    if prepare is not None:
        kwargs.update(await prepare())
    submitted = command(principal.actor, *args, idempotency=idempotency, **kwargs)
    outcome = await _answer(submitted, settings.write_timeout)
    if outcome.replayed and idempotency is not None:
        return _replay(outcome, idempotency)
    return JSONBody(outcome.body, status_code=outcome.status)


async def _answer(submitted: Future[Outcome], timeout: float) -> Outcome:
    """The command's outcome; a 503 if it has not started within ``timeout`` (it is then withdrawn, never run).

    A command already running is waited for: the writer answers it once it knows whether it committed.
    """
    waiting = asyncio.wrap_future(submitted)
    try:
        return await asyncio.wait_for(asyncio.shield(waiting), timeout)
    except TimeoutError:
        if submitted.cancel():
            waiting.cancel()
            raise DatabaseUnavailable("The write could not start in time; nothing was recorded.") from None
    return await waiting


async def _idempotency(request: Request, principal: Principal) -> Idempotency | None:
    key = request.headers.get("idempotency-key")
    if key is None and RETRY_COUNT not in request.headers:
        return None
    if key is not None and (not key or len(key) > MAX_IDEMPOTENCY_KEY):
        raise APIError(
            400,
            f"Invalid 'Idempotency-Key' header: expected 1 to {MAX_IDEMPOTENCY_KEY} characters.",
            param="Idempotency-Key",
            code="invalid_value",
        )
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    digest.update(await request.body())
    fingerprint = digest.hexdigest()
    if key is not None:
        return Idempotency(principal.tenant, key, fingerprint)
    retry = _retry_count(request) > 0
    return Idempotency(principal.tenant, RETRY_KEY + fingerprint, fingerprint, implicit=True, retry=retry)


def _retry_count(request: Request) -> int:
    value = request.headers.get(RETRY_COUNT, "0")
    return int(value) if value.isascii() and value.isdigit() else 0


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
