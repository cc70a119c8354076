"""Liveness, readiness, failures that must not leak, and the key generated on first start."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from domain.thread import Thread
from projections.runners.rebuild import rebuild_messages_view
from projections.storage.database import DatabaseUnavailable
from projections.store import MessageStore
from projections.write.command import ConcurrencyConflict
from tests.support.servers import Server

SECRET = "password=hunter2 at /srv/msgstore/projections/messages/view.py line 42"
AUTH = {"Authorization": "Bearer sk-test-alpha"}


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The app in this process, on the scenario's database, so that failures can be injected."""
    settings = Settings(database_url=database_url, api_keys="sk-test-alpha:alpha", data_dir=tmp_path)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def store_of(client: TestClient) -> MessageStore:
    app = client.app
    assert isinstance(app, FastAPI)  # the client of create_app's app
    store: MessageStore = app.state.store
    return store


def fail_with(monkeypatch: pytest.MonkeyPatch, store: MessageStore, exc: Exception) -> None:
    def boom(*_: Any, **__: Any) -> Any:
        raise exc

    monkeypatch.setattr(store, "thread", boom)


def test_an_unexpected_failure_is_a_500_without_internals(app: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_with(monkeypatch, store_of(app), RuntimeError(SECRET))
    response = app.get("/v1/threads/thread_x", headers=AUTH)
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "message": "The server had an error while processing your request. Sorry about that!",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }
    assert "hunter2" not in response.text and "Traceback" not in response.text


def test_an_unreachable_database_is_a_503_to_retry(app: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_with(monkeypatch, store_of(app), DatabaseUnavailable(SECRET))
    response = app.get("/v1/threads/thread_x", headers=AUTH)
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json()["error"]["type"] == "server_error"
    assert "hunter2" not in response.text


def test_a_write_that_keeps_losing_races_is_a_409_to_retry(app: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_with(monkeypatch, store_of(app), ConcurrencyConflict("Too many concurrent changes to thread 'thread_x'."))
    response = app.get("/v1/threads/thread_x", headers=AUTH)
    assert response.status_code == 409 and response.headers["retry-after"] == "1"
    assert response.json()["error"]["type"] == "conflict_error"


def test_liveness_and_readiness(app: TestClient) -> None:
    assert app.get("/healthz").json() == {"status": "ok"}
    ready = app.get("/readyz")
    assert ready.status_code == 200
    report = ready.json()
    assert report["ready"] is True and report["database"] == "ok"
    assert report["projections"]["messages"]["lag"] == 0


def test_readiness_reports_a_view_behind_the_log(app: TestClient) -> None:
    store = store_of(app)
    # An event recorded without the inline views, as a process without them would.
    thread = Thread(
        thread_id="thread_" + "r" * 24 + os.urandom(4).hex(),
        tenant="t",
        metadata={},
        tool_resources=None,
        actor={"tenant": "t", "key_id": "k"},
    )
    store.app.save(thread)
    report = app.get("/readyz")
    assert report.status_code == 503
    assert report.json()["ready"] is False and report.json()["projections"]["messages"]["lag"] >= 1
    rebuild_messages_view(store.database, store.app)  # the message view catches up with the log
    assert app.get("/readyz").json()["projections"]["messages"]["lag"] == 0


def test_readiness_when_the_database_is_unreachable(app: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable() -> int:
        raise DatabaseUnavailable(SECRET)

    monkeypatch.setattr(store_of(app).app.recorder, "max_notification_id", unreachable)
    response = app.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"ready": False, "database": "unreachable", "detail": "DatabaseUnavailable"}
    assert app.get("/healthz").status_code == 200


def test_a_key_is_generated_on_first_start(database_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = Server(database_url, data_dir, env={"MSGSTORE_API_KEYS": ""})
    try:
        server.start()
        (generated,) = [json.loads(line) for line in server.log().splitlines() if "api_key_generated" in line]
        assert generated["kept_in"] == str(data_dir.absolute() / "api_key"), server.log()
        key = generated["key"]
        key_file = data_dir / "api_key"
        assert key_file.read_text().strip() == key
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert httpx.post(server.base_url + "/threads", json={}).status_code == 401
        wrong = httpx.post(server.base_url + "/threads", json={}, headers={"Authorization": "Bearer sk-test-alpha"})
        assert wrong.status_code == 401  # configured keys of other servers mean nothing here
        ok = httpx.post(server.base_url + "/threads", json={}, headers={"Authorization": f"Bearer {key}"})
        assert ok.status_code == 200
    finally:
        server.stop()
    again = Server(database_url, data_dir, env={"MSGSTORE_API_KEYS": ""})
    try:
        again.start()
        assert '"event":"api_key_used"' in again.log() and key in again.log()
        assert "api_key_generated" not in again.log()
        thread = httpx.post(again.base_url + "/threads", json={}, headers={"Authorization": f"Bearer {key}"})
        assert thread.status_code == 200
    finally:
        again.stop()
