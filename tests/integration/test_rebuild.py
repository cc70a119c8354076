"""Rebuilding the views from the event log gives back exactly the views that were live."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

from domain.ids import key_identifier
from projections.runners.rebuild import rebuild_messages_view
from projections.store import MessageStore, NewMessage
from tests.support.keys import TEST_MASTER_KEY

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-alpha")}
BETA = {"tenant": "beta", "key_id": key_identifier("sk-beta")}


def text(value: str) -> NewMessage:
    return NewMessage(role="user", content=[{"type": "text", "text": {"value": value, "annotations": []}}])


def populate(store: MessageStore) -> list[str]:
    """Threads of two tenants with every kind of change; returns the thread ids."""
    threads = []
    for actor in (ALPHA, BETA, ALPHA):
        body = (
            store.create_thread(
                actor, metadata={"t": actor["tenant"]}, tool_resources=None, messages=[text("first"), text("second")]
            )
            .result(timeout=30)
            .body
        )
        threads.append(body["id"])
        tenant = actor["tenant"]
        for i in range(3):
            store.create_message(actor, body["id"], text(f"more {i}")).result(timeout=30)
        listed = store.messages(tenant, body["id"], limit=100, order="asc").data
        store.modify_message(actor, body["id"], listed[0]["id"], metadata={"edited": "yes"}).result(timeout=30)
        store.delete_message(actor, body["id"], listed[1]["id"]).result(timeout=30)
        store.modify_thread(
            actor, body["id"], metadata={"t": "changed"}, tool_resources={"code_interpreter": {"file_ids": ["f"]}}
        ).result(timeout=30)
    store.delete_thread(ALPHA, threads[2]).result(timeout=30)
    return threads


def snapshot(store: MessageStore) -> dict[str, list[dict[str, Any]]]:
    """Every row of the live views (deleted rows included), in a stable order."""
    tables = store.tables
    result = {}
    with store.database.read() as curs:
        for table, key in ((tables.threads, "thread_id"), (tables.messages, "message_id")):
            curs.execute(f"SELECT * FROM {table} ORDER BY {key}")
            result[table] = [dict(row) for row in curs.fetchall()]
    return result


def served(store: MessageStore, threads: list[str]) -> list[Any]:
    """What the API would answer for each thread and its messages."""
    answers: list[Any] = []
    for thread_id in threads:
        for tenant in ("alpha", "beta"):
            try:
                answers.append(store.thread(tenant, thread_id))
                answers.append(store.messages(tenant, thread_id, limit=100, order="desc").data)
            except Exception as e:  # not found is part of what was served
                answers.append(type(e).__name__)
    return answers


def test_rebuild_equals_the_live_views(fresh: MessageStore) -> None:
    threads = populate(fresh)
    rows, answers = snapshot(fresh), served(fresh, threads)
    assert sum(len(r) for r in rows.values()) == 3 + 15
    applied = rebuild_messages_view(fresh.database, fresh.app)
    assert applied == fresh.app.recorder.max_notification_id()
    assert snapshot(fresh) == rows
    assert served(fresh, threads) == answers
    assert fresh.readiness()["ready"] is True


def test_dropped_views_are_rebuilt_and_the_store_keeps_working(fresh: MessageStore) -> None:
    threads = populate(fresh)
    rows, answers = snapshot(fresh), served(fresh, threads)
    with fresh.database.transaction() as curs:
        fresh.tables.drop(curs)
    rebuild_messages_view(fresh.database, fresh.app, page=4)  # small pages: the copy is built over many transactions
    assert snapshot(fresh) == rows
    assert served(fresh, threads) == answers
    created = fresh.create_message(ALPHA, threads[0], text("after the rebuild")).result(timeout=30).body
    assert fresh.message("alpha", threads[0], created["id"]) == created


def test_rebuild_while_writes_continue(fresh: MessageStore) -> None:
    thread_id = populate(fresh)[0]
    writer = MessageStore.open(fresh.database.url, master_key=TEST_MASTER_KEY)  # another process writing meanwhile
    acknowledged: list[str] = []
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set() or len(acknowledged) < 20:
            acknowledged.append(writer.create_message(ALPHA, thread_id, text("w")).result(timeout=60).body["id"])

    background = threading.Thread(target=keep_writing)
    background.start()
    try:
        while len(acknowledged) < 5:
            stop.wait(0.01)
        rebuild_messages_view(fresh.database, fresh.app, page=3)
    finally:
        stop.set()
        background.join(timeout=120)
        writer.close()
    listed: list[str] = []
    while True:  # every page: how many writes land during the rebuild depends on the machine
        page = fresh.messages("alpha", thread_id, limit=100, order="asc", after=listed[-1] if listed else None)
        listed += [m["id"] for m in page.data]
        if not page.has_more:
            break
    assert listed[-len(acknowledged) :] == acknowledged
    rows = snapshot(fresh)
    rebuild_messages_view(fresh.database, fresh.app)
    assert snapshot(fresh) == rows
    assert fresh.readiness()["ready"] is True


def test_the_rebuild_command(fresh: MessageStore) -> None:
    threads = populate(fresh)
    rows, answers = snapshot(fresh), served(fresh, threads)
    env = dict(os.environ, MSGSTORE_DATABASE_URL=fresh.database.url)
    done = subprocess.run(
        [sys.executable, "-m", "api.cli.main", "projections", "rebuild"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Rebuilt messages from" in done.stderr
    assert snapshot(fresh) == rows
    assert served(fresh, threads) == answers
