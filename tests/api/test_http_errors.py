"""Raw HTTP: every error path answers its exact status with the OpenAI error body, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.servers import Server

NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer"
    " auth (i.e. Authorization: Bearer YOUR_KEY)."
)
INVALID_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library"
    " correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
)


def error(message: str, code: str | None = None, param: str | None = None, kind: str = "invalid_request_error") -> Any:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def not_found(what: str, id_: str) -> Any:
    return error(f"No {what} found with id '{id_}'.")


@pytest.fixture
def anonymous(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.root, timeout=30) as c:
        yield c


@pytest.fixture
def thread(http: httpx.Client) -> dict[str, str]:
    """A thread of tenant alpha with one message."""
    thread_id = http.post("/v1/threads", json={"messages": [{"role": "user", "content": "hi"}]}).json()["id"]
    message_id = http.get(f"/v1/threads/{thread_id}/messages").json()["data"][0]["id"]
    return {"thread": thread_id, "message": message_id}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/threads/thread_x", None),
        ("POST", "/v1/threads", {"metadata": {}}),
        ("POST", "/v1/threads", "{not json"),
        ("DELETE", "/v1/threads/thread_x/messages/msg_x", None),
        ("GET", "/v1/threads/thread_x/messages?limit=999", None),
        ("GET", "/v1/no/such/route", None),
        ("PATCH", "/v1/threads/thread_x", None),
        ("POST", "/v1/threads", "x" * 2_000_000),
    ],
)
def test_a_missing_key_is_401_before_anything_else(anonymous: httpx.Client, method: str, path: str, body: Any) -> None:
    content = body if isinstance(body, str) else None
    response = anonymous.request(method, path, json=body if isinstance(body, dict) else None, content=content)
    assert response.status_code == 401
    assert response.json() == error(NO_KEY, "invalid_api_key")


@pytest.mark.parametrize("header", ["Bearer sk-test-nope", "bearer sk-test-nope"])
def test_an_unknown_key_is_401(anonymous: httpx.Client, header: str) -> None:
    for path in ("/v1/threads/thread_x", "/v1/unknown"):
        response = anonymous.get(path, headers={"Authorization": header})
        assert response.status_code == 401
        assert response.json() == error("Incorrect API key provided: sk-t****pe.", "invalid_api_key")


def test_other_schemes_and_empty_keys_are_401(anonymous: httpx.Client) -> None:
    for header in ("Basic sk-test-alpha", "Bearer", "sk-test-alpha"):
        response = anonymous.get("/v1/threads/thread_x", headers={"Authorization": header})
        assert (response.status_code, response.json()) == (401, error(NO_KEY, "invalid_api_key"))


def test_health_endpoints_need_no_key(anonymous: httpx.Client) -> None:
    assert anonymous.get("/healthz").json() == {"status": "ok"}
    ready = anonymous.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True and ready.json()["database"] == "ok"
    assert ready.json()["projections"]["messages"]["lag"] == 0


def test_foreign_and_nonexistent_threads_get_the_same_404(
    http: httpx.Client, beta: httpx.Client, thread: dict[str, str]
) -> None:
    t, m = thread["thread"], thread["message"]
    missing = "thread_" + "x" * 24
    requests: list[tuple[str, str, Any]] = [
        ("GET", "/v1/threads/{t}", None),
        ("POST", "/v1/threads/{t}", {"metadata": {"a": "b"}}),
        ("DELETE", "/v1/threads/{t}", None),
        ("POST", "/v1/threads/{t}/messages", {"role": "user", "content": "x"}),
        ("GET", "/v1/threads/{t}/messages", None),
        ("GET", "/v1/threads/{t}/messages/{m}", None),
        ("POST", "/v1/threads/{t}/messages/{m}", {"metadata": {}}),
        ("DELETE", "/v1/threads/{t}/messages/{m}", None),
    ]
    for method, path, body in requests:
        foreign = beta.request(method, path.format(t=t, m=m), json=body)
        absent = http.request(method, path.format(t=missing, m=m), json=body)
        assert (foreign.status_code, foreign.json()) == (404, not_found("thread", t)), (method, path)
        assert (absent.status_code, absent.json()) == (404, not_found("thread", missing)), (method, path)
        assert set(foreign.headers) - {"x-request-id", "date", "content-length"} == set(absent.headers) - {
            "x-request-id",
            "date",
            "content-length",
        }
    assert http.get(f"/v1/threads/{t}/messages/{m}").status_code == 200  # the owner still sees it


def test_a_message_of_another_thread_or_none_gets_the_same_404(http: httpx.Client, thread: dict[str, str]) -> None:
    other = http.post("/v1/threads", json={}).json()["id"]
    m = thread["message"]
    for method, body in (("GET", None), ("POST", {"metadata": {}}), ("DELETE", None)):
        for message_id in (m, "msg_" + "y" * 24, "nonsense"):
            response = http.request(method, f"/v1/threads/{other}/messages/{message_id}", json=body)
            assert (response.status_code, response.json()) == (404, not_found("message", message_id))


def test_a_deleted_thread_is_404_everywhere(http: httpx.Client, thread: dict[str, str]) -> None:
    t, m = thread["thread"], thread["message"]
    assert http.delete(f"/v1/threads/{t}").status_code == 200
    for method, path in (("GET", f"/v1/threads/{t}"), ("GET", f"/v1/threads/{t}/messages/{m}")):
        response = http.request(method, path)
        assert (response.status_code, response.json()) == (404, not_found("thread", t))


@pytest.mark.parametrize(
    "path", ["/v1/nope", "/v1/threads/thread_x/messages/msg_x/extra", "/v1/threads/thread_x/", "/v1/", "/nope"]
)
def test_an_unknown_route_is_404(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert (response.status_code, response.json()) == (404, error(f"Invalid URL (GET {path})"))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/v1/threads/thread_x"),
        ("PUT", "/v1/threads"),
        ("GET", "/v1/threads"),
        ("PATCH", "/v1/threads/t/messages/m"),
    ],
)
def test_a_wrong_method_is_405(http: httpx.Client, method: str, path: str) -> None:
    response = http.request(method, path)
    assert (response.status_code, response.json()) == (405, error(f"Method not allowed ({method} {path})"))


@pytest.mark.parametrize("body", [b"{not json", b'{"metadata": ', b"\xff\xfe", b"{'single': 'quotes'}"])
def test_malformed_json_is_400(http: httpx.Client, thread: dict[str, str], body: bytes) -> None:
    t, m = thread["thread"], thread["message"]
    for path in ("/v1/threads", f"/v1/threads/{t}", f"/v1/threads/{t}/messages", f"/v1/threads/{t}/messages/{m}"):
        response = http.post(path, content=body, headers={"Content-Type": "application/json"})
        assert (response.status_code, response.json()) == (400, error(INVALID_JSON)), path


def test_a_body_that_is_not_an_object_is_400(http: httpx.Client, thread: dict[str, str]) -> None:
    t = thread["thread"]
    for body in (b"[]", b'"text"', b"42"):
        response = http.post(f"/v1/threads/{t}/messages", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_type"
        assert response.json()["error"]["message"].startswith("Invalid type for request body: expected an object")


def test_a_body_that_is_not_json_is_400(http: httpx.Client) -> None:
    response = http.post(
        "/v1/threads", content=b"metadata=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400
    assert response.json() == error(
        "Unsupported content type: 'application/x-www-form-urlencoded'. This API method only accepts"
        " 'application/json' requests, but you specified the header 'Content-Type:"
        " application/x-www-form-urlencoded'. Please try again with a supported content type.",
        "unsupported_content_type",
    )


def test_json_without_a_content_type_or_with_a_charset_is_read(http: httpx.Client) -> None:
    response = http.post("/v1/threads", content=b'{"metadata": {"a": "1"}}')
    assert (response.status_code, response.json()["metadata"]) == (200, {"a": "1"})
    response = http.post(
        "/v1/threads", content=b'{"metadata": {"a": "2"}}', headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert (response.status_code, response.json()["metadata"]) == (200, {"a": "2"})


def test_a_body_too_large_is_413(http: httpx.Client, thread: dict[str, str]) -> None:
    big = {"role": "user", "content": "x" * 1_100_000}
    response = http.post(f"/v1/threads/{thread['thread']}/messages", json=big)
    assert response.status_code == 413
    body = response.json()["error"]
    assert (body["type"], body["code"], body["param"]) == ("invalid_request_error", "request_too_large", None)
    assert "exceeds the limit of 1048576 bytes" in body["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds for a streamed body too
        yield b'{"role": "user", "content": "'
        for _ in range(20):
            yield b"y" * 65536
        yield b'"}'

    streamed = http.post(
        f"/v1/threads/{thread['thread']}/messages", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413 and streamed.json()["error"]["code"] == "request_too_large"
    assert http.get(f"/v1/threads/{thread['thread']}/messages").json()["data"][0]["id"] == thread["message"]


def test_delete_with_a_json_content_type_and_an_empty_body(http: httpx.Client, thread: dict[str, str]) -> None:
    t, m = thread["thread"], thread["message"]
    headers = {"Content-Type": "application/json"}
    response = http.request("DELETE", f"/v1/threads/{t}/messages/{m}", headers=headers, content=b"")
    assert response.json() == {"id": m, "object": "thread.message.deleted", "deleted": True}
    response = http.request("DELETE", f"/v1/threads/{t}", headers=headers, content=b"")
    assert response.json() == {"id": t, "object": "thread.deleted", "deleted": True}


def test_empty_bodies_on_optional_bodies(http: httpx.Client, thread: dict[str, str]) -> None:
    t, m = thread["thread"], thread["message"]
    headers = {"Content-Type": "application/json"}
    assert http.post("/v1/threads", headers=headers, content=b"").json()["object"] == "thread"
    assert http.post(f"/v1/threads/{t}", headers=headers, content=b"").json()["id"] == t
    assert http.post(f"/v1/threads/{t}/messages/{m}", headers=headers, content=b"").json()["id"] == m
    response = http.post(f"/v1/threads/{t}/messages", headers=headers, content=b"")
    assert response.status_code == 400 and response.json()["error"]["code"] == "missing_required_parameter"


def test_responses_carry_a_request_id(http: httpx.Client) -> None:
    assert http.get("/v1/nope").headers["x-request-id"].startswith("req_")
