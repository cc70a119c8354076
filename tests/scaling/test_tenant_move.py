"""A tenant moved between shards under load: every acknowledged write kept, the same ids, versions and history."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from openai import OpenAI
from typer.testing import CliRunner

from api.cli.main import cli
from tests.support import waiting
from tests.support.pgbouncer import PgBouncer
from tests.support.private_postgres import PrivatePostgres
from tests.support.replica import StreamingReplica
from tests.support.servers import KEYS, Server, StartServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

GAMMA = {"Authorization": "Bearer sk-test-gamma"}


def get(http: httpx.Client, path: str) -> Any:
    """A read as a client makes it: a 503 (a process learning of the move, Retry-After: 0) is sent again."""
    for _ in range(5):
        answer = http.get(path)
        if answer.status_code != 503:
            assert answer.status_code == 200, answer.text
            return answer.json()
    raise AssertionError(f"{path}: still 503")


def every(http: httpx.Client, path: str) -> list[Any]:
    """Every item of a list, page after page (oldest first)."""
    items: list[Any] = []
    after = ""
    while True:
        page = get(http, f"{path}?limit=100&order=asc{after}")
        items += page["data"]
        if not page["has_more"]:
            return items
        after = f"&after={page['last_id']}"


def first_event(http: httpx.Client, path: str) -> str:
    """The first event of a stream, as its lines; a 503 (a process learning of the move) is sent again."""
    for _ in range(5):
        with http.stream("GET", path) as answer:
            if answer.status_code == 503:
                continue
            assert answer.status_code == 200
            lines: list[str] = []
            for line in answer.iter_lines():
                if not line and lines:
                    return "\n".join(lines) + "\n"
                if line:
                    lines.append(line)
    raise AssertionError(f"{path}: still 503")


def threads_in(url: str, tenant: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT thread_id FROM threads_view WHERE tenant = %s", (tenant,)).fetchall()
    return {row[0] for row in rows}


class Writing:
    """Gamma's SDK client appending messages to its thread until stopped; what it was told was recorded."""

    def __init__(self, server: Server, thread_id: str) -> None:
        self.acknowledged: list[str] = []
        self.failures: list[str] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(server, thread_id))
        self.thread.start()

    def _run(self, server: Server, thread_id: str) -> None:
        with OpenAI(base_url=server.base_url, api_key="sk-test-gamma", max_retries=10) as client:
            n = 0
            while not self.stopping.is_set() or n < 5:
                try:
                    created = client.beta.threads.messages.create(thread_id, role="user", content=f"w{n}")
                except Exception as e:
                    self.failures.append(repr(e))
                    return
                self.acknowledged.append(created.id)
                listed = client.beta.threads.messages.list(thread_id, order="desc", limit=1)
                if listed.data[0].id != created.id:  # read-your-writes, across the move too
                    self.failures.append(f"read {listed.data[0].id} after writing {created.id}")
                n += 1

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(120)


@pytest.fixture(params=["direct", "pooled, replicas"])
def topology(request: pytest.FixtureRequest, private_postgres: PrivatePostgres) -> Iterator[dict[str, str]]:
    """Two shard databases and the settings that reach them: directly, or through PgBouncer in transaction mode
    with each shard read from a streaming replica."""
    first, second = private_postgres.create_database(), private_postgres.create_database()
    keys = ",".join(f"{k}:{v}" for k, v in {**KEYS, "sk-test-gamma": "gamma"}.items())
    if request.param == "direct":
        yield {"first": first, "second": second, "MSGSTORE_API_KEYS": keys}
        return
    replica: StreamingReplica = request.getfixturevalue("replica")
    pooler = PgBouncer(private_postgres, pool_size=8)
    try:
        yield {
            "first": first,
            "second": second,
            "MSGSTORE_API_KEYS": keys,
            "pooled_first": pooler.url(first),
            "pooled_second": pooler.url(second),
            "MSGSTORE_READ_URLS": f"alpha={replica.database(first)},*={replica.database(second)}",
            "MSGSTORE_POOL_MODE": "transaction",
        }
    finally:
        pooler.stop()


