"""Filling the store and the baseline with the same threads and messages before the servers start.

The store is loaded in-process through its own writer (``MessageStore.create_message``), many commands
queued at once so the writer records them in large batches: the same events, views and snapshots as
over HTTP, without paying for a million HTTP requests. The baseline's rows are copied in directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field

import orjson
import psycopg

from bench.crud_baseline import SCHEMA
from bench.servers import API_KEY, TENANT
from domain.ids import key_identifier, new_message_id, new_thread_id
from projections.store import MessageStore, NewMessage
from projections.write.command import Outcome

TEXT = "A message of about the length people type into a chat, recorded by the benchmark."
CONTENT = [{"type": "text", "text": {"value": TEXT, "annotations": []}}]
BODY = orjson.dumps({"role": "user", "content": TEXT})
ACTOR = {"tenant": TENANT, "key_id": key_identifier(API_KEY)}
IN_FLIGHT = 4000  # commands queued at once: the writer takes up to max_batch of them per transaction

Progress = Callable[[str], None]


@dataclass
class Seeded:
    """What a system holds after seeding: thread ids by role, and message ids to read back."""

    threads: list[str] = field(default_factory=list)  # many short threads
    deep: str = ""  # the long thread for list pages
    deep_messages: list[str] = field(default_factory=list)  # in order of creation
    long: str = ""  # the thread of ``long_messages`` messages, for create latency
    messages: list[tuple[str, str]] = field(default_factory=list)  # (thread id, message id) to retrieve
    messages_total: int = 0
    conversations: list[str] = field(default_factory=list)  # short conversations, by their public ids
    deep_conversation: str = ""  # the long conversation for item list pages
    deep_items: list[str] = field(default_factory=list)  # its items, in order of creation

    def add_thread(self, role: str, thread_id: str) -> None:
        """Keep a thread of the plan under its role."""
        if role == "deep":
            self.deep = thread_id
        elif role == "long":
            self.long = thread_id
        else:
            self.threads.append(thread_id)

    def add_message(self, role: str, thread_id: str, message_id: str) -> None:
        """Count a message; keep the deep thread's, and up to 20,000 of the short threads' to read back."""
        self.messages_total += 1
        if role == "deep":
            self.deep_messages.append(message_id)
        elif role == "short" and len(self.messages) < 20_000:
            self.messages.append((thread_id, message_id))


def _plan(threads: int, per_thread: int, deep: int, long: int) -> Iterator[tuple[str, int]]:
    """(role, count) of every thread to create."""
    yield "deep", deep
    yield "long", long
    for _ in range(threads):
        yield "short", per_thread


def seed_store(url: str, *, threads: int, per_thread: int, deep: int, long: int, progress: Progress) -> Seeded:
    """Create the threads and messages through the store's writer, in large batches."""
    store = MessageStore.open(url, max_batch=1000)
    seeded = Seeded()
    message = NewMessage(role="user", content=CONTENT)
    pending: list[tuple[str, str, Future[Outcome]]] = []
    done = 0
    started = time.monotonic()

    def drain(limit: int) -> None:
        nonlocal done
        while len(pending) > limit:
            role, thread_id, future = pending.pop(0)
            seeded.add_message(role, thread_id, future.result().body["id"])
            done += 1
            if done % 20_000 == 0:
                progress(f"store: {done:,} messages ({done / (time.monotonic() - started):,.0f}/s)")

    try:
        for role, count in _plan(threads, per_thread, deep, long):
            outcome = store.create_thread(ACTOR, metadata={}, tool_resources=None, messages=[]).result()
            thread_id = outcome.body["id"]
            seeded.add_thread(role, thread_id)
            for _ in range(count):
                pending.append((role, thread_id, store.create_message(ACTOR, thread_id, message)))
                drain(IN_FLIGHT)
        drain(0)
    finally:
        store.close()
    if url.startswith("postgres"):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")
    return seeded


def seed_baseline(url: str, *, threads: int, per_thread: int, deep: int, long: int, progress: Progress) -> Seeded:
    """Copy the same shape of data into the baseline's tables."""
    seeded = Seeded()
    content = orjson.dumps(CONTENT).decode()
    now = int(time.time())
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in SCHEMA:
            conn.execute(statement)
        rows_t: list[tuple[object, ...]] = []
        rows_m: list[tuple[object, ...]] = []
        for role, count in _plan(threads, per_thread, deep, long):
            thread_id = new_thread_id()
            rows_t.append((thread_id, TENANT, now, "{}", "{}"))
            seeded.add_thread(role, thread_id)
            for _ in range(count):
                message_id = new_message_id()
                rows_m.append((message_id, thread_id, TENANT, now, "user", content, "[]", "{}", "completed"))
                seeded.add_message(role, thread_id, message_id)
        with conn.transaction(), conn.cursor() as curs:
            with curs.copy(
                "COPY crud_threads (thread_id, tenant, created_at, metadata, tool_resources) FROM STDIN"
            ) as copy:
                for row in rows_t:
                    copy.write_row(row)
            with curs.copy(
                "COPY crud_messages (message_id, thread_id, tenant, created_at, role, content,"
                " attachments, metadata, status) FROM STDIN"
            ) as copy:
                for row in rows_m:
                    copy.write_row(row)
        conn.execute("ANALYZE")
    progress(f"baseline: {len(rows_m):,} messages copied")
    return seeded
