"""Which store a command uses: said on standard error, and never created by a command that only reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner, Result

from api.auth import DEFAULT_TENANT
from api.cli.import_command import DEFAULT_TENANT as IMPORT_DEFAULT_TENANT
from api.cli.main import cli
from api.cli.stores import describe
from projections.storage.postgres import EVENTS_TABLE
from projections.store import MessageStore
from tests.support.keys import TEST_MASTER_KEY

READ_ONLY = [
    ["projections", "status"],
    ["projections", "status", "--json"],
    ["projections", "verify", "messages"],
    ["projections", "rebuild", "messages"],
    ["history", "thread_x"],
    ["replay", "thread_x", "--version", "1"],
    ["export-events"],
    ["analytics"],
    ["export"],
]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys a command keeps in its data directory go to the test's folder, not the current one."""
    monkeypatch.setenv("MSGSTORE_DATA_DIR", str(tmp_path / "data"))


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"MSGSTORE_DATABASE_URL": url, "COLUMNS": "200"})


@pytest.fixture
def empty(backend: str, new_database: Callable[[], str], tmp_path: Path) -> str:
    """A database with no store in it: a SQLite path in a folder that does not exist, or an empty PostgreSQL one."""
    return f"sqlite:///{tmp_path / 'elsewhere' / 'msgstore.db'}" if backend == "sqlite" else new_database()


def holds_tables(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).parent.exists()
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    return found is not None and found[0] > 0


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_a_read_only_command_refuses_a_missing_store_and_creates_nothing(empty: str, command: list[str]) -> None:
    result = run(empty, *command)
    assert result.exit_code == 1, result.output
    said = " ".join(result.stderr.split())
    assert said.startswith(f"Database: {describe(empty)} No store in {describe(empty)}: this command only reads")
    assert "MSGSTORE_DATABASE_URL" in said and "MSGSTORE_DATA_DIR" in said
    assert result.stdout == ""
    assert not holds_tables(empty)


def test_import_creates_the_store_it_is_pointed_at(empty: str, tmp_path: Path) -> None:
    (tmp_path / "none.jsonl").write_text("")
    result = run(empty, "import", str(tmp_path / "none.jsonl"))
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"Database: {describe(empty)}\n")
    assert run(empty, "projections", "status", "--json").exit_code == 0


def test_each_command_says_which_database_on_standard_error_only(database_url: str) -> None:
    MessageStore.open(database_url, master_key=TEST_MASTER_KEY).close()
    status = run(database_url, "projections", "status", "--json")
    assert status.exit_code == 0, status.output
    assert {p["name"] for p in json.loads(status.stdout)} >= {"messages", "history", "analytics"}
    assert status.stderr.splitlines()[0] == f"Database: {describe(database_url)}"
    for command in (["export-events"], ["export"], ["analytics", "--format", "json"]):
        result = run(database_url, *command)
        assert result.exit_code == 0, result.output
        assert "Database:" not in result.stdout and result.stderr.startswith("Database: "), command


def test_the_database_is_named_without_its_password() -> None:
    assert describe("postgresql://app:s3cret@db.example:5432/store") == "postgresql://app:***@db.example:5432/store"
    assert describe("postgresql://app@db/store?password=s3cret") == "postgresql://app@db/store"
    assert describe("postgresql://db/store") == "postgresql://db/store"
    assert describe("sqlite:///.msgstore/msgstore.db") == f"SQLite file {Path.cwd() / '.msgstore' / 'msgstore.db'}"
    assert describe("sqlite:////var/lib/msgstore.db") == "SQLite file /var/lib/msgstore.db"


def test_the_import_default_tenant_is_the_servers() -> None:
    assert IMPORT_DEFAULT_TENANT == DEFAULT_TENANT
    assert EVENTS_TABLE == "msgstore_events"  # the table holds_store looks for on PostgreSQL
