"""/readyz tells how the projection worker is doing, and the worker inside `msgstore serve` outlives an outage."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import httpx
import pytest

from tests.support import waiting
from tests.support.private_postgres import PrivatePostgres
from tests.support.servers import Server, StartServer

ALPHA = {"Authorization": "Bearer sk-test-alpha"}
seconds_until = partial(waiting.seconds_until, not_yet=(httpx.HTTPError,))  # a failure to ask is not yet


def ready(server: Server) -> httpx.Response:
    return httpx.get(server.root + "/readyz", timeout=30)


def test_readyz_reports_the_worker_and_how_long_since_each_projection_moved(server: Server) -> None:
    thread = httpx.post(server.base_url + "/threads", headers=ALPHA, json={}, timeout=30).json()
    assert thread["object"] == "thread"

    def analytics_caught_up() -> bool:
        return bool(ready(server).json()["projections"]["analytics"]["lag"] == 0)

    seconds_until(analytics_caught_up, "the worker applies the new thread")
    report = ready(server).json()
    assert report["ready"] is True and report["stalled"] == []
    assert report["worker"]["state"] == "running" and report["worker"]["last_error"] is None
    assert report["worker"]["heartbeat_age"] < 10
    assert report["projections"]["analytics"]["seconds_since_batch"] is not None


@pytest.mark.postgres
@pytest.mark.slow
def test_the_worker_of_a_server_outlives_a_database_outage(
    start_server: StartServer, private_postgres: PrivatePostgres
) -> None:
    server = start_server(private_postgres.create_database())
    try:
        with httpx.Client(base_url=server.base_url, headers=ALPHA, timeout=30) as http:
            thread = http.post("/threads", json={"messages": [{"role": "user", "content": "before"}]}).json()
            private_postgres.outage(2.0)
            back = seconds_until(lambda: ready(server).status_code == 200, "/readyz says ready again")
            seconds_until(
                lambda: (
                    http.post(
                        f"/threads/{thread['id']}/messages", json={"role": "user", "content": "after"}
                    ).status_code
                    == 200
                ),
                "a write succeeds",
            )

        def applied() -> bool:
            report: dict[str, Any] = ready(server).json()
            return bool(report["projections"]["analytics"]["lag"] == 0 and report["worker"]["state"] == "running")

        caught_up = seconds_until(applied, "the server's worker applies what came after the outage")
        print(f"2 s outage: /readyz 200 {back:.2f} s after the restart, analytics caught up {caught_up:.2f} s later")
    finally:
        server.stop()
    logged = [json.loads(line)["event"] for line in server.log().splitlines() if line.startswith('{"event":"worker_')]
    # At most one line as the outage began and one as it ended: a worker waiting for a pooled connection all
    # through a short outage sees no error at all (and finds its lock gone at its next heartbeat).
    assert logged.count("worker_retrying") == logged.count("worker_recovered") <= 1
    assert logged.count("worker_lock_lost") <= 1
