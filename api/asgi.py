"""What the ASGI middleware share: a base that handles HTTP requests only, and what became of a request."""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(eq=False)
class HttpMiddleware:
    """An ASGI middleware for HTTP requests: anything else (lifespan), and a request ``passes`` lets by, goes on.

    A subclass writes ``handle``, and ``passes`` where it leaves some HTTP requests alone; its settings
    are dataclass fields after ``app`` (Starlette builds it as ``cls(app, **options)``).
    """

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.passes(scope):
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    def passes(self, scope: Scope) -> bool:
        """Whether this HTTP request goes straight on, untouched (none does, unless a subclass says so)."""
        return False

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Take one HTTP request, passing it on to ``self.app`` or answering it."""
        raise NotImplementedError


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


class RequestObserver(HttpMiddleware):
    """Times every HTTP request and hands its ``Outcome`` to ``record`` once it has ended, however it ended."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        outcome = Outcome(receive, self.sender(scope, send))
        try:
            await self.app(scope, outcome.receive, outcome.send)
        finally:
            self.record(scope, outcome, time.perf_counter() - start)

    def sender(self, scope: Scope, send: Send) -> Send:
        """The ``send`` the app's messages go through (the server's own, unless a subclass adds to it)."""
        return send

    def record(self, scope: Scope, outcome: Outcome, seconds: float) -> None:
        """Take note of one request that has ended."""
        raise NotImplementedError
