"""ASGI middleware: one structured log line per request, authentication, the body size limit, conversation paths."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.asgi import HttpMiddleware, Outcome, RequestObserver
from api.auth import KeyRing, mask
from api.errors import SENT_THREAD_ID, APIError, error_response, from_exception
from domain.ids import CONVERSATION_PREFIX, canonical_thread_id

access_log = logging.getLogger("msgstore.access")

_ids = random.Random()  # noqa: S311 - request ids label, they protect nothing; seeded from os.urandom

PUBLIC_PREFIXES = ("/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json")


class RequestLog(RequestObserver):
    """Logs method, route, status, duration and tenant of every request; never keys or content."""

    def sender(self, scope: Scope, send: Send) -> Send:
        # A label to find a request by, not a secret: no system call for random bytes per request.
        request_id = f"req_{_ids.getrandbits(96):024x}"
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        return send_with_id

    def record(self, scope: Scope, outcome: Outcome, seconds: float) -> None:
        state = scope.get("state", {})
        entry = {
            "event": "request",
            "method": scope["method"],
            "route": getattr(scope.get("route"), "path", None) or "unmatched",
            "status": outcome.recorded_status,
            "client_disconnected": outcome.client_disconnected,
            "duration_ms": round(seconds * 1000, 2),
            "tenant": getattr(state.get("principal"), "tenant", None),
            "request_id": state["request_id"],
        }
        access_log.info(orjson.dumps(entry).decode())


class AnswerFailures(HttpMiddleware):
    """Answers an exception no handler took with the OpenAI 500 body, as an ordinary response.

    Starlette's last-resort handler re-raises after answering, and uvicorn then closes the
    connection: a keep-alive client would see its next request reset.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:  # a streamed response has begun: nothing sensible can be sent any more
                raise
            await error_response(from_exception(exc))(scope, receive, send)


class ConversationPaths:
    """Serves /v1/threads/conv_X… as /v1/threads/thread_X…: a conversation is a thread, by either id.

    Every threads route, the fast path and the idempotency fingerprint see the canonical path; the id
    the client sent is kept for the 404 message (``api.errors.thread_not_found``).
    """

    THREADS = "/v1/threads/"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(self.THREADS + CONVERSATION_PREFIX):
            rest = path[len(self.THREADS) :]
            scope.setdefault("state", {})[SENT_THREAD_ID] = rest.split("/", 1)[0]
            scope = {**scope, "path": self.THREADS + canonical_thread_id(rest)}
        await self.app(scope, receive, send)


@dataclass(eq=False)
class Authenticate(HttpMiddleware):
    """Answers 401 to any /v1 request without a known ``Authorization: Bearer`` key, before anything else."""

    keys: KeyRing

    def passes(self, scope: Scope) -> bool:
        return not scope["path"].startswith("/v1")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = _header(scope, b"authorization")
        key = header[7:].strip() if header and header[:7].lower() == "bearer " else ""
        principal = self.keys.lookup(key) if key else None
        if principal is None:
            if not key:
                message = (
                    "You didn't provide an API key. You need to provide your API key in an Authorization"
                    " header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
                )
            else:
                message = f"Incorrect API key provided: {mask(key)}."
            response = error_response(APIError(401, message, code="invalid_api_key"))
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


@dataclass(eq=False)
class LimitBody(HttpMiddleware):
    """Answers 413 to a request body larger than the limit; reads the body once, up front."""

    max_bytes: int

    def passes(self, scope: Scope) -> bool:
        return scope["method"] in ("GET", "HEAD", "OPTIONS")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send, int(declared))
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, size)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        await self.app(scope, replay(b"".join(chunks), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, size: int) -> None:
        response = error_response(
            APIError(
                413,
                f"Request body too large: {size} bytes exceeds the limit of {self.max_bytes} bytes.",
                code="request_too_large",
            )
        )
        await response(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    headers: Any = scope.get("headers", [])
    for key, value in headers:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def replay(body: bytes, then: Receive | None = None) -> Receive:
    """A ``receive`` that gives ``body`` whole, once, then what ``then`` gives (or a disconnect)."""
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive
