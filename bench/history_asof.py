"""Point-in-time reads on a long thread, as ratios to the live page measured in the same run.

    python -m bench.history_asof                      # SQLite (temporary file) and PostgreSQL (temporary database)
    python -m bench.history_asof --messages 100000 --backend postgres

Each figure is the median and p99 of repeated calls through the store (no HTTP: the query cost is
what differs), beside the live first page of the same thread. A short thread is measured too, so the
"long / short" column shows whether a point-in-time read grows with the thread.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import psycopg

from domain.ids import key_identifier
from projections.history.queries import PointInTime, instant_us
from projections.history.render import event_id
from projections.store import MessageStore, NewMessage

ACTOR = {"tenant": "bench", "key_id": key_identifier("sk-bench")}
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def text(i: int) -> NewMessage:
    return NewMessage(role="user", content=[{"type": "text", "text": {"value": f"message {i}", "annotations": []}}])


def load(store: MessageStore, messages: int) -> str:
    """A thread of ``messages`` messages; every 10th edited and every 20th deleted along the way."""
    thread_id = store.create_thread(ACTOR, metadata={}, tool_resources=None, messages=[]).result().body["id"]
    futures = []
    for i in range(messages):
        futures.append(store.create_message(ACTOR, thread_id, text(i)))
        if len(futures) >= 2000 or i == messages - 1:
            chunk = [f.result().body["id"] for f in futures]
            futures = [store.modify_message(ACTOR, thread_id, m, metadata={"n": "1"}) for m in chunk[::10]]
            futures += [store.delete_message(ACTOR, thread_id, m) for m in chunk[5::20]]
            for f in futures:
                f.result()
            futures = []
    return str(thread_id)


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median and p99 of ``call`` in milliseconds."""
    for _ in range(3):
        call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def scenarios(store: MessageStore, thread_id: str) -> dict[str, Callable[[], Any]]:
    """The reads measured on one thread."""
    h = store.history
    events = h.events(None, thread_id, limit=100, order="asc").data
    head = h.events(None, thread_id, limit=1, order="desc").data[0]
    early = h.events(None, thread_id, limit=1, order="asc", after=event_id(thread_id, head["version"] // 10))
    at_early = PointInTime(at_us=instant_us(early.data[0]["recorded_at"]))
    halfway = event_id(thread_id, head["version"] // 2)
    at_head = PointInTime(version=head["version"])
    middle = h.messages_at(None, thread_id, at_head, limit=100, order="asc").data[-1]["id"]
    some_message = events[1]["message_id"]
    return {
        "live page (baseline)": lambda: store.messages("bench", thread_id, limit=20, order="desc"),
        "as-of page, latest version": lambda: h.messages_at("bench", thread_id, at_head, limit=20, order="desc"),
        "as-of page, 10% in, by time": lambda: h.messages_at("bench", thread_id, at_early, limit=20, order="desc"),
        "as-of page, deep cursor": lambda: h.messages_at(
            "bench", thread_id, at_head, limit=20, order="desc", after=middle
        ),
        "as-of thread, by time": lambda: h.thread_at("bench", thread_id, at_early),
        "events page, newest": lambda: h.events("bench", thread_id, limit=20, order="desc"),
        "events page, deep cursor": lambda: h.events("bench", thread_id, limit=20, order="desc", after=halfway),
        "versions of a message": lambda: h.versions("bench", thread_id, some_message, limit=20, order="asc"),
    }


def run(url: str, messages: int, repeat: int) -> None:
    store = MessageStore.open(url)
    try:
        started = time.perf_counter()
        long_thread = load(store, messages)
        loaded = time.perf_counter() - started
        short_thread = load(store, 1000)
        if url.startswith("postgres"):  # what autovacuum does soon after a bulk load: plans need row counts
            with store.database.read() as curs:
                curs.execute("ANALYZE")
        long_runs = {name: timed(call, repeat) for name, call in scenarios(store, long_thread).items()}
        short_runs = {name: timed(call, repeat) for name, call in scenarios(store, short_thread).items()}
    finally:
        store.close()
    base = long_runs["live page (baseline)"][0]
    print(f"\n{url.split(':')[0]}: {messages:,} messages loaded in {loaded:.1f}s; {repeat} calls each")
    print(f"{'read':<30} {'median ms':>10} {'p99 ms':>8} {'x live page':>12} {'long/short':>11}")
    for name, (median, p99) in long_runs.items():
        ratio = median / short_runs[name][0]
        print(f"{name:<30} {median:>10.3f} {p99:>8.3f} {median / base:>12.2f} {ratio:>11.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", args.messages, args.repeat)
    if args.backend in ("postgres", "both"):
        name = "msgstore_bench_" + secrets.token_hex(4)
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        try:
            run(ADMIN.rsplit("/", 1)[0] + "/" + name, args.messages, args.repeat)
        finally:
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
