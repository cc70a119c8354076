"""The operator's commands across shards: status, rebuild, verify, export and analytics (summed), per shard."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner, Result

from api.cli.main import cli
from projections.store import MessageStore
from tests.support.keys import TEST_MASTER_KEY, TEST_MASTER_KEY_TEXT
from tests.support.private_postgres import PrivatePostgres
from tests.support.transfer import ALPHA, BETA, text

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def write(url: str, actor: dict[str, str], threads: int) -> None:
    store = MessageStore.open(url, master_key=TEST_MASTER_KEY)
    try:
        for _ in range(threads):
            created = store.create_thread(actor, metadata={}, tool_resources=None, messages=[text("hi")])
            thread_id = created.result(30).body["id"]
            store.create_message(actor, thread_id, text("again")).result(30)
    finally:
        store.close()


@pytest.fixture
def sharded(private_postgres: PrivatePostgres, tmp_path: Path) -> dict[str, str]:
    """Alpha's three threads in one database, beta's two in the other (the '*' shard)."""
    alpha_db, other_db = private_postgres.create_database(), private_postgres.create_database()
    write(alpha_db, dict(ALPHA), 3)
    write(other_db, dict(BETA), 2)
    return {
        "MSGSTORE_SHARDS": f"alpha={alpha_db},*={other_db}",
        "MSGSTORE_DATA_DIR": str(tmp_path),
        "MSGSTORE_MASTER_KEY": TEST_MASTER_KEY_TEXT,  # the key the stores above wrote with
    }


def msgstore(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def test_projections_run_on_every_shard(sharded: dict[str, str]) -> None:
    rebuilt = msgstore(sharded, "projections", "rebuild", "analytics")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "analytics of shard alpha from" in rebuilt.output and "analytics of shard * from" in rebuilt.output
    verified = msgstore(sharded, "projections", "verify", "messages")
    assert verified.exit_code == 0, verified.output
    assert verified.output.count("matches a fresh build") == 2
    status = msgstore(sharded, "projections", "status", "--json")
    assert status.exit_code == 0, status.output
    report = json.loads(status.stdout)
    assert set(report) == {"alpha", "*"}
    heads = {shard: {p["name"]: p["head"] for p in found}["messages"] for shard, found in report.items()}
    assert heads == {"alpha": 9, "*": 6}  # each shard's own log: three events per thread


def test_analytics_are_summed_across_shards_and_export_reads_each(sharded: dict[str, str]) -> None:
    assert msgstore(sharded, "projections", "rebuild", "analytics").exit_code == 0
    answer = msgstore(sharded, "analytics", "--format", "json")
    assert answer.exit_code == 0, answer.output
    rows = json.loads(answer.stdout)
    assert {row["tenant"]: row["threads_created"] for row in rows} == {"alpha": 3, "beta": 2}
    only_beta = msgstore(sharded, "analytics", "--format", "json", "--tenant", "beta")
    assert [row["tenant"] for row in json.loads(only_beta.stdout)] == ["beta"]
    exported = msgstore(sharded, "export")
    assert exported.exit_code == 0, exported.output
    lines = [orjson.loads(line) for line in exported.stdout.splitlines() if line.startswith("{")]
    assert sorted(line["tenant"] for line in lines) == ["alpha"] * 3 + ["beta"] * 2
    assert all(len(line["messages"]) == 2 for line in lines)


def test_a_command_on_one_database_says_how_to_point_it_at_a_shard(sharded: dict[str, str]) -> None:
    answer = msgstore(sharded, "history", "thread_" + "x" * 24)
    assert answer.exit_code == 1
    assert "MSGSTORE_SHARDS is set and this command works on one database" in answer.output
