"""Every line a real server or worker logs is in one schema: JSON off a terminal, text on request."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.logs import JsonFormatter, TextFormatter, resolve
from bench.processes import launch, stop
from tests.support.servers import StartServer

KEYS = {"time", "level", "logger", "event"}
TEXT_LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) +\S+  \S.*")


def exercise(root: str) -> None:
    with httpx.Client(base_url=root, headers={"Authorization": "Bearer sk-test-alpha"}) as http:
        assert http.post("/v1/threads", json={}).status_code == 200
        assert http.get("/v1/threads/thread_nope").status_code == 404
        assert http.get("/v1/threads/thread_nope", headers={"Authorization": "Bearer wrong"}).status_code == 401


def json_lines(log: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in log.splitlines()]  # every line, or this fails
    for line in lines:
        assert set(line) >= KEYS and line["level"] in {"debug", "info", "warning", "error"}, line
        assert ("message" in line) == (line["event"] == "log"), line
    return lines


@pytest.mark.parametrize("workers", [1, 2])
def test_a_server_off_a_terminal_logs_json_lines_its_own_uvicorns_and_the_workers(
    start_server: StartServer, new_database: Callable[[], str], workers: int
) -> None:
    server = start_server(new_database(), workers=workers)  # a database of its own: its log holds only this
    exercise(server.root)
    server.stop()
    lines = json_lines(server.log())
    loggers = {line["logger"] for line in lines}
    assert {"msgstore.server", "msgstore.access", "msgstore.worker", "uvicorn"} <= loggers
    events = [line["event"] for line in lines]
    assert "serving" in events and "worker_running" in events and events.count("request") >= 3
    said = [line["message"] for line in lines if line["logger"] == "uvicorn"]
    # Startup, not shutdown: a server slow to stop on a busy machine is killed before it says it stopped.
    assert any(m.startswith("Uvicorn running on") for m in said) and "Application startup complete." in said
    assert len({m for m in said if m.startswith("Started server process")}) == workers  # each process alike


def test_text_logs_are_the_same_fields_one_readable_line_each(
    start_server: StartServer, new_database: Callable[[], str]
) -> None:
    server = start_server(new_database(), env={"MSGSTORE_LOG_FORMAT": "text"})
    exercise(server.root)
    server.stop()
    log = server.log().splitlines()
    assert log and all(TEXT_LINE.fullmatch(line) for line in log), [x for x in log if not TEXT_LINE.fullmatch(x)]
    assert any(" msgstore.access  request method=POST route=/v1/threads status=200 " in line for line in log)


def test_the_worker_logs_the_same_json_lines(new_database: Callable[[], str], tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    command = [sys.executable, "-m", "api.cli.main", "worker", "--log-format", "json"]
    env = {"MSGSTORE_DATABASE_URL": new_database(), "MSGSTORE_DATA_DIR": str(tmp_path), "MSGSTORE_LOG_FORMAT": "text"}
    process = launch(command, env, log)
    try:
        deadline = time.monotonic() + 30
        while "worker_running" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.05)
    finally:
        stop(process)
    events = [line["event"] for line in json_lines(log.read_text())]
    assert events[:2] == ["worker_starting", "worker_running"]


def test_a_plain_message_and_an_exception_keep_the_schema() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("msgstore.api", logging.ERROR, __file__, 1, "failed: %s", ("x",), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["event"] == "log" and line["message"] == "failed: x" and line["level"] == "error"
    assert line["exception"].startswith("Traceback") and "ValueError: boom" in line["exception"]
    text = TextFormatter().format(record)
    assert TEXT_LINE.fullmatch(text.splitlines()[0]) and text.endswith("ValueError: boom")


@pytest.mark.parametrize(
    ("given", "tty", "expected"),
    [("auto", True, "text"), ("auto", False, "json"), ("json", True, "json"), ("text", False, "text")],
)
def test_auto_is_text_on_a_terminal_and_json_elsewhere(given: str, tty: bool, expected: str) -> None:
    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    assert resolve(given, Stream()) == expected
