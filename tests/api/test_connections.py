"""Connection hygiene of a real ``msgstore serve``: head deadline and size, keep-alive timeout, the cap, hang-ups."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest

from tests.support.servers import Server, StartServer

HEAD_TIMEOUT = 2.0
KEEP_ALIVE = 1
CAP = 6

Connect = Callable[[], socket.socket]


@pytest.fixture(scope="module")
def guarded(start_server: StartServer, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A server with short timeouts and a small cap, of its own: the tests below fill it up."""
    database = tmp_path_factory.mktemp("connections") / "store.db"
    env = {
        "MSGSTORE_HEAD_TIMEOUT": str(HEAD_TIMEOUT),
        "MSGSTORE_KEEP_ALIVE_TIMEOUT": str(KEEP_ALIVE),
        "MSGSTORE_MAX_CONNECTIONS": str(CAP),
    }
    return start_server(f"sqlite:///{database}", env=env)


@pytest.fixture
def connect(guarded: Server) -> Iterator[Connect]:
    """Open raw connections to the server; all closed at the end of the test."""
    with ExitStack() as stack:

        def open_one() -> socket.socket:
            s = stack.enter_context(socket.create_connection(("127.0.0.1", guarded.port)))
            s.settimeout(HEAD_TIMEOUT + 8)
            return s

        yield open_one


def read_all(s: socket.socket) -> bytes:
    """Read until the server closes the connection."""
    chunks: list[bytes] = []
    while chunk := s.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def read_response(s: socket.socket) -> bytes:
    """Read one response with a Content-Length, however the server's writes were split."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(next(line for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:"))[15:])
    while len(body) < length:
        body += s.recv(65536)
    return head + b"\r\n\r\n" + body


def test_a_connection_that_sends_nothing_is_closed_after_the_head_timeout(connect: Connect) -> None:
    s = connect()
    started = time.monotonic()
    assert s.recv(100) == b""
    assert HEAD_TIMEOUT - 0.5 < time.monotonic() - started < HEAD_TIMEOUT + 6


def test_a_head_sent_byte_by_byte_is_answered_408_and_closed(connect: Connect) -> None:
    s = connect()
    started = time.monotonic()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    while not select.select([s], [], [], 0.2)[0]:  # a byte every 200 ms, until the server has its say
        s.sendall(b"a")
        assert time.monotonic() - started < HEAD_TIMEOUT + 6, "the slow head was never cut off"
    answer = read_all(s)
    assert answer.startswith(b"HTTP/1.1 408 ") and b'"code":"request_timeout"' in answer
    assert time.monotonic() - started > HEAD_TIMEOUT - 0.5


def test_an_idle_keep_alive_connection_is_closed_after_its_timeout(connect: Connect) -> None:
    s = connect()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_response(s).startswith(b"HTTP/1.1 200 ")
    idle_from = time.monotonic()
    assert s.recv(100) == b""
    assert time.monotonic() - idle_from < KEEP_ALIVE + 5


@pytest.mark.parametrize("ending", [b"\r\n\r\n", b""], ids=["complete", "endless"])
def test_a_head_over_the_size_limit_is_answered_431(connect: Connect, ending: bytes) -> None:
    s = connect()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + ending)
    answer = read_all(s)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "request_header_too_large"


def test_beyond_the_connection_cap_requests_are_answered_503_until_connections_close(
    guarded: Server, connect: Connect
) -> None:
    idle = [connect() for _ in range(CAP)]
    with httpx.Client(base_url=guarded.root, timeout=10) as http:
        busy = http.get("/healthz")
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        assert busy.json()["error"]["code"] == "server_busy"
        for s in idle:
            s.close()
        deadline = time.monotonic() + 5
        while (status := http.get("/healthz").status_code) != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status == 200


def test_connections_beyond_twice_the_cap_are_closed_at_once(connect: Connect) -> None:
    held = [connect() for _ in range(2 * CAP + 1)]
    started = time.monotonic()
    assert held[-1].recv(100) == b""
    assert time.monotonic() - started < HEAD_TIMEOUT - 0.5  # not left to the head deadline


def test_a_client_hanging_up_mid_body_is_logged_as_499_not_counted_as_500(guarded: Server, connect: Connect) -> None:
    s = connect()
    s.sendall(
        b"POST /v1/threads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-test-alpha\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"metadata\": "
    )
    time.sleep(0.2)
    s.close()
    deadline = time.monotonic() + 10
    entries: list[dict[str, object]] = []
    while not entries and time.monotonic() < deadline:
        time.sleep(0.1)
        lines = [json.loads(line) for line in guarded.log().splitlines() if line.startswith('{"event":"request"')]
        entries = [e for e in lines if e["method"] == "POST" and e["client_disconnected"]]
    assert entries and entries[0]["status"] == 499 and entries[0]["tenant"] == "alpha"
    metrics = httpx.get(guarded.root + "/metrics").text
    assert 'msgstore_http_requests_total{method="POST",route="unmatched",status="499"} 1.0' in metrics
    assert 'status="500"' not in metrics
