"""The lean path for create, list and retrieve answers exactly as the routes do, errors included."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

KEYS = "sk-fast-alpha:alpha,sk-fast-beta:beta,sk-fast-runtime:alpha:runtime"
ALPHA = {"Authorization": "Bearer sk-fast-alpha"}
BETA = {"Authorization": "Bearer sk-fast-beta"}
RUNTIME = {"Authorization": "Bearer sk-fast-runtime"}


@pytest.fixture(scope="module")
def thread(clients: tuple[TestClient, TestClient]) -> dict[str, Any]:
    """A thread of alpha with five messages, one of a run."""
    fast, _ = clients
    thread_id = fast.post("/v1/threads", json={}, headers=ALPHA).json()["id"]
    ids = [
        fast.post(f"/v1/threads/{thread_id}/messages", json={"role": "user", "content": f"m{i}"}, headers=ALPHA).json()[
            "id"
        ]
        for i in range(4)
    ]
    body = {"role": "assistant", "content": "r", "run_id": "run_1", "assistant_id": "asst_1"}
    ids.append(fast.post(f"/v1/threads/{thread_id}/messages", json=body, headers=RUNTIME).json()["id"])
    return {"id": thread_id, "messages": ids}


def same(clients: tuple[TestClient, TestClient], method: str, path: str, **kwargs: Any) -> Any:
    fast, plain = clients
    a, b = fast.request(method, path, **kwargs), plain.request(method, path, **kwargs)
    assert (a.status_code, a.headers["content-type"]) == (b.status_code, b.headers["content-type"])
    assert a.json() == b.json()
    return a


def refused(clients: tuple[TestClient, TestClient], path: str, request_: dict[str, Any]) -> int:
    """Send a create both ways (``request_``: httpx arguments, headers added to alpha's); the common status."""
    headers = ALPHA | request_.get("headers", {})
    kwargs = {k: v for k, v in request_.items() if k != "headers"}
    return int(same(clients, "POST", path, headers=headers, **kwargs).status_code)


READS = [
    "/messages/{m2}",
    "/messages/msg_nope",
    "/messages/{m2}?extra=1",
    "/messages",
    "/messages?limit=2",
    "/messages?limit=2&order=asc",
    "/messages?limit=2&after={m2}",
    "/messages?limit=2&before={m2}&order=asc",
    "/messages?after={m1}&before={m4}",
    "/messages?run_id=run_1",
    "/messages?after=msg_nope",
    "/messages?limit=0",
    "/messages?limit=101",
    "/messages?limit=abc",
    "/messages?limit=",
    "/messages?order=up",
    "/messages?order=asc&order=desc",
    "/messages?unknown=1",
    "/messages?version=1",
]


@pytest.mark.parametrize("path", READS)
def test_reads_answer_as_the_routes(clients: tuple[TestClient, TestClient], thread: dict[str, Any], path: str) -> None:
    ids = {f"m{i}": m for i, m in enumerate(thread["messages"])}
    same(clients, "GET", f"/v1/threads/{thread['id']}" + path.format(**ids), headers=ALPHA)


def test_reads_of_another_tenant_or_no_thread_are_404(
    clients: tuple[TestClient, TestClient], thread: dict[str, Any]
) -> None:
    message = thread["messages"][0]
    for path in (f"/v1/threads/{thread['id']}/messages/{message}", f"/v1/threads/{thread['id']}/messages"):
        assert same(clients, "GET", path, headers=BETA).status_code == 404
    assert same(clients, "GET", "/v1/threads/thread_nope/messages", headers=ALPHA).status_code == 404


def not_json(form: bytes) -> list[dict[str, Any]]:
    """Bodies the router refuses before any route: broken JSON, and ``form`` sent as a form."""
    return [
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        {"content": form, "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    ]


BAD_CREATES: list[dict[str, Any]] = [
    {"json": {"role": "system", "content": "x"}},
    {"json": {"role": "user", "content": ""}},
    {"json": {"role": "user", "content": "x", "metadata": {"k": 1}}},
    {"json": {"role": "user", "content": "x", "surprise": True}},
    {"json": {"role": "user", "content": "x", "run_id": "run_2"}},  # a runtime field from an ordinary key
    {"json": ["not", "an", "object"]},
    *not_json(b"role=user"),
    {"content": b'{"role": "user", "content": "\\ud800"}', "headers": {"Content-Type": "application/json"}},
]


@pytest.mark.parametrize("request_", BAD_CREATES)
def test_refused_creates_answer_as_the_routes(
    clients: tuple[TestClient, TestClient], thread: dict[str, Any], request_: dict[str, Any]
) -> None:
    assert refused(clients, f"/v1/threads/{thread['id']}/messages", request_) in (400, 403)


def test_creates_answer_as_the_routes(clients: tuple[TestClient, TestClient], thread: dict[str, Any]) -> None:
    fast, plain = clients
    path = f"/v1/threads/{thread['id']}/messages"
    body = {"role": "user", "content": [{"type": "text", "text": "hi"}], "metadata": {"a": "b"}}
    a, b = fast.post(path, json=body, headers=ALPHA), plain.post(path, json=body, headers=ALPHA)
    assert a.status_code == b.status_code == 200
    first, second = a.json(), b.json()
    assert first["id"] != second["id"]
    varying = ("id", "created_at", "completed_at")
    assert {k: v for k, v in first.items() if k not in varying} == {k: v for k, v in second.items() if k not in varying}
    assert same(clients, "POST", "/v1/threads/thread_nope/messages", json=body, headers=ALPHA).status_code == 404
    assert same(clients, "POST", path, json=body, headers=BETA).status_code == 404


def test_an_idempotent_create_is_replayed_by_either_path(
    clients: tuple[TestClient, TestClient], thread: dict[str, Any]
) -> None:
    fast, plain = clients
    path = f"/v1/threads/{thread['id']}/messages"
    headers = ALPHA | {"Idempotency-Key": "fast-path-key"}
    first = fast.post(path, json={"role": "user", "content": "once"}, headers=headers)
    again = plain.post(path, json={"role": "user", "content": "once"}, headers=headers)
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert fast.post(path, json={"role": "user", "content": "once"}, headers=headers).json() == first.json()


@pytest.fixture(scope="module")
def conversation(clients: tuple[TestClient, TestClient]) -> dict[str, Any]:
    """A conversation of alpha with a message, a function call and a system message."""
    fast, _ = clients
    items = [
        {"role": "user", "content": "first"},
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
        {"role": "system", "content": "be brief"},
    ]
    created = fast.post("/v1/conversations", json={"items": items}, headers=ALPHA).json()
    listed = fast.get(f"/v1/conversations/{created['id']}/items?order=asc", headers=ALPHA).json()
    return {"c": created["id"], "t": created["id"].replace("conv_", "thread_", 1), **_ids(listed["data"])}


def _ids(items: list[dict[str, Any]]) -> dict[str, str]:
    return {f"i{n}": item["id"] for n, item in enumerate(items)}


ITEM_READS = [
    "/items/{i1}",
    "/items/item_nope",
    "/items/{i1}?include[]=x",
    "/items",
    "/items?limit=1",
    "/items?limit=2&order=asc",
    "/items?after={i0}&order=asc",
    "/items?before={i2}",
    "/items?item_type=message",
    "/items?item_type=function_call&order=asc",
    "/items?item_type=nothing",
    "/items?item_type=",
    "/items?after=item_nope",
    "/items?limit=0",
    "/items?order=up",
    "/items?unknown=1",
]


@pytest.mark.parametrize("conversation_id", ["c", "t"])
@pytest.mark.parametrize("path", ITEM_READS)
def test_item_reads_answer_as_the_routes(
    clients: tuple[TestClient, TestClient], conversation: dict[str, Any], path: str, conversation_id: str
) -> None:
    base = f"/v1/conversations/{conversation[conversation_id]}"
    same(clients, "GET", base + path.format(**conversation), headers=ALPHA)


def test_item_reads_of_another_tenant_or_no_conversation_are_404(
    clients: tuple[TestClient, TestClient], conversation: dict[str, Any]
) -> None:
    base = f"/v1/conversations/{conversation['c']}"
    for path in (f"{base}/items/{conversation['i0']}", f"{base}/items"):
        assert same(clients, "GET", path, headers=BETA).status_code == 404
    assert same(clients, "GET", "/v1/conversations/conv_nope/items", headers=ALPHA).status_code == 404


BAD_ITEM_CREATES: list[dict[str, Any]] = [
    {"json": {}},
    {"json": {"items": []}},
    {"json": {"items": [{"role": "critic", "content": "x"}]}},
    {"json": {"items": [{"type": "function_call_output", "call_id": "c", "output": "o", "x": 10**30}]}},
    {"json": {"items": [{"role": "user", "content": "x"}], "surprise": 1}},
    {"json": [1, 2]},
    *not_json(b"items=1"),
]


@pytest.mark.parametrize("request_", BAD_ITEM_CREATES)
def test_refused_item_creates_answer_as_the_routes(
    clients: tuple[TestClient, TestClient], conversation: dict[str, Any], request_: dict[str, Any]
) -> None:
    assert refused(clients, f"/v1/conversations/{conversation['c']}/items", request_) == 400


def test_item_creates_answer_as_the_routes(
    clients: tuple[TestClient, TestClient], conversation: dict[str, Any]
) -> None:
    fast, plain = clients
    path = f"/v1/conversations/{conversation['c']}/items"
    body = {
        "items": [{"role": "user", "content": "hi"}, {"type": "function_call_output", "call_id": "c1", "output": "ok"}]
    }
    a, b = fast.post(path, json=body, headers=ALPHA), plain.post(path, json=body, headers=ALPHA)
    assert a.status_code == b.status_code == 200
    strip = [{k: v for k, v in item.items() if k != "id"} for item in a.json()["data"]]
    assert strip == [{k: v for k, v in item.items() if k != "id"} for item in b.json()["data"]]
    assert same(clients, "POST", "/v1/conversations/conv_nope/items", json=body, headers=ALPHA).status_code == 404
    assert same(clients, "POST", path, json=body, headers=BETA).status_code == 404
