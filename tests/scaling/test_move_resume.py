"""A move killed half-way resumes where it stopped, or is abandoned with the target left as it was."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from domain.states import Actor
from projections import tenant_move
from projections.store import MessageStore
from projections.tenant_move import abort_move, move_tenant
from tests.support.private_postgres import PrivatePostgres
from tests.support.transfer import text

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

GAMMA: Actor = {"tenant": "gamma", "key_id": "key_move"}


class Killed(Exception):
    """The move's process died here."""


@pytest.fixture
def shards(private_postgres: PrivatePostgres, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[MessageStore, ...]]:
    """Two shard stores; gamma's three threads of six events each on the first; copies of four events."""
    monkeypatch.setattr(tenant_move, "PAGE", 4)
    monkeypatch.setattr(tenant_move, "SMALL_TAIL", 2)
    source = MessageStore.open(private_postgres.create_database(), sharded=True)
    target = MessageStore.open(private_postgres.create_database(), sharded=True)
    for _ in range(3):
        thread_id = source.create_thread(GAMMA, metadata={}, tool_resources=None, messages=[]).result(30).body["id"]
        for n in range(5):
            source.create_message(GAMMA, thread_id, text(f"m{n}")).result(30)
    yield source, target
    source.close()
    target.close()


def dies_after(copied: int) -> None:
    raise Killed


def event_rows(store: MessageStore) -> list[tuple[object, ...]]:
    with psycopg.connect(store.database.url) as conn:
        return conn.execute(
            "SELECT originator_id, originator_version, topic FROM msgstore_events"
            " ORDER BY originator_id, originator_version"
        ).fetchall()


def pages(store: MessageStore) -> list[Any]:
    with store.database.read() as curs:
        curs.execute("SELECT thread_id FROM threads_view WHERE tenant = 'gamma' ORDER BY thread_id")
        threads = [row["thread_id"] for row in curs.fetchall()]
    return [(store.thread("gamma", t), store.messages("gamma", t, limit=100, order="asc").data) for t in threads]


def test_a_killed_move_resumes_and_ends_with_the_same_log_and_answers(shards: tuple[MessageStore, ...]) -> None:
    source, target = shards
    urls = source.database.url, target.database.url
    with pytest.raises(Killed):
        move_tenant("gamma", source, target, *urls, progress=dies_after)
    assert 0 < len(event_rows(target)) < len(event_rows(source))
    thread_id = pages(source)[0][0]["id"]  # the source still serves gamma: the move had not switched
    source.create_message(GAMMA, thread_id, text("written between the two runs")).result(30)
    answers = pages(source)
    report = move_tenant("gamma", source, target, *urls)
    assert event_rows(target) == event_rows(source)
    assert pages(target) == answers
    assert report.copied == len(event_rows(source)) - 4  # the first page was copied by the killed run
    assert move_tenant("gamma", source, target, *urls).already_moved


def test_an_abandoned_move_leaves_the_tenant_where_it_was(shards: tuple[MessageStore, ...]) -> None:
    source, target = shards
    urls = source.database.url, target.database.url
    with pytest.raises(Killed):
        move_tenant("gamma", source, target, *urls, progress=dies_after)
    assert abort_move("gamma", source, target) == 4
    assert event_rows(target) == [] and pages(target) == []
    thread_id = pages(source)[0][0]["id"]
    source.create_message(GAMMA, thread_id, text("still here")).result(30)  # not refused: no move is under way
    answers = pages(source)
    move_tenant("gamma", source, target, *urls)
    assert event_rows(target) == event_rows(source)
    assert pages(target) == answers
