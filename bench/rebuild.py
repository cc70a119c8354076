"""Rebuild speed: the message view rebuilt from the log, against the raw rate of reading the log, in one run.

    python -m bench.rebuild                                    # SQLite, in a temporary directory
    python -m bench.rebuild --database-url postgresql://postgres@127.0.0.1/bench_rebuild --events 200000

The database must be new or empty (PostgreSQL: an empty database you may fill). The log is filled
with threads of chatty messages through the store's own batching writer, then three rates are taken:
``raw`` pages through the stored events (``select_notifications``, no decoding), ``decoded`` also
turns each into a domain event with the library's mapper, and ``rebuild`` is a full zero-downtime
rebuild of the message view (beside, catch up, swap). The raw read is measured before and after the
rebuild and the faster figure kept, so the ratio is not flattered by a slow moment. ``--repeat N``
takes N rounds of measures on the same log and prints their spread (the machine may be busy).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from projections.registry import projection
from projections.runners.rebuild import PAGE, rebuild
from projections.store import MessageStore, NewMessage

ACTOR = {"tenant": "bench", "key_id": "key_bench"}
TEXT = "A message of about the length people write, with a few words more than a greeting. " * 2


def fill(store: MessageStore, events: int, per_thread: int = 50) -> None:
    """Record about ``events`` events: threads of ``per_thread`` messages, submitted concurrently."""
    recorded = store.app.recorder.max_notification_id() or 0
    content = [{"type": "text", "text": {"value": TEXT, "annotations": []}}]
    while recorded < events:
        threads = [
            store.create_thread(ACTOR, metadata={"k": "v"}, tool_resources=None, messages=[])
            for _ in range(max(1, min(200, (events - recorded) // per_thread)))
        ]
        ids = [t.result(60).body["id"] for t in threads]
        futures = [
            store.create_message(ACTOR, thread_id, NewMessage(role="user", content=content, metadata={"n": str(i)}))
            for i in range(per_thread)
            for thread_id in ids
        ]
        for future in futures:
            future.result(120)
        recorded = store.app.recorder.max_notification_id() or 0


def read_rate(store: MessageStore, page: int, *, decode: bool) -> tuple[int, float]:
    """Page through the whole log; return (events, events per second)."""
    recorder, mapper = store.app.recorder, store.app.mapper
    started = time.perf_counter()
    position = count = 0
    while True:
        found = recorder.select_notifications(start=position, limit=page, inclusive_of_start=False)
        if not found:
            break
        if decode:
            for notification in found:
                mapper.to_domain_event(notification)
        count += len(found)
        position = found[-1].id
    return count, count / (time.perf_counter() - started)


def measure(store: MessageStore, page: int) -> tuple[float, float, float]:
    """One round: (raw read, decoded read, rebuild) in events/s; the raw read is the faster of before and after."""
    _, raw_before = read_rate(store, page, decode=False)
    _, decoded = read_rate(store, page, decode=True)
    started = time.perf_counter()
    applied = rebuild(store.database, store.app, projection("messages"), page=page)
    rebuilt = applied / (time.perf_counter() - started)
    _, raw_after = read_rate(store, page, decode=False)
    return max(raw_before, raw_after), decoded, rebuilt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--events", type=int, default=100_000, help="events in the log (default 100,000)")
    parser.add_argument("--page", type=int, default=PAGE, help=f"events per page and transaction (default {PAGE})")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of measures on the same log (default 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = MessageStore.open(url, max_batch=512)
        try:
            started = time.perf_counter()
            fill(store, args.events)
            events = store.app.recorder.max_notification_id() or 0
            print(f"log: {events:,} events ({time.perf_counter() - started:.1f} s to record) on {url.split(':')[0]}")
            rounds = [measure(store, args.page) for _ in range(args.repeat)]
        finally:
            store.close()
    for i, (raw, decoded, rebuilt) in enumerate(rounds, 1):
        if args.repeat > 1:
            print(f"round {i}")
        print(f"{'raw log read (rows)':<34}{raw:>12,.0f} events/s")
        print(f"{'log read and decoded (library)':<34}{decoded:>12,.0f} events/s")
        print(f"{'message view rebuild':<34}{rebuilt:>12,.0f} events/s")
        print(f"{'rebuild / raw read':<34}{rebuilt / raw:>12.0%}   (target: 30% or more)")
        print(f"{'rebuild / decoded read':<34}{rebuilt / decoded:>12.0%}")
    if args.repeat > 1:
        ratios = sorted(rebuilt / raw for raw, _, rebuilt in rounds)
        spread = f"min {ratios[0]:.0%}  median {ratios[len(ratios) // 2]:.0%}  max {ratios[-1]:.0%}"
        print(f"{'rebuild / raw read, all rounds':<34}{spread:>30}")


if __name__ == "__main__":
    main()
