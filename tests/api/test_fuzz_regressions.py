"""One regression case per bug the fuzzing found (tests/api/test_fuzz.py), on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.support.fuzzing import BODIES, Ids
from tests.support.servers import Server

INVALID_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library"
    " correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
)
SURROGATE = (
    "Invalid '{}': the string contains a lone UTF-16 surrogate (\\ud800-\\udfff without its pair),"
    " which is not valid Unicode text."
)


def error(message: str, param: str | None = None, code: str | None = None) -> Any:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}


@pytest.mark.parametrize(
    ("template", "body", "param"),
    [
        ("/v1/threads", b'{"metadata": {"a": "\\ud800"}}', "metadata.a"),
        ("/v1/threads", b'{"metadata": {"\\udc00": "a"}}', "metadata"),
        ("/v1/threads", b'{"metadata": {"a": "\xed\xa0\x80"}}', "metadata.a"),  # the raw bytes, not an escape
        ("/v1/threads/{t}", b'{"metadata": {"\xed\xbf\xbf": []}}', "metadata"),
        (
            "/v1/threads",
            b'{"tool_resources": {"code_interpreter": {"file_ids": ["\\udbff"]}}}',
            "tool_resources.code_interpreter.file_ids[0]",
        ),
        ("/v1/threads/{t}/messages", b'{"role": "user", "content": "\\ud83d"}', "content"),
        (
            "/v1/threads/{t}/messages",
            b'{"role": "user", "content": [{"type": "text", "text": "\\uDFFF"}]}',
            "content[0].text",
        ),
        (
            "/v1/threads/{t}/messages",
            b'{"role": "user", "content": "x", "attachments": [{"file_id": "\\ud800"}]}',
            "attachments[0].file_id",
        ),
        ("/v1/threads/{t}/messages/{m}", b'{"metadata": {"k": "x\\ud800y"}}', "metadata.k"),
        (
            "/v1/threads/{t}/messages/{p}/deltas",
            b'{"content": [{"index": 0, "type": "refusal", "refusal": "\\ud800"}]}',
            "content[0].refusal",
        ),
    ],
)
def test_a_lone_surrogate_escape_is_a_400_naming_the_parameter(
    ids: Ids, template: str, body: bytes, param: str
) -> None:
    # It was a 500: the event could not be encoded as UTF-8 when it was recorded.
    response = ids.http.post(ids.url(template), content=body, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (400, error(SURROGATE.format(param), param, "invalid_value"))


def test_a_surrogate_pair_escape_is_text(ids: Ids) -> None:
    response = ids.http.post("/v1/threads", content=b'{"metadata": {"a": "\\ud83d\\ude00"}}')
    assert response.status_code == 200 and response.json()["metadata"] == {"a": "\N{GRINNING FACE}"}


@pytest.mark.parametrize(
    "read",
    [
        "/v1/threads/{t}/messages?after=msg_%00",
        "/v1/threads/{t}/messages?run_id=%00",
        "/v1/threads/{t}/messages?as_of=1&before=%00",
        "/v1/threads/{t}?as_of=%00",
        "/v1/threads/{t}/events?type=thread.created%00",
        "/v1/threads/{t}/events?message_id=%00",
        "/v1/threads/{t}/messages/{m}/versions?after=%00",
        "/v1/analytics/daily?from=%00",
    ],
)
def test_nul_in_a_query_value_is_a_400_naming_it(ids: Ids, read: str) -> None:
    # PostgreSQL text cannot hold NUL: these were 500s there.
    [param] = [name for name, value in parse_qsl(urlsplit(read).query) if "\x00" in value]
    response = ids.http.get(ids.url(read))
    message = f"Invalid '{param}': a query parameter must not contain NUL characters."
    assert (response.status_code, response.json()) == (400, error(message, param, "invalid_value"))


@pytest.mark.parametrize(
    ("method", "url", "kind", "odd"),
    [
        ("GET", "/v1/threads/thread_%00x", "thread", "thread_\x00x"),
        ("DELETE", "/v1/threads/thread_%00x", "thread", "thread_\x00x"),
        ("GET", "/v1/threads/thread_%00x/events", "thread", "thread_\x00x"),
        ("GET", "/v1/threads/{t}/messages/msg_%00x", "message", "msg_\x00x"),
        ("GET", "/v1/threads/{t}/messages/msg_%00x/versions", "message", "msg_\x00x"),
    ],
)
def test_nul_in_a_path_id_is_an_unknown_id(ids: Ids, method: str, url: str, kind: str, odd: str) -> None:
    response = ids.http.request(method, ids.url(url))
    assert (response.status_code, response.json()) == (404, error(f"No {kind} found with id '{odd}'."))


@pytest.mark.parametrize("field", ["assistant_id", "run_id"])
def test_nul_in_a_runtime_field_is_a_400_naming_it(ids: Ids, field: str) -> None:
    body = {**BODIES["runtime message"], field: "run\x00x"}
    response = ids.http.post(ids.url("/v1/threads/{t}/messages"), json=body)
    message = f"Invalid '{field}': the string must not contain NUL characters."
    assert (response.status_code, response.json()) == (400, error(message, field, "invalid_value"))


@pytest.mark.parametrize("read", ["/v1/threads/{t}", "/v1/threads/{t}/messages"])
def test_a_version_beyond_64_bits_is_a_400(ids: Ids, read: str) -> None:
    # SQLite could not bind it: a 500.
    response = ids.http.get(ids.url(read), params={"version": str(2**63)})
    message = (
        f"Invalid 'version': integer above maximum value. Expected a value <= {2**63 - 1}, but got {2**63} instead."
    )
    assert (response.status_code, response.json()) == (400, error(message, "version", "integer_above_max_value"))


@pytest.mark.parametrize(
    "body",
    [b"[" * 5000 + b"]" * 5000, b'{"metadata": {"a": ' + b"9" * 5000 + b"}}", b'{"metadata": {"a": "\xff\xfe"}}'],
    ids=["nested past the recursion limit", "a 5000-digit number", "invalid UTF-8"],
)
def test_a_body_the_framework_cannot_decode_is_invalid_json(ids: Ids, body: bytes) -> None:
    response = ids.http.post("/v1/threads", content=body, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (400, error(INVALID_JSON))


@pytest.mark.parametrize(
    ("method", "url"), [("GET", "/v1/threads/"), ("POST", "/v1/threads/"), ("GET", "/v1/threads/{t}/messages/")]
)
def test_a_trailing_slash_is_an_unknown_route_not_a_redirect(ids: Ids, method: str, url: str) -> None:
    response = ids.http.request(method, ids.url(url), json={} if method == "POST" else None)
    assert (response.status_code, response.json()) == (404, error(f"Invalid URL ({method} {ids.url(url)})"))


ALLOWED = {  # each path, and the methods its 405 answer allows
    "/v1/threads": "POST",
    "/v1/threads/{t}": "DELETE, GET, POST",
    "/v1/threads/{t}/messages": "GET, POST",
    "/v1/threads/{t}/messages/{m}": "DELETE, GET, POST",
    "/v1/threads/{t}/messages/{m}/deltas": "POST",
}


@pytest.mark.parametrize(("url", "allow"), ALLOWED.items())
def test_a_405_allows_every_method_of_the_path(ids: Ids, url: str, allow: str) -> None:
    response = ids.http.put(ids.url(url))
    assert response.status_code == 405 and response.headers["allow"] == allow
    assert response.json() == error(f"Method not allowed (PUT {ids.url(url)})")


def test_an_unexpected_failure_is_an_ordinary_500(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Re-raised to the server, it made uvicorn close the connection: a keep-alive client's next request was reset.
    def boom(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internals")

    settings_ = Settings(database_url=database_url, api_keys="sk-test-alpha:alpha", data_dir=tmp_path)
    app = create_app(settings_)
    with TestClient(app, raise_server_exceptions=True) as client:  # a re-raise fails the call
        monkeypatch.setattr(app.state.store, "thread", boom)
        response = client.get("/v1/threads/thread_x", headers={"Authorization": "Bearer sk-test-alpha"})
        assert response.status_code == 500 and response.json()["error"]["type"] == "server_error"
        assert "secret" not in response.text
        assert client.get("/healthz").status_code == 200


def test_the_document_promises_no_422_and_the_error_body(server: Server) -> None:
    document = httpx.get(server.root + "/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert "422" not in operation["responses"]
            if path.startswith("/v1"):
                assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }
    retrieve = document["paths"]["/v1/threads/{thread_id}"]["get"]
    assert {"as_of", "version"} <= {p["name"] for p in retrieve["parameters"]}
