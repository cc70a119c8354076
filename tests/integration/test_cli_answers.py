"""What the CLI answers when there is nothing to show, when an option is wrong, and in an 80-column terminal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from api.cli.main import cli
from domain.ids import key_identifier
from projections.registry import projection
from projections.runners.up_to_date import UpToDate
from projections.store import MessageStore
from tests.support.keys import TEST_MASTER_KEY
from tests.support.threads import write_thread

BIG = {"tenant": "a-tenant-with-a-long-name", "key_id": key_identifier("sk-cli-answers")}


@pytest.fixture(scope="module")
def populated(new_database: Callable[[], str]) -> dict[str, Any]:
    """A store with one thread of many messages, and the analytics projection caught up with it."""
    url = new_database()
    store = MessageStore.open(url, master_key=TEST_MASTER_KEY)
    try:
        thread_id = write_thread(store, BIG, 1234)
        UpToDate(store.database, store.app, projection("analytics")).ensure()
        (row,) = [r for r in store.history.events(None, thread_id, limit=1, order="asc").data]
    finally:
        store.close()
    return {"url": url, "thread": thread_id, "created": row["recorded_at"]}


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys a command keeps in its data directory go to the test's folder, not the current one."""
    monkeypatch.setenv("MSGSTORE_DATA_DIR", str(tmp_path / "data"))


def run(populated: dict[str, Any], *args: str, columns: int = 200) -> Result:
    env = {"MSGSTORE_DATABASE_URL": populated["url"], "COLUMNS": str(columns), "TERM": "dumb"}
    return CliRunner().invoke(cli, list(args), env=env)


def said(result: Result) -> str:
    return " ".join(result.stderr.split())


def test_the_history_of_a_message_that_never_was_says_so(populated: dict[str, Any]) -> None:
    result = run(populated, "history", populated["thread"], "--message", "msg_nope")
    assert result.exit_code == 1 and result.stdout == ""
    assert f"No message found with id 'msg_nope' in thread '{populated['thread']}'" in said(result)


def test_a_replay_before_the_thread_existed_names_the_option_and_the_creation(populated: dict[str, Any]) -> None:
    result = run(populated, "replay", populated["thread"], "--as-of", "2001-02-03T04:05:06Z")
    assert result.exit_code == 1 and result.stdout == ""
    expected = f"did not exist yet at --as-of 2001-02-03T04:05:06.000000Z: it was created at {populated['created']}."
    assert expected in said(result)


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["export-events", "--since", "bad"], "--since"),
        (["export-events", "--since", "2024-05-01T12:00:00"], "--since"),
        (["replay", "thread_x", "--as-of", "bad"], "--as-of"),
    ],
)
def test_a_bad_instant_names_the_option_not_the_api_parameter(
    populated: dict[str, Any], command: list[str], option: str
) -> None:
    result = run(populated, *command)
    assert result.exit_code == 1 and result.stdout == ""
    assert f"Invalid {option}:" in said(result) and "as_of" not in said(result)


def test_analytics_refuses_a_range_that_ends_before_it_starts(populated: dict[str, Any]) -> None:
    result = run(populated, "analytics", "--from", "2026-12-05", "--to", "2026-12-01")
    assert result.exit_code == 2 and result.stdout == ""
    assert "--from 2026-12-05 is after --to 2026-12-01" in said(result)
    bad = run(populated, "analytics", "--to", "december")
    assert bad.exit_code == 2 and "Invalid --to 'december'" in said(bad)


def test_analytics_says_when_there_is_nothing_and_refuses_an_unknown_tenant(populated: dict[str, Any]) -> None:
    empty = run(populated, "analytics", "--from", "1999-01-01", "--to", "1999-01-31")
    assert empty.exit_code == 0 and empty.stdout == ""
    assert "No activity recorded from 1999-01-01 to 1999-01-31." in said(empty)
    as_json = run(populated, "analytics", "--from", "19990101", "--format", "json", "--to", "1999-01-31")
    assert as_json.exit_code == 0 and as_json.stdout.strip() == "[]"
    unknown = run(populated, "analytics", "--tenant", "a-tenant-with-a-typo")
    assert unknown.exit_code == 1 and unknown.stdout == ""
    assert "No activity was ever recorded for tenant 'a-tenant-with-a-typo'." in said(unknown)
    assert BIG["tenant"] in said(unknown)


@pytest.mark.parametrize("columns", [200, 80, 40])
def test_the_analytics_table_fits_the_terminal_without_cutting_a_value(
    populated: dict[str, Any], columns: int
) -> None:
    result = run(populated, "analytics", columns=columns)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= columns
    assert "…" not in result.stdout
    assert f"tenant {BIG['tenant']}" in lines
    day = populated["created"][:10]
    assert any(line.split()[:3] == [day, "1,234", "1,234"] for line in lines) or f"{day}  new msgs 1,234" in lines
    assert "6,170" in result.stdout  # "hello" 1,234 times
