"""What the fuzz tests send (strategies for raw bodies, queries and ids; real ``ids``) and what every answer must be."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import httpx
import pytest
from hypothesis import strategies as st

from domain.ids import conversation_id
from tests.support.servers import Server

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import OpenApiCase

RUNTIME = {"Authorization": "Bearer sk-test-runtime"}  # tenant alpha with the runtime scope: every operation
BETA = {"Authorization": "Bearer sk-test-beta"}
FINISHING = ("/deltas", "/complete", "/incomplete")
CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "application/vnd.api+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
)
ODD_TEXT = ("", " ", "\x00", "\ud800", "\udfff", "\ud83d\ude00", "é", "\u202e", "%", "%2F", "../", "null", "\\u0000")

# Valid bodies of every operation that takes one; mutations of them reach every level of the schemas.
BODIES: dict[str, Any] = {
    "thread": {
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}], "metadata": {"k": "v"}}],
        "tool_resources": {"code_interpreter": {"file_ids": ["file_1"]}},
        "metadata": {"k": "v"},
    },
    "modify": {"metadata": {"k": "v"}, "tool_resources": {"file_search": {"vector_store_ids": ["vs_1"]}}},
    "message": {
        "role": "user",
        "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}}],
        "attachments": [{"file_id": "file_1", "tools": [{"type": "file_search"}]}],
        "metadata": {"k": "v"},
    },
    "runtime message": {"role": "assistant", "content": "", "status": "in_progress", "run_id": "run_1"},
    "message metadata": {"metadata": {"k": "v"}},
    "deltas": {"content": [{"index": 0, "type": "text", "text": {"value": "more"}}]},
    "complete": {},
    "incomplete": {"reason": "max_tokens"},
}


@dataclass
class Ids:
    """Real threads and messages, so that generated requests reach more than the 404 of an unknown id."""

    http: httpx.Client
    thread: str
    message: str
    in_progress: str
    foreign: str
    turns: Iterator[int] = field(default_factory=itertools.count)

    @classmethod
    def create(cls, http: httpx.Client, beta: httpx.Client) -> Ids:
        thread = http.post("/v1/threads", json={"messages": [{"role": "user", "content": "hi"}]}).json()["id"]
        message = http.get(f"/v1/threads/{thread}/messages").json()["data"][0]["id"]
        in_progress = http.post(f"/v1/threads/{thread}/messages", json=BODIES["runtime message"]).json()["id"]
        foreign = beta.post("/v1/threads", json={}).json()["id"]
        return cls(http, thread, message, in_progress, foreign)

    def substitute(self, case: OpenApiCase) -> str:
        """Point the case at a real thread or conversation, its own or another tenant's, or leave it; say which."""
        params = case.path_parameters or {}
        turn = next(self.turns) % 3
        key = next((name for name in ("thread_id", "conversation_id") if name in params), None)
        if key is None or case.path.endswith("/stream") or turn == 0:  # a live stream never ends
            return "generated"
        if turn == 1:
            params[key] = self.foreign
            return "foreign"
        own = self.fresh() if case.method.upper() == "DELETE" else self  # keep the shared ones alive
        params[key] = own.thread if key == "thread_id" else conversation_id(own.thread)
        if "message_id" in params:
            params["message_id"] = own.in_progress if case.path.endswith(FINISHING) else own.message
        if "item_id" in params:
            params["item_id"] = own.message
        return "own"

    def fresh(self) -> Ids:
        return Ids.create(self.http, self.http)

    def url(self, template: str) -> str:
        return template.format(t=self.thread, m=self.message, p=self.in_progress)


@pytest.fixture(scope="module")
def ids(server: Server) -> Iterator[Ids]:
    """A thread and messages of tenant alpha, and a thread of tenant beta, on the API tests' server."""
    with (
        httpx.Client(base_url=server.root, headers=RUNTIME, timeout=30) as http,
        httpx.Client(base_url=server.root, headers=BETA, timeout=30) as beta,
    ):
        yield Ids.create(http, beta)


