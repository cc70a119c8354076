"""Retention: threads idle past their tenant's period are erased by a pass, reported, and erased only once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from typer.testing import CliRunner

from api.cli.main import cli
from api.metrics import ProjectionCollector
from domain.errors import ThreadNotFound
from domain.ids import key_identifier
from projections.crypto.master import MasterKey, new_master_key
from projections.runners.retention import BadRetention, Retention, RetentionPolicy, retention_status
from projections.store import MessageStore

DAY = 86_400


@pytest.fixture
def encrypted(new_database: Callable[[], str]) -> Iterator[MessageStore]:
    opened = MessageStore.open(new_database(), master_key=MasterKey.parse(new_master_key()))
    yield opened
    opened.close()


def threads(store: MessageStore, tenant: str, count: int) -> list[str]:
    actor = {"tenant": tenant, "key_id": key_identifier("sk-" + tenant)}
    futures = [store.create_thread(actor, metadata={"m": "v"}, tool_resources=None, messages=[]) for _ in range(count)]
    return [f.result(30).body["id"] for f in futures]


def live(store: MessageStore, tenant: str, ids: list[str]) -> int:
    found = 0
    for thread_id in ids:
        try:
            store.thread(tenant, thread_id)
            found += 1
        except ThreadNotFound:
            pass
    return found


def test_a_pass_erases_each_tenants_idle_threads_once(encrypted: MessageStore) -> None:
    alpha, beta, gamma = threads(encrypted, "alpha", 3), threads(encrypted, "beta", 2), threads(encrypted, "gamma", 1)
    retention = Retention(encrypted, RetentionPolicy.parse("alpha:1d, default:30d"))
    now = int(time.time())
    assert retention.run_once(now + DAY // 2) == 0
    assert retention.run_once(now + 2 * DAY) == 3
    assert (live(encrypted, "alpha", alpha), live(encrypted, "beta", beta)) == (0, 2)
    assert retention.run_once(now + 2 * DAY) == 0  # erased once, not again
    assert retention.run_once(now + 31 * DAY) == 3
    assert live(encrypted, "beta", beta) + live(encrypted, "gamma", gamma) == 0
    status = retention_status(encrypted.database)
    report = {"policy": "alpha:1d,default:30d", "last_run_at": now + 31 * DAY, "last_erased": 3, "total_erased": 6}
    assert status == report
    events = encrypted.history.events(None, alpha[0], limit=1, order="desc").data
    assert events[0]["type"] == "thread.erased" and events[0]["actor"]["key_id"] == "operator"
    assert events[0]["data"]["reason"].startswith("retention")


@pytest.mark.parametrize("text", ["acme", "acme:90", "acme:0d", ":5d", "acme:5w"])
def test_a_bad_policy_is_refused_with_the_rule_named(text: str) -> None:
    with pytest.raises(BadRetention, match="is not tenant:period"):
        RetentionPolicy.parse(text)


def test_status_and_metrics_report_the_last_pass(new_database: Callable[[], str], tmp_path: Path) -> None:
    url, key = new_database(), new_master_key()
    store = MessageStore.open(url, master_key=MasterKey.parse(key))
    try:
        threads(store, "alpha", 2)
        Retention(store, RetentionPolicy.parse("alpha:1h")).run_once(int(time.time()) + DAY)
        metrics = b"".join(generate_latest_of(store))
    finally:
        store.close()
    assert b"msgstore_retention_erased_threads 2.0" in metrics
    env = {"MSGSTORE_DATABASE_URL": url, "MSGSTORE_DATA_DIR": str(tmp_path), "MSGSTORE_MASTER_KEY": key}
    result = CliRunner().invoke(cli, ["projections", "status"], env=env)
    assert result.exit_code == 0, result.output
    assert "retention alpha:3600s: last pass" in result.output and "erased 2 threads (2 in all)" in result.output


def generate_latest_of(store: MessageStore) -> list[bytes]:
    """The retention families of the metrics, as the exposition text."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ProjectionCollector(store))
    return [generate_latest(registry)]
