"""The CLI's first-hour edges: defaults in --help, an unwritable --output, a busy port."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import cli
from projections.store import MessageStore
from tests.support.keys import TEST_MASTER_KEY

WIDE = {"COLUMNS": "200", "TERM": "dumb"}


@pytest.mark.parametrize(
    ("command", "option", "default"),
    [
        (["serve"], "--host", "MSGSTORE_HOST or 127.0.0.1"),
        (["serve"], "--port", "MSGSTORE_PORT or 8000"),
        (["worker"], "--batch-size", "MSGSTORE_WORKER_BATCH or 5000"),
        (["analytics"], "--tenant", "all"),
    ],
)
def test_help_shows_each_default(command: list[str], option: str, default: str) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"], env=WIDE)
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if option in line)
    assert f"[default: ({default})]" in line or f"[default: {default}]" in line, line


@pytest.mark.parametrize("command", ["export-events", "export"])
def test_an_unwritable_output_names_the_option(command: str, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "x.jsonl"
    env = {**WIDE, "MSGSTORE_DATA_DIR": str(tmp_path / "data")}
    MessageStore.open(f"sqlite:///{tmp_path / 'data' / 'msgstore.db'}", master_key=TEST_MASTER_KEY).close()
    result = CliRunner().invoke(cli, [command, "-o", str(target)], env=env)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert f"Cannot write {target}" in result.output
    assert "-o" in result.output.split(str(target), 1)[1]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_a_busy_port_says_so_and_names_the_options(busy_port: int, tmp_path: Path) -> None:
    env = {**WIDE, "MSGSTORE_DATA_DIR": str(tmp_path), "MSGSTORE_API_KEYS": "sk-edge:edge"}
    result = CliRunner().invoke(cli, ["serve", "--host", "127.0.0.1", "--port", str(busy_port)], env=env)
    assert result.exit_code == 1, result.output
    assert f"Cannot listen on 127.0.0.1:{busy_port}: the port is already in use" in result.output
    assert "--port" in result.output and "MSGSTORE_PORT" in result.output
    assert not (tmp_path / "msgstore.db").exists()  # refused before opening anything