class Answer(Protocol):
    """A response as httpx and schemathesis both give it."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


def assert_openai_error(response: Answer, method: str = "GET") -> None:
    """Never a 5xx nor a 422; an error (400 or more) has exactly ``{"error": {message, type, param, code}}``."""
    assert response.status_code < 500, f"{method} answered {response.status_code}: {response.text[:300]}"
    assert response.status_code != 422, response.text[:300]
    if response.status_code < 400 or method == "HEAD":  # a HEAD answer has no body by definition
        return
    body = response.json()
    assert list(body) == ["error"], body
    error = body["error"]
    assert sorted(error) == ["code", "message", "param", "type"], body
    assert isinstance(error["message"], str) and error["message"] and isinstance(error["type"], str), body
    assert error["param"] is None or isinstance(error["param"], str), body
    assert error["code"] is None or isinstance(error["code"], str), body
    assert "Traceback" not in response.text


def assert_names_nothing(http: httpx.Client, method: str, url: str, body: Any) -> None:
    """A path holding an odd id is an unknown id or an unknown route: a 400 or a 404, never a 2xx."""
    response = http.request(method, url, json=body if method == "POST" else None)
    assert_openai_error(response, method)
    assert response.status_code in (400, 404)  # never a 2xx: such an id names nothing


def texts() -> st.SearchStrategy[str]:
    """Any unicode (surrogates included), the odd strings above, and long ones."""
    return st.one_of(
        st.text(st.characters(codec=None, exclude_categories=()), max_size=20),
        st.sampled_from(ODD_TEXT),
        st.integers(200, 3000).map(lambda n: "x" * n),
    )


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON value: nulls, booleans, huge and odd numbers, unicode, nested arrays and objects."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(-(10**40), 10**40),
        st.floats(allow_nan=True, allow_infinity=True),
        texts(),
    )
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts(), inner, max_size=4))


def mutated(body: Any, data: st.DataObject) -> Any:
    """``body`` with one value anywhere in it (or the whole body) replaced by any JSON value."""
    if isinstance(body, dict) and body and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(body)))
        return {**body, key: mutated(body[key], data)}
    if isinstance(body, list) and body and data.draw(st.booleans()):
        i = data.draw(st.integers(0, len(body) - 1))
        return [*body[:i], mutated(body[i], data), *body[i + 1 :]]
    return data.draw(json_values())


def encoded(value: Any, data: st.DataObject) -> bytes:
    """Serialize as JSON the way some client might: ASCII escapes or raw UTF-8 (lone surrogates escaped)."""
    text = json.dumps(value, ensure_ascii=data.draw(st.booleans()))
    return text.encode("utf-8", "surrogatepass" if data.draw(st.booleans()) else "backslashreplace")


def raw_bodies() -> st.SearchStrategy[bytes]:
    """Bodies that are not what a JSON parser hopes for."""
    return st.one_of(
        st.integers(1, 6000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(1, 6000).map(lambda n: b'{"metadata":' + b'{"a":' * n + b"1" + b"}" * (n + 1)),
        st.integers(1, 6000).map(lambda n: b'{"metadata": {"a": ' + b"9" * n + b"}}"),
        st.sampled_from(
            [
                b"",
                b" ",
                b"null",
                b"[]",
                b'"x"',
                b"\xef\xbb\xbf{}",
                b'{"metadata": {"a": "b"}, "metadata": 5}',
                b'{"role": "user", "role": "assistant", "content": "x"}',
                b'{"metadata": {"a": "\\ud800"}}',
                b'{"metadata": {"\\udc00": "a"}}',
                b'{"content": "\\u0000", "role": "user"}',
                b'{"metadata": {"a": "\xff\xfe"}}',
                b'{"metadata": {"a": NaN, "b": -Infinity}}',
                b"{",
                b'{"a":}',
                b"\x00",
            ]
        ),
        st.binary(max_size=64),
    )


def queries() -> st.SearchStrategy[str]:
    """Query strings with wrong types, empty and repeated values, unknown names and encoded junk."""
    names = st.sampled_from(
        ["limit", "order", "after", "before", "run_id", "as_of", "version", "message_id", "type", "from", "to", "x"]
    )
    values = st.one_of(
        texts(),
        st.integers().map(str),
        st.sampled_from(["", "1e2", "-1", "0", "101", "9" * 30, "asc", "desc", "2024-02-30", "1.5", "true", "[]"]),
    )
    pair = st.tuples(names, values).map(lambda p: f"{p[0]}={quote(p[1], safe='', errors='surrogatepass')}")
    return st.lists(pair, max_size=5).map("&".join)


def path_ids() -> st.SearchStrategy[str]:
    """Path segments that are not ids: encoded slashes and NUL, unicode, dots, very long ones."""
    return st.one_of(
        texts().filter(lambda t: t.strip(".")).map(lambda t: quote(t, safe="", errors="surrogatepass")),
        st.sampled_from(["%2F", "a%2Fb", "%00", "thread_%00", "%2E%2E", "%2E", "%25", "%ED%A0%80", "%FF"]),
        st.integers(200, 4000).map(lambda n: "thread_" + "x" * n),
    )
