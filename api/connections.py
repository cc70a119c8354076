"""How the server holds connections: a cap answered with 503, and a deadline and a size limit for request heads."""

from __future__ import annotations

import asyncio
import sys
from functools import cache
from typing import Any, cast

import orjson
import uvicorn
from uvicorn._types import ASGI3Application
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState
from uvicorn.supervisors import Multiprocess

from api.errors import APIError, error_body, error_response
from api.metrics import CONNECTIONS_CLOSED, RequestMetrics
from api.middleware import RequestLog

# Beyond the cap a request is answered 503; beyond twice the cap a new connection is closed at once,
# before it can hold a file descriptor until its head deadline.
CLOSE_AT_ONCE_FACTOR = 2

BUSY = "The server is at its connection limit. Please retry your request after a brief wait."
HEAD_TOO_LARGE = "The request line and headers are larger than the server accepts ({limit} bytes)."
HEAD_TIMEOUT = "The request headers did not arrive in time ({seconds:g} s)."


def _refusal(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> ASGI3Application:
    """An app that answers every request with this error, logged and counted like any other answer."""
    kind = "server_error" if status >= 500 else "invalid_request_error"
    error = APIError(status, message, type=kind, code=code, headers={"connection": "close", **(headers or {})})
    return cast(ASGI3Application, RequestLog(RequestMetrics(error_response(error))))


@cache
def _refusals(max_head_bytes: int) -> tuple[ASGI3Application, ASGI3Application]:
    """The answers to a request beyond the cap and to a head too large, built once per process."""
    busy = _refusal(503, BUSY, "server_busy", {"retry-after": "1"})
    return busy, _refusal(431, HEAD_TOO_LARGE.format(limit=max_head_bytes), "request_header_too_large")


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus what its HTTP protocol lacks: a deadline and a size limit for request heads."""

    def __init__(self, app: str, *, head_timeout: float, max_head_bytes: int, **options: Any) -> None:
        # h11 has a head size limit of its own; the protocol below applies the same number.
        super().__init__(app, http=GuardedHttpProtocol, h11_max_incomplete_event_size=max_head_bytes, **options)
        self.head_timeout = head_timeout

    def serve(self) -> None:
        """Serve in this process, or in ``workers`` processes sharing one listening socket."""
        if self.workers > 1:
            Multiprocess(self, sockets=[self.bind_socket()]).run()
        else:
            server = uvicorn.Server(self)
            server.run()
            if not server.started:  # the app failed to start: exit as uvicorn.run would
                sys.exit(STARTUP_FAILURE)


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a head deadline and size limit, and a connection cap in the API's words.

    uvicorn arms its keep-alive timer only after a response: a connection that never sends a complete
    head would stay open for good, and httptools accepts heads of any size.
    """

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_timeout = float(getattr(config, "head_timeout", 10.0))
        self.max_head_bytes = config.h11_max_incomplete_event_size or 32_768
        # uvicorn's own check would answer in plain text: this protocol checks instead.
        self.max_connections, self.limit_concurrency = self.limit_concurrency, None
        self.served_app = self.app
        self.busy, self.too_large = _refusals(self.max_head_bytes)
        self.head_deadline: asyncio.TimerHandle | None = None
        self.in_head = False
        self.head_bytes = 0  # of an unfinished head, counted by whole reads

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.max_connections is not None and len(self.connections) > CLOSE_AT_ONCE_FACTOR * self.max_connections:
            CONNECTIONS_CLOSED.labels("over_limit").inc()
            transport.close()
            return
        self._start_head_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_clock()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        super().data_received(data)
        if not self.in_head or self.transport.is_closing():
            return
        # A head still unfinished after this read: an endless one would grow in the parser's buffer.
        self.head_bytes += len(data)
        if self.head_bytes > self.max_head_bytes:
            self._answer_and_close(431, HEAD_TOO_LARGE.format(limit=self.max_head_bytes), "request_header_too_large")
            CONNECTIONS_CLOSED.labels("head_too_large").inc()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head, self.head_bytes = True, 0
        if self.head_deadline is None:  # a new connection's clock runs from its opening
            self._start_head_clock()

    def on_headers_complete(self) -> None:
        self.in_head = False
        self._stop_head_clock()
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.max_head_bytes:
            self.app = self.too_large
        elif self.max_connections is not None and (
            len(self.connections) > self.max_connections or len(self.tasks) >= self.max_connections
        ):
            self.app = self.busy
        else:
            self.app = self.served_app
        super().on_headers_complete()

    def _start_head_clock(self) -> None:
        self._stop_head_clock()
        self.head_deadline = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _stop_head_clock(self) -> None:
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None

    def _head_timed_out(self) -> None:
        self.head_deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self._start_head_clock()  # a pipelined head waits while the response before it is written
            return
        CONNECTIONS_CLOSED.labels("head_timeout").inc()
        if self.in_head:  # part of a head came: say why, a connection that sent nothing just closes
            self._answer_and_close(408, HEAD_TIMEOUT.format(seconds=self.head_timeout), "request_timeout")
        else:
            self.transport.close()

    def _answer_and_close(self, status: int, message: str, code: str) -> None:
        """Write an error answer to a request that never reached the app, and close the connection."""
        body = orjson.dumps(error_body(message, "invalid_request_error", code=code))
        head = b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body)
        self.transport.write(STATUS_LINE[status] + head + body)
        self.transport.close()
