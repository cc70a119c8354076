"""The lean path for a streamed reply's deltas answers exactly as the route does, refusals included."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

KEYS = "sk-delta-alpha:alpha,sk-delta-beta:beta:runtime,sk-delta-runtime:alpha:runtime"
ALPHA = {"Authorization": "Bearer sk-delta-alpha"}
BETA = {"Authorization": "Bearer sk-delta-beta"}
RUNTIME = {"Authorization": "Bearer sk-delta-runtime"}
REPLY = {"role": "assistant", "content": "", "status": "in_progress", "assistant_id": "asst_1"}


def replies(client: TestClient) -> tuple[str, str, str]:
    """A thread of alpha with two replies in progress: its id, and the replies' paths."""
    thread_id = client.post("/v1/threads", json={}, headers=ALPHA).json()["id"]
    path = f"/v1/threads/{thread_id}/messages"
    one, two = (client.post(path, json=REPLY, headers=RUNTIME).json()["id"] for _ in range(2))
    return thread_id, f"{path}/{one}/deltas", f"{path}/{two}/deltas"


def text(index: int, value: str) -> dict[str, Any]:
    return {"index": index, "type": "text", "text": {"value": value}}


def test_deltas_answer_as_the_route(clients: tuple[TestClient, TestClient]) -> None:
    fast, plain = clients
    _, one, two = replies(fast)
    for delta in (
        [text(0, "Hel")],
        [text(0, "lo")],
        [text(1, "more"), {"index": 2, "type": "refusal", "refusal": "no"}],
    ):
        a = fast.post(one, json={"content": delta}, headers=RUNTIME)
        b = plain.post(two, json={"content": delta}, headers=RUNTIME)
        assert a.status_code == b.status_code == 200
        assert {k: v for k, v in a.json().items() if k != "id"} == {k: v for k, v in b.json().items() if k != "id"}
    assert a.json()["content"][0]["text"]["value"] == "Hello"


REFUSED = [
    {"json": {"content": [text(5, "gap")]}},
    {"json": {"content": [{"index": 0, "type": "video"}]}},
    {"json": {"content": []}},
    {"json": {"content": [text(0, "x")], "extra": 1}},
    {"json": {"content": [text(0, "x")]}, "headers": ALPHA},
    {"json": {"content": [text(0, "x")]}, "headers": BETA},
    {"content": b"not json", "headers": RUNTIME | {"Content-Type": "application/json"}},
    {"content": b"[1]", "headers": RUNTIME | {"Content-Type": "application/json"}},
]


@pytest.mark.parametrize("request_", REFUSED)
def test_refused_deltas_answer_as_the_route(clients: tuple[TestClient, TestClient], request_: dict[str, Any]) -> None:
    fast, plain = clients
    _, one, _ = replies(fast)
    sent = {"headers": RUNTIME} | request_
    a, b = fast.post(one, **sent), plain.post(one, **sent)
    assert a.status_code == b.status_code != 200 and a.json() == b.json()


def test_deltas_to_no_message_or_a_completed_one_are_refused_alike(clients: tuple[TestClient, TestClient]) -> None:
    fast, plain = clients
    thread_id, one, _ = replies(fast)
    body = {"content": [text(0, "x")]}
    missing = f"/v1/threads/{thread_id}/messages/msg_nope/deltas"
    a, b = fast.post(missing, json=body, headers=RUNTIME), plain.post(missing, json=body, headers=RUNTIME)
    assert a.status_code == b.status_code == 404 and a.json() == b.json()
    fast.post(one.removesuffix("/deltas") + "/complete", headers=RUNTIME)
    a, b = fast.post(one, json=body, headers=RUNTIME), plain.post(one, json=body, headers=RUNTIME)
    assert a.status_code == b.status_code == 400 and a.json() == b.json()
