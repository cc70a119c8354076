"""Several server processes on one database: read-your-writes across them, and concurrent writers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest
from openai import OpenAI

from tests.support.sdk import text_of
from tests.support.servers import Server

CLIENTS = 8
PER_CLIENT = 10


@pytest.fixture(scope="module")
def second(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second server process on the database (or shards) the ``server`` fixture serves (stopped after this module)."""
    started = Server(server.database_url, tmp_path_factory.mktemp("second"), env=server.env).start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def workers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``msgstore serve --workers 2`` on the scenario's database (stopped after this module)."""
    started = Server(database_url, tmp_path_factory.mktemp("workers"), workers=2).start()
    yield started
    started.stop()


def sdk(server: Server) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key="sk-test-alpha", max_retries=0)


@pytest.fixture
def pair(server: Server, second: Server) -> Iterator[tuple[OpenAI, OpenAI]]:
    with sdk(server) as one, sdk(second) as two:
        yield one, two


def test_a_write_through_one_process_is_read_through_the_other_at_once(pair: tuple[OpenAI, OpenAI]) -> None:
    one, two = pair
    thread = one.beta.threads.create(metadata={"via": "one"})
    assert two.beta.threads.retrieve(thread.id) == thread
    message = two.beta.threads.messages.create(thread.id, role="user", content="via two")
    assert one.beta.threads.messages.retrieve(message.id, thread_id=thread.id) == message
    assert [m.id for m in one.beta.threads.messages.list(thread.id)] == [message.id]
    for turn in range(5):  # alternate, each read immediately after the other process acknowledged the write
        writer, reader = (one, two) if turn % 2 == 0 else (two, one)
        written = writer.beta.threads.messages.create(thread.id, role="assistant", content=f"turn {turn}")
        assert reader.beta.threads.messages.list(thread.id, limit=1).data[0].id == written.id
    updated = one.beta.threads.messages.update(message.id, thread_id=thread.id, metadata={"seen": "yes"})
    assert two.beta.threads.messages.retrieve(message.id, thread_id=thread.id).metadata == updated.metadata
    assert two.beta.threads.update(thread.id, metadata={"via": "two"}).metadata == {"via": "two"}
    assert one.beta.threads.retrieve(thread.id).metadata == {"via": "two"}
    one.beta.threads.messages.delete(message.id, thread_id=thread.id)
    with pytest.raises(openai.NotFoundError):
        two.beta.threads.messages.retrieve(message.id, thread_id=thread.id)
    two.beta.threads.delete(thread.id)
    with pytest.raises(openai.NotFoundError):
        one.beta.threads.retrieve(thread.id)
    with pytest.raises(openai.NotFoundError):  # the first process's cached aggregate must not accept it
        one.beta.threads.messages.create(thread.id, role="user", content="too late")


def test_serve_with_two_workers(workers: Server) -> None:
    with sdk(workers) as client:
        thread = client.beta.threads.create()
        written = []
        for i in range(12):  # a new connection each time may reach either worker
            with sdk(workers) as fresh:
                written.append(fresh.beta.threads.messages.create(thread.id, role="user", content=f"w{i}").id)
                assert fresh.beta.threads.messages.list(thread.id, limit=1).data[0].id == written[-1]
        assert [m.id for m in client.beta.threads.messages.list(thread.id, order="asc", limit=100)] == written


def test_many_clients_through_two_processes_into_one_thread(server: Server, second: Server) -> None:
    with sdk(server) as owner:
        thread = owner.beta.threads.create()
    start = threading.Barrier(CLIENTS)

    def client_run(n: int) -> list[str]:
        with sdk(server if n % 2 == 0 else second) as client:
            start.wait()
            return [
                client.beta.threads.messages.create(thread.id, role="user", content=f"c{n}-{i}").id
                for i in range(PER_CLIENT)
            ]

    with ThreadPoolExecutor(CLIENTS) as pool:
        created = list(pool.map(client_run, range(CLIENTS)))  # any 5xx raises: max_retries=0
    with sdk(second) as reader:
        listed = list(reader.beta.threads.messages.list(thread.id, order="asc", limit=100))
    texts = [text_of(m) for m in listed]
    expected = {f"c{n}-{i}" for n in range(CLIENTS) for i in range(PER_CLIENT)}
    assert len(texts) == len(expected) and set(texts) == expected  # none lost, none duplicated
    assert [m.id for m in listed if text_of(m).startswith("c3-")] == created[3]
    for n in range(CLIENTS):  # each client's messages are listed in the order it created them
        mine = [t for t in texts if t.startswith(f"c{n}-")]
        assert mine == [f"c{n}-{i}" for i in range(PER_CLIENT)]
    ids = [m.id for m in listed]
    assert sorted(ids) == sorted(i for batch in created for i in batch)
