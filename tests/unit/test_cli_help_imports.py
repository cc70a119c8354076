"""``msgstore --help`` stays quick: it imports the command line alone, never the server, the store or the drivers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench.cli_help import RUN_CLI

# pydantic is not here: typer itself imports it to convert a command's options.
HEAVY = ("fastapi", "starlette", "pydantic_settings", "uvicorn", "psycopg", "eventsourcing", "projections", "domain")
# The benchmark's run of the command, then the top-level modules it imported.
SHOW_IMPORTS = (
    RUN_CLI + 'print("\\n" + __import__("json").dumps(sorted({name.split(".")[0] for name in sys.modules})))\n'
)


@pytest.mark.parametrize(
    "args",
    [[], ["--help"], ["serve", "--help"], ["analytics", "--help"], ["projections", "--help"], ["history", "--help"]],
    ids=lambda args: " ".join(args) or "no arguments",
)
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    shown = subprocess.run(
        [sys.executable, "-c", SHOW_IMPORTS, *args], capture_output=True, text=True, check=True, env={"COLUMNS": "100"}
    )
    imported = set(json.loads(shown.stdout.rsplit("\n", 2)[-2]))
    assert "Usage: msgstore" in shown.stdout
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))
