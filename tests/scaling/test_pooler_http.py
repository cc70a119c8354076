"""`msgstore serve` behind PgBouncer in transaction mode: two processes and a worker, through the SDK."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from bench.processes import launch, stop
from tests.support import waiting
from tests.support.pgbouncer import PgBouncer
from tests.support.private_postgres import PrivatePostgres
from tests.support.servers import KEYS, StartServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

POOLED = {"MSGSTORE_POOL_MODE": "transaction", "MSGSTORE_DB_POOL_SIZE": "4"}


def test_two_server_processes_and_their_worker_serve_the_sdk_through_three_server_sessions(
    pgbouncer: PgBouncer, private_postgres: PrivatePostgres, start_server: StartServer
) -> None:
    url = pgbouncer.url(private_postgres.create_database())
    server = start_server(url, env=POOLED, workers=2)
    with OpenAI(base_url=server.base_url, api_key="sk-test-alpha", max_retries=0) as client:
        thread = client.beta.threads.create(metadata={"via": "pgbouncer"})
        for n in range(30):  # each of the two processes prepares nothing however often a statement repeats
            client.beta.threads.messages.create(thread.id, role="user", content=f"m{n}")
        listed = client.beta.threads.messages.list(thread.id, order="asc", limit=100)
        assert [m.content[0].text.value for m in listed.data] == [f"m{n}" for n in range(30)]  # type: ignore[union-attr]
        conversation = client.conversations.items.list(thread.id.replace("thread_", "conv_"), order="asc", limit=100)
        assert len(conversation.data) == 30
    headers = {"Authorization": "Bearer sk-test-alpha"}
    events = httpx.get(f"{server.base_url}/threads/{thread.id}/events?limit=100", headers=headers, timeout=30)
    assert events.status_code == 200 and len(events.json()["data"]) == 31

    def worker_caught_up() -> bool:
        report = httpx.get(server.root + "/readyz", timeout=30).json()
        return bool(report["ready"] and report["projections"]["analytics"]["lag"] == 0)

    waiting.seconds_until(worker_caught_up, "the worker behind the pooler applies every event")
    assert "prepared statement" not in server.log()


def test_a_server_not_told_of_the_pooler_exits_naming_the_setting(
    pgbouncer: PgBouncer, private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    url = pgbouncer.url(private_postgres.create_database())
    env = {
        "MSGSTORE_DATABASE_URL": url,
        "MSGSTORE_API_KEYS": ",".join(f"{k}:{v}" for k, v in KEYS.items()),
        "MSGSTORE_DATA_DIR": str(tmp_path),
    }
    log = tmp_path / "server.log"
    process = launch([sys.executable, "-m", "api.cli.main", "serve", "--port", "0"], env, log)
    try:
        assert process.wait(timeout=60) != 0
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert "MSGSTORE_POOL_MODE=transaction" in log.read_text()


def test_a_standalone_worker_works_through_the_pooler(
    pgbouncer: PgBouncer, private_postgres: PrivatePostgres, start_server: StartServer, tmp_path: Path
) -> None:
    url = pgbouncer.url(private_postgres.create_database())
    server = start_server(url, env=POOLED | {"MSGSTORE_WORKER": "false"})
    worker = launch(
        [sys.executable, "-m", "api.cli.main", "worker"],
        {"MSGSTORE_DATABASE_URL": url, "MSGSTORE_DATA_DIR": str(server.data_dir), **POOLED},
        tmp_path / "worker.log",
    )
    try:
        with OpenAI(base_url=server.base_url, api_key="sk-test-alpha", max_retries=0) as client:
            thread = client.beta.threads.create(messages=[{"role": "user", "content": "hello"}])

        def worker_caught_up() -> bool:
            report = httpx.get(server.root + "/readyz", timeout=30).json()
            return bool(report["projections"]["analytics"]["lag"] == 0 and report["worker"]["state"] == "running")

        waiting.seconds_until(worker_caught_up, "the standalone worker applies the thread through the pooler")
        assert thread.id.startswith("thread_")
    finally:
        stop(worker)