def test_a_tenant_moves_under_load_and_keeps_every_answer(topology: dict[str, str], start_server: StartServer) -> None:
    first, second = topology.pop("first"), topology.pop("second")
    a, b = topology.pop("pooled_first", first), topology.pop("pooled_second", second)
    env = {"MSGSTORE_SHARDS": f"alpha={a},gamma={a},*={b}", **topology}
    server = start_server("", env=env, workers=2)
    with httpx.Client(base_url=server.base_url, headers=GAMMA, timeout=30) as http:
        thread_id = http.post("/threads", json={"messages": [{"role": "user", "content": "before"}]}).json()["id"]
        for n in range(20):
            http.post(f"/threads/{thread_id}/messages", json={"role": "user", "content": f"m{n}"})
        before = {
            "events": http.get(f"/threads/{thread_id}/events?limit=100&order=asc").json()["data"],
            "messages": http.get(f"/threads/{thread_id}/messages?limit=100&order=asc").json()["data"],
            "thread": http.get(f"/threads/{thread_id}").json(),
        }
        assert threads_in(first, "gamma") == {thread_id} and threads_in(second, "gamma") == set()
        writing = Writing(server, thread_id)
        moved = CliRunner().invoke(
            cli, ["tenants", "move", "gamma", "--to", "*"], env=env | {"MSGSTORE_DATA_DIR": str(server.data_dir)}
        )
        writing.stop()
        assert moved.exit_code == 0, moved.output
        assert "Moved gamma" in moved.output
        assert writing.failures == []
        assert threads_in(second, "gamma") == {thread_id}
        after = {
            "events": every(http, f"/threads/{thread_id}/events"),
            "messages": every(http, f"/threads/{thread_id}/messages"),
            "thread": get(http, f"/threads/{thread_id}"),
        }
        assert after["events"][: len(before["events"])] == before["events"]
        assert after["messages"][: len(before["messages"])] == before["messages"]
        written = [m["id"] for m in after["messages"][len(before["messages"]) :]]
        assert written == writing.acknowledged  # each acknowledged write once, in order, nothing else
        assert [e["version"] for e in after["events"]] == list(range(1, len(after["events"]) + 1))
        assert after["thread"]["id"] == before["thread"]["id"]
        # Both processes send gamma to the new shard now; the other tenants stay where they were.
        for _ in range(4):
            get(http, f"/threads/{thread_id}/messages?limit=1")
        for _ in range(4):  # a stream follows the thread on its new shard, from its first event
            assert first_event(http, f"/threads/{thread_id}/stream").startswith("id: 1\n")
    with OpenAI(base_url=server.base_url, api_key="sk-test-alpha", max_retries=0) as alpha:
        mine = alpha.beta.threads.create()
    assert threads_in(first, "alpha") == {mine.id}

    def caught_up() -> bool:
        report = httpx.get(server.root + "/readyz", timeout=30).json()
        return all(p["lag"] == 0 for shard in report["shards"].values() for p in shard["projections"].values())

    waiting.seconds_until(caught_up, "each shard's worker applies its events, the copied ones too")
    cli_env = env | {"MSGSTORE_DATA_DIR": str(server.data_dir)}
    exported = CliRunner().invoke(cli, ["export", "--tenant", "gamma"], env=cli_env)
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in exported.stdout.splitlines() if line.startswith("{")]
    assert [line["id"] for line in lines] == [thread_id.replace("thread_", "conv_")]
    analytics = CliRunner().invoke(cli, ["analytics", "--format", "json"], env=cli_env)
    assert analytics.exit_code == 0, analytics.output
    created = {row["tenant"]: row["threads_created"] for row in json.loads(analytics.stdout)}
    assert created["gamma"] == 1  # counted on its new shard only, not on the one it left as well
    later = start_server("", env=env)  # a process started after the move learns it from the shards
    answer = httpx.get(f"{later.base_url}/threads/{thread_id}/messages?limit=1", headers=GAMMA, timeout=30)
    assert answer.status_code == 200 and answer.json()["data"][0]["id"] == writing.acknowledged[-1]
