"""Tenants on two shards: each request goes to its key's tenant's database, each shard with its own worker."""

from __future__ import annotations

import httpx
import psycopg
import pytest
from openai import NotFoundError, OpenAI

from tests.support import waiting
from tests.support.private_postgres import PrivatePostgres
from tests.support.servers import Server, StartServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def threads_in(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {row[0] for row in conn.execute("SELECT thread_id FROM threads_view").fetchall()}


def sdk(server: Server, key: str) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key=key, max_retries=0)


def test_each_tenant_writes_and_reads_its_own_shard_only(
    private_postgres: PrivatePostgres, start_server: StartServer
) -> None:
    alpha_db, other_db = private_postgres.create_database(), private_postgres.create_database()
    server = start_server("", env={"MSGSTORE_SHARDS": f"alpha={alpha_db},*={other_db}"}, workers=2)
    with sdk(server, "sk-test-alpha") as alpha, sdk(server, "sk-test-beta") as beta:
        mine = alpha.beta.threads.create(messages=[{"role": "user", "content": "alpha's"}])
        theirs = beta.beta.threads.create(messages=[{"role": "user", "content": "beta's"}])
        assert threads_in(alpha_db) == {mine.id} and threads_in(other_db) == {theirs.id}
        for n in range(10):
            alpha.beta.threads.messages.create(mine.id, role="user", content=f"a{n}")
            beta.conversations.items.create(
                theirs.id.replace("thread_", "conv_"), items=[{"type": "message", "role": "user", "content": f"b{n}"}]
            )
        assert len(alpha.beta.threads.messages.list(mine.id, limit=100).data) == 11
        assert len(beta.conversations.items.list(theirs.id.replace("thread_", "conv_"), limit=100).data) == 11
        with pytest.raises(NotFoundError):
            beta.beta.threads.retrieve(mine.id)
        with pytest.raises(NotFoundError):
            alpha.beta.threads.messages.list(theirs.id)
    headers = {"Authorization": "Bearer sk-test-alpha"}
    events = httpx.get(f"{server.base_url}/threads/{mine.id}/events?limit=100", headers=headers, timeout=30).json()
    assert len(events["data"]) == 12

    def both_workers_caught_up() -> bool:
        report = httpx.get(server.root + "/readyz", timeout=30).json()
        shards = report["shards"]
        return bool(report["ready"]) and all(s["projections"]["analytics"]["lag"] == 0 for s in shards.values())

    waiting.seconds_until(both_workers_caught_up, "each shard's worker applies its own events")
    assert set(httpx.get(server.root + "/readyz", timeout=30).json()["shards"]) == {"alpha", "*"}
    scraped = httpx.get(server.root + "/metrics", timeout=30).text  # every shard's projections, labelled
    assert 'msgstore_event_log_head{shard="alpha"} 12.0' in scraped
    assert 'msgstore_projection_lag_events{mode="async",projection="analytics",shard="*"} 0.0' in scraped


def test_a_key_whose_tenant_is_in_no_shard_stops_the_start(
    private_postgres: PrivatePostgres, start_server: StartServer
) -> None:
    with pytest.raises(RuntimeError, match="Tenant 'beta' is in no shard"):
        start_server("", env={"MSGSTORE_SHARDS": f"alpha={private_postgres.create_database()}"})
