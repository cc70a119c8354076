"""What `msgstore projections status` and `verify` tell an operator: the worker's state, a projection behind the log."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from api.cli.main import cli
from domain.ids import key_identifier
from projections.analytics.projector import ANALYTICS_PROJECTION, AnalyticsProjector
from projections.runners.heartbeat import RETRYING
from projections.runners.worker import ProjectionWorker
from projections.store import MessageStore
from tests.support.threads import write_thread

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-alpha")}


def run(store: MessageStore, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"MSGSTORE_DATABASE_URL": store.database.url})



@contextmanager
def running(worker: ProjectionWorker) -> Iterator[None]:
    stopping = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stopping,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopping.set()
        worker.signal.notify()
        thread.join(timeout=30)


def analytics_of(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    (found,) = [s for s in json.loads(result.stdout) if s["name"] == ANALYTICS_PROJECTION]
    assert isinstance(found, dict)
    return found


def test_status_shows_the_workers_state_and_last_error(fresh: MessageStore, monkeypatch: pytest.MonkeyPatch) -> None:
    write_thread(fresh, ALPHA, 3)
    never = analytics_of(run(fresh, "projections", "status", "--json"))
    assert (never["runner"], never["lag_events"], never["seconds_since_batch"]) == ("never ran", 4, None)
    assert "No projection worker has run" in run(fresh, "projections", "status").output

    def broken(*_: Any) -> None:
        raise ValueError("a projector's bug")

    monkeypatch.setattr(AnalyticsProjector, "apply", broken)
    worker = ProjectionWorker(fresh.database, fresh.app, fresh.signal)
    with running(worker):
        while fresh.readiness()["worker"]["state"] != RETRYING:
            threading.Event().wait(0.05)
        failing = analytics_of(run(fresh, "projections", "status", "--json"))
        assert failing["runner"] == RETRYING and failing["last_error"] == "ValueError: a projector's bug"
        table = " ".join(run(fresh, "projections", "status").output.split())
        assert f"worker {worker.worker_id}: retrying" in table and "last error: ValueError: a projector's bug" in table
    monkeypatch.undo()
    worker.catch_up()
    caught_up = analytics_of(run(fresh, "projections", "status", "--json"))
    assert caught_up["lag_events"] == 0 and caught_up["seconds_since_batch"] is not None
    assert caught_up["runner"] == "stopped"  # the worker said so as it stopped, and why it was not working
    assert caught_up["last_error"] == "ValueError: a projector's bug"


def test_verify_fails_while_the_projection_is_behind_the_log_and_passes_once_caught_up(fresh: MessageStore) -> None:
    write_thread(fresh, ALPHA, 3)
    worker = ProjectionWorker(fresh.database, fresh.app, fresh.signal)
    worker.catch_up()
    write_thread(fresh, ALPHA, 2)  # recorded after the worker's last batch, and no worker runs
    behind = run(fresh, "projections", "verify", ANALYTICS_PROJECTION, "--patience", "0.3")
    assert behind.exit_code == 1
    said = " ".join(behind.output.split())
    assert "analytics is 3 events behind the log (at 4 of 7); up to its position it matches a fresh build" in said
    worker.catch_up()
    done = run(fresh, "projections", "verify", ANALYTICS_PROJECTION)
    assert done.exit_code == 0, done.output
    assert "analytics matches a fresh build from the whole event log (7 events)" in " ".join(done.output.split())
