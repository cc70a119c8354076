"""``msgstore --help`` stays quick: it imports the command line alone, never the server, the store or the drivers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# pydantic is not here: typer itself imports it to convert a command's options.
HEAVY = ("fastapi", "starlette", "pydantic_settings", "uvicorn", "psycopg", "eventsourcing", "projections", "domain")
SHOW_IMPORTS = """
import sys
from api.cli.main import main
sys.argv = ["msgstore", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("\\n" + __import__("json").dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


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
