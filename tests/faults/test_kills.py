"""kill -9 under load: the API process, and the standalone worker in the middle of a catch-up."""

from __future__ import annotations

import time

from domain.ids import key_identifier
from projections.analytics.projector import ANALYTICS_PROJECTION
from projections.runners.catch_up import read_position_of
from projections.store import MessageStore, NewMessage
from tests.faults.checks import check_everything, opened
from tests.faults.processes import Servers, kill
from tests.faults.writers import Writers, retry
from tests.support.waiting import seconds_until as eventually

BACKLOG = 10_000  # messages the worker has to catch up with when it starts
WORKER_BATCH = 100  # events per worker transaction: a catch-up of a hundred transactions, killed in one of them
ACTOR = {"tenant": "alpha", "key_id": key_identifier("sk-fault-backlog")}


def test_a_killed_api_process_loses_no_acknowledged_write_and_leaves_nothing_half_written(
    database_url: str, servers: Servers
) -> None:
    server = servers.start(database_url)
    writers = Writers(server.base_url).start()
    writers.wait_for(80)
    kill(server.process)
    time.sleep(1)  # the writers go on: the writes in flight and those after get no answer, even from retries
    writes = writers.stop()
    in_doubt = [w for w in writes if w.in_doubt]
    restarted = servers.start(database_url)
    for write in in_doubt:  # the client's part: retry (the SDK's retry header is recognised after a restart too)
        retry(restarted.base_url, writers.ledger, write)
    print(f"kill -9 of the API: {len(in_doubt)} writes in doubt, retried after the restart; {writers.ledger.summary()}")
    with opened(database_url) as store:
        check_everything(restarted, store, writes, writers.thread_ids)


def backlog(store: MessageStore, messages: int) -> None:
    """``messages`` messages in a few threads, written by this process (the server's worker is off)."""
    threads = [
        store.create_thread(ACTOR, metadata={}, tool_resources=None, messages=[]).result(30).body["id"]
        for _ in range(10)
    ]
    content = [{"type": "text", "text": {"value": "backlog", "annotations": []}}]
    futures = [
        store.create_message(ACTOR, threads[n % len(threads)], NewMessage(role="user", content=content))
        for n in range(messages)
    ]
    for future in futures:
        future.result(60)


def test_a_worker_killed_mid_catch_up_resumes_and_applies_each_event_once(database_url: str, servers: Servers) -> None:
    server = servers.start(database_url, env={"MSGSTORE_WORKER": "false"})
    with opened(database_url) as store:
        backlog(store, BACKLOG)
        head = int(store.app.recorder.max_notification_id() or 0)
        writers = Writers(server.base_url).start()  # writes keep coming through the catch-up
        worker = servers.start_worker(database_url, WORKER_BATCH)
        eventually(lambda: read_position_of(store.database, ANALYTICS_PROJECTION) > 0, "the worker starts applying")
        kill(worker)
        killed_at = read_position_of(store.database, ANALYTICS_PROJECTION)
        assert 0 < killed_at < head, f"not killed mid-catch-up: at {killed_at} of {head}"
        time.sleep(1)  # writes pile up meanwhile
        servers.start_worker(database_url, WORKER_BATCH)
        writers.wait_for(40)
        writes = writers.stop()
        print(f"worker killed at event {killed_at} of a {head}-event backlog; {writers.ledger.summary()}")
        check_everything(server, store, writes, writers.thread_ids)
