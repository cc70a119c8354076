"""ASGI middleware: one structured log line per request, authentication, the body size limit, conversation paths."""

from __future__ import annotations

import logging
import random
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import KeyRing, mask
from api.errors import SENT_THREAD_ID, APIError, error_response, from_exception
from domain.ids import CONVERSATION_PREFIX, canonical_thread_id

access_log = logging.getLogger("msgstore.access")

_ids = random.Random()  # noqa: S311 - request ids label, they protect nothing; seeded from os.urandom

PUBLIC_PREFIXES = ("/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json")


class Outcome:
    """What became of one request: the status answered, or 499 when the client hung up before an answer.

    The app sees the client's ``http.disconnect`` only through ``receive``: a body cut short, or a
    stream whose reader left. An answer begun after the hang-up reached nobody.
    """

    CLIENT_CLOSED = 499  # nginx's "client closed request"

    def __init__(self, receive: Receive, send: Send) -> None:
        self._receive = receive
        self._send = send
        self.status = 500
        self.answered = False  # a response began while the client was still there
        self.completed = False
        self.client_disconnected = False  # the client hung up before the response was complete

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.disconnect" and not self.completed:
            self.client_disconnected = True
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.answered = not self.client_disconnected
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            self.completed = True
        await self._send(message)

    @property
    def recorded_status(self) -> int:
        """The status to log and count: the one answered, or 499 if no answer began before the hang-up."""
        return self.status if self.answered or not self.client_disconnected else self.CLIENT_CLOSED


class RequestLog:
    """Logs method, route, status, duration and tenant of every request; never keys or content."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        # A label to find a request by, not a secret: no system call for random bytes per request.
        request_id = f"req_{_ids.getrandbits(96):024x}"
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        outcome = Outcome(receive, send_with_id)
        try:
            await self.app(scope, outcome.receive, outcome.send)
        finally:
            route = scope.get("route")
            state = scope.get("state", {})
            principal = state.get("principal")
            access_log.info(
                orjson.dumps(
                    {
                        "event": "request",
                        "method": scope["method"],
                        "route": getattr(route, "path", None) or "unmatched",
                        "status": outcome.recorded_status,
                        "client_disconnected": outcome.client_disconnected,
                        "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                        "tenant": getattr(principal, "tenant", None),
                        "request_id": request_id,
                    }
                ).decode()
            )


class AnswerFailures:
    """Answers an exception no handler took with the OpenAI 500 body, as an ordinary response.

    Starlette's last-resort handler re-raises after answering, and uvicorn then closes the
    connection: a keep-alive client would see its next request reset.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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


class Authenticate:
    """Answers 401 to any /v1 request without a known ``Authorization: Bearer`` key, before anything else."""

    def __init__(self, app: ASGIApp, keys: KeyRing) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1"):
            await self.app(scope, receive, send)
            return
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


class LimitBody:
    """Answers 413 to a request body larger than the limit; reads the body once, up front."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
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
