"""The Idempotency-Key header over HTTP: a retry answers the first result and records nothing new."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from openai import OpenAI

from tests.support.servers import Server


@pytest.fixture
def thread_id(http: httpx.Client) -> str:
    return str(http.post("/v1/threads", json={}).json()["id"])


def listed(http: httpx.Client, thread_id: str) -> list[str]:
    return [m["id"] for m in http.get(f"/v1/threads/{thread_id}/messages", params={"limit": 100}).json()["data"]]


def test_a_retried_create_answers_the_first_result(http: httpx.Client, thread_id: str) -> None:
    key = {"Idempotency-Key": f"create-{thread_id}"}
    body = {"role": "user", "content": "once"}
    first = http.post(f"/v1/threads/{thread_id}/messages", json=body, headers=key)
    again = http.post(f"/v1/threads/{thread_id}/messages", json=body, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
    assert listed(http, thread_id) == [first.json()["id"]]


def test_a_retried_thread_create_and_delete(http: httpx.Client) -> None:
    key = {"Idempotency-Key": "thread-" + http.post("/v1/threads", json={}).json()["id"]}
    first = http.post("/v1/threads", json={"metadata": {"a": "1"}}, headers=key)
    assert http.post("/v1/threads", json={"metadata": {"a": "1"}}, headers=key).json() == first.json()
    thread_id = first.json()["id"]
    delete = {"Idempotency-Key": f"delete-{thread_id}"}
    gone = http.delete(f"/v1/threads/{thread_id}", headers=delete)
    again = http.delete(f"/v1/threads/{thread_id}", headers=delete)
    assert gone.json() == again.json() == {"id": thread_id, "object": "thread.deleted", "deleted": True}
    assert http.delete(f"/v1/threads/{thread_id}").status_code == 404  # without the key: it is gone


def test_a_key_reused_for_another_request_is_refused(http: httpx.Client, thread_id: str) -> None:
    key = {"Idempotency-Key": f"reuse-{thread_id}"}
    http.post(f"/v1/threads/{thread_id}/messages", json={"role": "user", "content": "a"}, headers=key)
    for path, body in (
        (f"/v1/threads/{thread_id}/messages", {"role": "user", "content": "b"}),
        (f"/v1/threads/{thread_id}", {"metadata": {}}),
    ):
        response = http.post(path, json=body, headers=key)
        assert response.status_code == 400
        error = response.json()["error"]
        assert (error["type"], error["param"], error["code"]) == (
            "invalid_request_error",
            "Idempotency-Key",
            "idempotency_key_reused",
        )
    assert len(listed(http, thread_id)) == 1


def test_keys_are_per_tenant(http: httpx.Client, server: Server, thread_id: str) -> None:
    key = {"Idempotency-Key": f"tenant-{thread_id}"}
    mine = http.post("/v1/threads", json={}, headers=key).json()
    with httpx.Client(base_url=server.root, headers={"Authorization": "Bearer sk-test-beta"}, timeout=30) as beta:
        theirs = beta.post("/v1/threads", json={}, headers=key)
    assert theirs.status_code == 200 and theirs.json()["id"] != mine["id"]
    assert "idempotent-replayed" not in theirs.headers


def test_an_invalid_key_is_400(http: httpx.Client, thread_id: str) -> None:
    response = http.post(f"/v1/threads/{thread_id}", json={}, headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "Idempotency-Key"
    assert response.json()["error"]["code"] == "invalid_value"


def test_concurrent_duplicates_record_one_message(server: Server, thread_id: str) -> None:
    key = {"Idempotency-Key": f"burst-{thread_id}", "Authorization": "Bearer sk-test-alpha"}

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.root, headers=key, timeout=60) as c:
            return c.post(f"/v1/threads/{thread_id}/messages", json={"role": "user", "content": "dup"})

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(8)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["id"] for r in responses}) == 1
    with httpx.Client(base_url=server.root, headers=key, timeout=30) as c:
        assert listed(c, thread_id) == [responses[0].json()["id"]]


def test_the_sdk_sends_a_key_through_extra_headers(client: OpenAI) -> None:
    thread = client.beta.threads.create()
    headers = {"Idempotency-Key": f"sdk-{thread.id}"}
    first = client.beta.threads.messages.create(thread.id, role="user", content="x", extra_headers=headers)
    again = client.beta.threads.messages.create(thread.id, role="user", content="x", extra_headers=headers)
    assert again == first
    assert [m.id for m in client.beta.threads.messages.list(thread.id)] == [first.id]
