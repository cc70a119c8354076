"""Rebuilding projections while the API serves reads and records writes: no failed request, exact result."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from projections.registry import projection
from projections.runners.rebuild import rebuild, verify
from projections.runners.status import projection_status
from projections.store import MessageStore, NewMessage
from tests.support.keys import TEST_MASTER_KEY
from tests.support.servers import Server, StartServer

ALPHA = {"Authorization": "Bearer sk-test-alpha"}


@pytest.fixture
def online(start_server: StartServer, new_database: Callable[[], str]) -> Iterator[tuple[Server, MessageStore]]:
    """A server (with its worker) and the operator's own handle on the same database."""
    url = new_database()
    server = start_server(url)
    store = MessageStore.open(url, master_key=TEST_MASTER_KEY)
    yield server, store
    store.close()
    server.stop()


def seed(store: MessageStore, threads: int, messages: int) -> list[str]:
    actor = {"tenant": "alpha", "key_id": "key_seed"}
    ids = [
        store.create_thread(actor, metadata={}, tool_resources=None, messages=[]).result(30).body["id"]
        for _ in range(threads)
    ]
    futures = [
        store.create_message(
            actor, t, NewMessage(role="user", content=[{"type": "text", "text": {"value": f"m{i}", "annotations": []}}])
        )
        for t in ids
        for i in range(messages)
    ]
    for future in futures:
        future.result(30)
    return ids


def test_rebuilds_while_the_api_serves_and_records(online: tuple[Server, MessageStore]) -> None:
    server, store = online
    threads = seed(store, threads=4, messages=60)
    failures: list[tuple[object, ...]] = []
    written: list[str] = []
    stop = threading.Event()

    def write(thread_id: str) -> None:
        with httpx.Client(base_url=server.base_url, headers=ALPHA, timeout=60) as c:
            for i in range(30):
                r = c.post(f"/threads/{thread_id}/messages", json={"role": "user", "content": f"live {i}"})
                if r.status_code != 200:
                    failures.append(("write", r.status_code, r.text))
                else:
                    written.append(r.json()["id"])

    def read(thread_id: str) -> None:
        with httpx.Client(base_url=server.base_url, headers=ALPHA, timeout=60) as c:
            while not stop.is_set():
                for path in (f"/threads/{thread_id}", f"/threads/{thread_id}/messages?limit=20"):
                    r = c.get(path)
                    if r.status_code != 200:
                        failures.append(("read", path, r.status_code, r.text))
                page = c.get(f"/threads/{thread_id}/messages", params={"limit": 100, "order": "asc"}).json()
                if len(page.get("data", [])) < min(60, 100):
                    failures.append(("read", "a page lost messages", len(page.get("data", []))))

    writers = [threading.Thread(target=write, args=(t,)) for t in threads[:2]]
    readers = [threading.Thread(target=read, args=(t,)) for t in threads[2:]]
    for t in writers + readers:
        t.start()
    try:
        for name in ("messages", "analytics", "messages"):  # small pages: each rebuild spans many transactions
            rebuild(store.database, store.app, projection(name), page=25)
    finally:
        for t in writers:
            t.join(timeout=120)
        stop.set()
        for t in readers:
            t.join(timeout=120)
    assert failures == []
    assert len(written) == 60
    with httpx.Client(base_url=server.base_url, headers=ALPHA, timeout=60) as c:
        for thread_id in threads[:2]:
            listed = c.get(f"/threads/{thread_id}/messages", params={"limit": 100, "order": "desc"}).json()["data"]
            assert len(listed) == 90 and listed[0]["content"][0]["text"]["value"] == "live 29"

    # Equal to a from-scratch build (the worker keeps the analytics going after its rebuild).
    def caught_up() -> bool:
        return all(s.lag_events == 0 for s in projection_status(store.database, store.app))

    deadline = time.monotonic() + 60
    while not caught_up():
        assert time.monotonic() < deadline, "the worker did not catch up"
        time.sleep(0.05)
    for name in ("messages", "history", "analytics"):
        assert verify(store.database, store.app, projection(name)) == [], name
