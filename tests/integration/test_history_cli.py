"""The audit commands on a populated store: history, replay and export-events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner, Result

from api.cli.main import cli
from domain.ids import key_identifier
from projections.history.queries import PointInTime
from projections.store import MessageStore, NewMessage
from tests.support.keys import TEST_MASTER_KEY

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-cli-alpha")}
BETA = {"tenant": "beta", "key_id": key_identifier("sk-cli-beta")}


def text(value: str) -> NewMessage:
    return NewMessage(role="user", content=[{"type": "text", "text": {"value": value, "annotations": []}}])


@pytest.fixture(scope="module")
def populated(new_database: Callable[[], str]) -> dict[str, Any]:
    """A store with an edited and deleted message in alpha's thread, and a thread of beta's."""
    url = new_database()
    store = MessageStore.open(url, master_key=TEST_MASTER_KEY)
    try:
        thread_id = store.create_thread(ALPHA, metadata={"case": "1"}, tool_resources=None, messages=[text("hello")])
        t = thread_id.result(timeout=30).body["id"]
        m = store.create_message(ALPHA, t, text("[bold]the refund is 40 EUR[/]")).result(timeout=30).body["id"]
        store.modify_message(ALPHA, t, m, metadata={"flag": "pii"}).result(timeout=30)
        store.delete_message(ALPHA, t, m).result(timeout=30)
        other = store.create_thread(BETA, metadata={}, tool_resources=None, messages=[text("beta")])
        b = other.result(timeout=30).body["id"]
        events = store.history.events(None, t, limit=100, order="asc").data
        at_3 = store.history.messages_at(None, t, PointInTime(version=3), limit=100, order="asc").data
    finally:
        store.close()
    return {"url": url, "thread": t, "message": m, "beta": b, "events": events, "at_3": at_3}


def run(populated: dict[str, Any], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"MSGSTORE_DATABASE_URL": populated["url"]})


def test_history_prints_a_readable_timeline(populated: dict[str, Any]) -> None:
    result = run(populated, "history", populated["thread"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    for expected in ("thread.created", "thread.message.modified", "thread.message.deleted", ALPHA["key_id"]):
        assert expected in out
    assert 'metadata {} → {"flag":"pii"}' in out
    assert "[bold]the refund is 40 EUR[/]" in out  # shown as written, not as markup


def test_history_of_one_message_as_json_lines(populated: dict[str, Any]) -> None:
    result = run(populated, "history", populated["thread"], "--message", populated["message"], "--json")
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [e["type"] for e in lines] == ["thread.message.created", "thread.message.modified", "thread.message.deleted"]
    assert lines == [e for e in populated["events"] if e["message_id"] == populated["message"]]


def test_replay_shows_the_thread_as_it_was(populated: dict[str, Any]) -> None:
    at_time = populated["events"][2]["recorded_at"]  # the second message was just created
    for how in (["--version", "3"], ["--as-of", at_time]):
        result = run(populated, "replay", populated["thread"], *how, "--json")
        assert result.exit_code == 0, result.output
        replayed = orjson.loads(result.stdout)
        assert replayed["messages"] == populated["at_3"] and replayed["thread"]["metadata"] == {"case": "1"}
    readable = run(populated, "replay", populated["thread"], "--version", "3")
    assert "the refund is 40 EUR" in readable.stdout and "2 messages" in readable.stdout
    now = run(populated, "replay", populated["thread"], "--as-of", "2999-01-01T00:00:00Z")
    assert "the refund" not in now.stdout and "1 message)" in now.stdout


def test_replay_refuses_what_it_cannot_answer(populated: dict[str, Any]) -> None:
    before = run(populated, "replay", populated["thread"], "--as-of", "2000-01-01T00:00:00Z")
    said = " ".join(before.stderr.split())
    assert before.exit_code == 1 and f"Thread '{populated['thread']}' did not exist yet at --as-of 2000-01-01" in said
    assert run(populated, "replay", populated["thread"]).exit_code == 2
    bad = run(populated, "replay", populated["thread"], "--as-of", "soon")
    assert bad.exit_code == 1 and "Invalid --as-of" in bad.stderr and "as_of" not in bad.stderr


def test_export_streams_json_lines_by_tenant_and_time(populated: dict[str, Any], tmp_path: Any) -> None:
    everything = run(populated, "export-events")
    assert everything.exit_code == 0  # no progress bar off a terminal: which database, and how many
    assert everything.stderr.splitlines()[1:] == [f"Exported {len(everything.stdout.splitlines())} events."]
    lines = [orjson.loads(line) for line in everything.stdout.splitlines()]
    assert {e["thread_id"] for e in lines} == {populated["thread"], populated["beta"]}
    assert [e for e in lines if e["thread_id"] == populated["thread"]] == populated["events"]
    beta = [orjson.loads(x) for x in run(populated, "export-events", "--tenant", "beta").stdout.splitlines()]
    assert {e["thread_id"] for e in beta} == {populated["beta"]} and len(beta) == 2
    cut = populated["events"][3]["recorded_at"]
    target = tmp_path / "events.jsonl"
    assert run(populated, "export-events", "--since", cut, "-o", str(target)).exit_code == 0
    since = [orjson.loads(x) for x in target.read_bytes().splitlines()]
    assert populated["events"][3] in since and populated["events"][2] not in since
    assert all(e["recorded_at"] >= cut for e in since)
