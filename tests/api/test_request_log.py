"""One structured log line per request, labelled by route template, never by key or content."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from tests.support.servers import Server


def _lines(server: Server, request_ids: set[str]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        found = []
        for line in server.log().splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                if entry.get("event") == "request" and entry["request_id"] in request_ids:
                    found.append(entry)
        if len(found) == len(request_ids):
            break
        time.sleep(0.05)
    return found


def test_every_request_is_logged_with_its_route_template(server: Server, http: httpx.Client) -> None:
    secret = "do-not-log-this-content"
    thread = http.post("/v1/threads", json={}).json()
    created = http.post(f"/v1/threads/{thread['id']}/messages", json={"role": "user", "content": secret})
    listed = http.get(f"/v1/threads/{thread['id']}/messages", params={"limit": 5})
    retrieved = http.get(f"/v1/threads/{thread['id']}/messages/{created.json()['id']}")
    missing = http.get("/v1/threads/thread_nope")
    responses = [created, listed, retrieved, missing]
    ids = {r.headers["x-request-id"] for r in responses}

    entries = {e["request_id"]: e for e in _lines(server, ids)}

    expected = [
        ("POST", "/v1/threads/{thread_id}/messages", 200),
        ("GET", "/v1/threads/{thread_id}/messages", 200),
        ("GET", "/v1/threads/{thread_id}/messages/{message_id}", 200),
        ("GET", "/v1/threads/{thread_id}", 404),
    ]
    for response, (method, route, status) in zip(responses, expected, strict=True):
        entry = entries[response.headers["x-request-id"]]
        assert (entry["method"], entry["route"], entry["status"]) == (method, route, status)
        assert entry["tenant"] == "alpha"
        assert entry["duration_ms"] >= 0
    log = server.log()
    assert secret not in log
    assert "sk-test-alpha" not in log
