"""What operators and analysts see over HTTP: /metrics, /readyz by projection lag, and daily analytics."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from projections.registry import async_projections
from projections.runners.worker import ProjectionWorker
from projections.store import MessageStore
from tests.support.keys import TEST_MASTER_KEY
from tests.support.servers import Server, StartServer

ALPHA = {"Authorization": "Bearer sk-test-alpha"}
BETA = {"Authorization": "Bearer sk-test-beta"}

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
"""Sample values by name and sorted labels."""


def metrics(server: Server) -> Samples:
    """Every sample of /metrics by (name, sorted labels), parsed by the Prometheus text parser."""
    response = httpx.get(server.root + "/metrics", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return float(sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls)))


def eventually(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


def test_metrics_parse_and_count_requests_by_route_template(server: Server, http: httpx.Client) -> None:
    thread = http.post("/v1/threads", json={"messages": [{"role": "user", "content": "hi"}]}).json()
    for _ in range(3):
        assert http.get(f"/v1/threads/{thread['id']}").status_code == 200
    assert http.get("/v1/threads/thread_nope").status_code == 404
    samples = metrics(server)
    route = "/v1/threads/{thread_id}"
    assert value(samples, "msgstore_http_requests_total", route=route, status="200", method="GET") >= 3
    assert value(samples, "msgstore_http_requests_total", route=route, status="404") >= 1
    assert value(samples, "msgstore_http_request_duration_seconds_count", route=route, status="200") >= 3
    assert not [ls for _, ls in samples if "/thread_" in dict(ls).get("route", "")]  # templates, never ids
    assert value(samples, "msgstore_write_batch_events_count") >= 1
    assert value(samples, "msgstore_write_batch_events_sum") >= 2  # the thread and its message
    for name in ("msgstore_projection_position", "msgstore_projection_lag_events", "msgstore_projection_lag_seconds"):
        assert {dict(ls)["projection"] for n, ls in samples if n == name} >= {"messages", "analytics"}
    assert value(samples, "msgstore_event_log_head") >= 2


def test_metrics_of_several_server_processes_add_up(start_server: StartServer, new_database: Callable[[], str]) -> None:
    server = start_server(new_database(), workers=2)
    try:
        with httpx.Client(base_url=server.root, headers=ALPHA, timeout=30) as c:
            for _ in range(20):
                assert c.get("/v1/threads/thread_missing").status_code == 404
        for _ in range(4):  # whichever process answers, it reports all of them
            samples = metrics(server)
            assert value(samples, "msgstore_http_requests_total", route="/v1/threads/{thread_id}", status="404") == 20
    finally:
        server.stop()  # its connections are not needed by later tests


def test_readyz_fails_while_a_projection_the_api_serves_is_far_behind(
    start_server: StartServer, new_database: Callable[[], str], request: pytest.FixtureRequest
) -> None:
    url = new_database()
    server = start_server(url, env={"MSGSTORE_WORKER": "false", "MSGSTORE_READY_MAX_LAG": "0"})
    request.addfinalizer(server.stop)
    assert httpx.post(server.base_url + "/threads", headers=ALPHA, json={}, timeout=30).status_code == 200
    behind = httpx.get(server.root + "/readyz", timeout=30)
    assert behind.status_code == 503
    assert behind.json()["behind"] == [p.name for p in async_projections() if p.serves_api]  # analytics among them
    store = MessageStore.open(url, master_key=TEST_MASTER_KEY)
    try:
        ProjectionWorker(store.database, store.app, store.signal).catch_up()
    finally:
        store.close()
    assert httpx.get(server.root + "/readyz", timeout=30).status_code == 200


@pytest.fixture(scope="module")
def analytics_server(start_server: StartServer, new_database: Callable[[], str]) -> Iterator[Server]:
    """A server with its in-process worker, on a database of its own: exact counts."""
    server = start_server(new_database())
    yield server
    server.stop()


def test_daily_analytics_are_counted_by_the_worker_and_scoped_to_the_tenant(analytics_server: Server) -> None:
    with httpx.Client(base_url=analytics_server.base_url, headers=ALPHA, timeout=30) as alpha:
        thread = alpha.post("/threads", json={"messages": [{"role": "user", "content": "hello"}]}).json()
        alpha.post(f"/threads/{thread['id']}/messages", json={"role": "assistant", "content": "hi there"})
        gone = alpha.post("/threads", json={}).json()
        alpha.delete(f"/threads/{gone['id']}")

        def counted() -> bool:
            data = alpha.get("/analytics/daily").json()["data"]
            return bool(data) and data[-1]["threads_deleted"] == 1

        eventually(counted, "the worker counts the new events")
        body = alpha.get("/analytics/daily").json()
    assert body["object"] == "list" and body["has_more"] is False
    (today,) = body["data"]
    assert today == {
        "object": "analytics.day",
        "day": today["day"],
        "messages_created": 2,
        "user_messages_created": 1,
        "assistant_messages_created": 1,
        "messages_modified": 0,
        "messages_deleted": 0,
        "threads_created": 2,
        "threads_deleted": 1,
        "text_characters": len("hello") + len("hi there"),
        "active_threads": 2,
    }
    with httpx.Client(base_url=analytics_server.base_url, headers=BETA, timeout=30) as beta:
        assert beta.get("/analytics/daily").json()["data"] == []  # another tenant sees nothing of alpha's
        day = today["day"]
        ranged = beta.get("/analytics/daily", params={"from": day, "to": day})
        assert ranged.status_code == 200
    with httpx.Client(base_url=analytics_server.base_url, headers=ALPHA, timeout=30) as alpha:
        assert alpha.get("/analytics/daily", params={"from": "2000-01-01", "to": "2000-01-02"}).json()["data"] == []
        assert len(alpha.get("/analytics/daily", params={"from": day}).json()["data"]) == 1


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2024-13-01"}, "to"),
        ({"from": "2024-5-1"}, "from"),
        ({"from": ""}, "from"),
        ({"from": "2024-05-02", "to": "2024-05-01"}, "to"),
    ],
)
def test_bad_dates_are_answered_with_openai_errors(
    analytics_server: Server, params: dict[str, str], param: str
) -> None:
    response = httpx.get(analytics_server.base_url + "/analytics/daily", params=params, headers=ALPHA, timeout=30)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["code"] == "invalid_value"
    assert param in error["message"]


def test_analytics_need_a_key(analytics_server: Server) -> None:
    response = httpx.get(analytics_server.base_url + "/analytics/daily", timeout=30)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
