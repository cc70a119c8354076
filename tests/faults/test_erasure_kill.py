"""kill -9 during an erasure: the event, the destroyed keys and the emptied views are all there, or none is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from domain.errors import ThreadNotFound
from domain.ids import key_identifier
from projections.crypto.keyring import DATA_KEYS_TABLE
from projections.crypto.master import MasterKey, new_master_key
from projections.store import MessageStore, NewMessage

ACTOR = {"tenant": "alpha", "key_id": key_identifier("sk-fault-erase")}
MESSAGES = 3000  # keys an erasure destroys: a transaction long enough to be killed in
KILL_AT = (0.25, 0.5, 0.75, 1.0, 1.5)  # fractions of one erasure's duration, from the moment it starts


def big_thread(store: MessageStore) -> str:
    """A thread of ``MESSAGES`` messages, each under its own data key."""
    thread = store.create_thread(ACTOR, metadata={"k": "v"}, tool_resources=None, messages=[]).result(30).body["id"]
    content = [{"type": "text", "text": {"value": "ERASE-ME", "annotations": []}}]
    futures = [store.create_message(ACTOR, thread, NewMessage(role="user", content=content)) for _ in range(MESSAGES)]
    for future in futures:
        future.result(120)
    return str(thread)


def erasing(url: str, key: str, thread: str) -> subprocess.Popen[str]:
    """Start a process erasing ``thread``; return once it is about to."""
    command = [sys.executable, "-m", "tests.faults.erasing", url, key, thread, "alpha"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "erasing"
    return process


def outcome(store: MessageStore, thread: str) -> str:
    """``erased`` or ``intact``; fails if the thread is anything in between."""
    with store.database.read() as curs:
        sql = f"SELECT COUNT(*) AS n FROM {DATA_KEYS_TABLE} WHERE thread_id = %s"
        curs.execute(store.database.dialect.q(sql), (thread,))
        keys = int(curs.fetchone()["n"])
    recorded = store.history.events(None, thread, limit=1, order="desc").data[0]["type"] == "thread.erased"
    try:
        messages = store.messages("alpha", thread, limit=100, order="asc").data
        served = True
    except ThreadNotFound:
        messages, served = [], False
    if keys == 0:
        assert recorded and not served, f"keys destroyed; erasure recorded: {recorded}, thread served: {served}"
        return "erased"
    assert keys == MESSAGES + 1 and served and not recorded, f"{keys} keys of {MESSAGES + 1}, served: {served}"
    assert all(m["content"][0]["text"]["value"] == "ERASE-ME" for m in messages)
    return "intact"


def test_an_erasure_killed_at_any_moment_is_all_or_nothing(database_url: str) -> None:
    key = new_master_key()
    store = MessageStore.open(database_url, master_key=MasterKey.parse(key))
    try:
        timing = big_thread(store)
        threads = [big_thread(store) for _ in KILL_AT]
    finally:
        store.close()
    finished = erasing(database_url, key, timing)  # how long one erasure takes here, to kill the others within it
    assert finished.stdout is not None
    took = float(finished.stdout.readline().split()[1])
    finished.wait(60)
    outcomes = []
    for fraction, thread in zip(KILL_AT, threads, strict=True):
        process = erasing(database_url, key, thread)
        time.sleep(took * fraction)  # a pause before the kill, not a measurement
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        store = MessageStore.open(database_url, master_key=MasterKey.parse(key))
        try:
            outcomes.append(outcome(store, thread))
        finally:
            store.close()
    print(f"erasure of {MESSAGES + 1} keys takes {took:.3f} s; killed at {KILL_AT} of that: {outcomes}")
