"""Bytes one streamed reply costs: the event log against the history and the live messages view.

    python -m bench.history_bytes                       # SQLite (temporary file) and PostgreSQL (temporary database)
    python -m bench.history_bytes --deltas 2000 --size 40000 --every 1 --backend postgres
    python -m bench.history_bytes --fill 100000 --replies 10 --rebuild   # and time a history rebuild

One assistant reply of ``--size`` characters is streamed in ``--deltas`` deltas into a new thread and
completed; the history is brought up to date every ``--every`` deltas (1: one history batch per
delta, as a worker that keeps up with a slow stream applies them; 0: once, at the end). Each table's
bytes are measured before and after (PostgreSQL: ``pg_total_relation_size``, indexes and TOAST
included, after a VACUUM so dead row versions the worker would reclaim are not counted; SQLite: the
``dbstat`` pages of the table and its indexes), and the size of one ``/versions?limit=100`` page, the
last one of the list, is printed beside them. ``--fill N`` first records about N events of ordinary
messages (``bench.rebuild.fill``); ``--rebuild`` then times a rebuild of the history from the whole log.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import psycopg

from bench.rebuild import fill
from domain.ids import key_identifier
from projections.history.render import event_id
from projections.history.tables import HistoryTables
from projections.messages.tables import ViewTables
from projections.registry import projection
from projections.runners.rebuild import rebuild, verify
from projections.store import MessageStore, NewMessage

ACTOR = {"tenant": "bench", "key_id": key_identifier("sk-bench")}
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
EVENT_LOG = ("stored_events", "msgstore_events")  # SQLite, PostgreSQL
SNAPSHOTS = ("stored_snapshots", "msgstore_snapshots")
COMMON = "the of and a to in is you that it he was for on are as with his they at be this from"


def reply_text(size: int, seed: int = 7) -> str:
    """``size`` characters of word-like text (compresses about as prose does)."""
    rng = random.Random(seed)
    common = COMMON.split()
    words: list[str] = []
    length = 0
    while length < size:
        word = (
            rng.choice(common) if rng.random() < 0.6 else "".join(rng.choices("etaoinshrdlucmfw", k=rng.randint(3, 9)))
        )
        words.append(word)
        length += len(word) + 1
    return " ".join(words)[:size]


def table_bytes(store: MessageStore) -> dict[str, int]:
    """Bytes of every table, its indexes included."""
    with store.database.read() as curs:
        if store.database.dialect.name == "postgres":
            curs.execute(
                "SELECT relname AS name, pg_total_relation_size(oid) AS bytes FROM pg_class"
                " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            )
            return {row["name"]: int(row["bytes"]) for row in curs.fetchall()}
        curs.execute(
            "SELECT coalesce(m.tbl_name, s.name) AS name, sum(s.pgsize) AS bytes FROM dbstat s"
            " LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1"
        )
        return {row["name"]: int(row["bytes"]) for row in curs.fetchall()}


def vacuum(url: str) -> None:
    """PostgreSQL: reclaim dead row versions, as autovacuum soon does (SQLite reuses freed pages at once)."""
    if url.startswith("postgres"):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM")


def stream(store: MessageStore, deltas: int, size: int, every: int) -> tuple[str, str]:
    """Stream one reply into a new thread; return (thread id, message id)."""
    thread_id = store.create_thread(ACTOR, metadata={}, tool_resources=None, messages=[]).result().body["id"]
    reply = NewMessage(
        role="assistant", content=[], assistant_id="asst_bench", run_id="run_bench", status="in_progress"
    )
    message_id = store.create_message(ACTOR, thread_id, reply).result().body["id"]
    text = reply_text(size)
    step = -(-size // deltas)
    for n, start in enumerate(range(0, size, step), 1):
        part = [{"index": 0, "type": "text", "text": {"value": text[start : start + step]}}]
        store.append_to_message(ACTOR, thread_id, message_id, part).result()
        if every and n % every == 0:
            store.history.ensure_up_to_date()
    store.complete_message(ACTOR, thread_id, message_id).result()
    store.history.ensure_up_to_date()
    return str(thread_id), str(message_id)


def versions_pages(store: MessageStore, thread_id: str, message_id: str) -> dict[str, int]:
    """Bytes of the last page of ``/versions?limit=100`` (the longest contents) as JSON, and read times in µs."""
    head = store.history.events(None, thread_id, limit=1, order="desc").data[0]["version"]
    last = event_id(thread_id, max(1, head - 101))

    def page(after: str | None) -> Any:
        return store.history.versions(None, thread_id, message_id, limit=100, order="asc", after=after)

    found = page(last)
    timing = {}
    for name, after in (("first", None), ("last", last)):
        samples = []
        for _ in range(15):
            started = time.perf_counter()
            page(after)
            samples.append(time.perf_counter() - started)
        timing[f"versions page, {name} (µs)"] = int(statistics.median(samples) * 1e6)
    body = {"object": "list", "data": found.data, "has_more": found.has_more}
    return {"versions page": len(orjson.dumps(body)), **timing}


def timed_rebuild(store: MessageStore) -> dict[str, int]:
    """Rebuild the history from the whole log; its rate, and whether verify then finds it exact."""
    started = time.perf_counter()
    applied = rebuild(store.database, store.app, projection("history"))
    rate = applied / (time.perf_counter() - started)
    return {
        "rebuild events": applied,
        "rebuild events/s": int(rate),
        "verify differences": len(verify(store.database, store.app, projection("history"))),
    }


def run(url: str, args: argparse.Namespace) -> dict[str, int]:
    """Measure streamed replies on one database; return the figures (bytes per reply)."""
    store = MessageStore.open(url, max_batch=512)
    try:
        if args.fill:
            fill(store, args.fill)
        store.history.ensure_up_to_date()
        vacuum(url)
        before = table_bytes(store)
        figures: dict[str, int] = {}
        for _ in range(args.replies):
            thread_id, message_id = stream(store, args.deltas, args.size, args.every)
        if args.replies:
            vacuum(url)
            after = table_bytes(store)
            grown = {name: (after[name] - before.get(name, 0)) // args.replies for name in after}
            history = HistoryTables(store.database.dialect)
            view = ViewTables(store.database.dialect)
            figures = {
                "event log": sum(grown.get(t, 0) for t in EVENT_LOG),
                "snapshots": sum(grown.get(t, 0) for t in SNAPSHOTS),
                "history": sum(grown.get(t, 0) for t in history.names),
                **{f"  {t}": grown.get(t, 0) for t in history.names},
                "messages view": sum(grown.get(t, 0) for t in (view.threads, view.messages)),
                **versions_pages(store, thread_id, message_id),
            }
        if args.rebuild:
            figures.update(timed_rebuild(store))
        return figures
    finally:
        store.close()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A temporary PostgreSQL database, dropped afterwards."""
    name = "msgstore_bench_" + secrets.token_hex(4)
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def report(backend: str, figures: dict[str, Any]) -> None:
    log = figures.get("event log") or 1
    print(f"\n{backend} (bytes per reply):")
    for name, value in figures.items():
        if name.startswith(("rebuild", "verify")) or "µs" in name:
            print(f"  {name:<28} {value:>12,}")
            continue
        ratio = f"{value / log:6.2f}x log" if name != "versions page" else ""
        print(f"  {name:<28} {value:>12,} bytes  {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", type=int, default=2000)
    parser.add_argument("--size", type=int, default=40_000, help="characters of the reply")
    parser.add_argument("--every", type=int, default=1, help="deltas per history batch (0: one batch at the end)")
    parser.add_argument("--replies", type=int, default=1, help="streamed replies (figures are per reply)")
    parser.add_argument("--fill", type=int, default=0, help="events of ordinary messages recorded first")
    parser.add_argument("--rebuild", action="store_true", help="time a rebuild of the history afterwards")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    print(
        f"one reply of {args.size:,} characters in {args.deltas:,} deltas, history applied every {args.every or 'end'}"
    )
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            report("sqlite", run(f"sqlite:///{tmp}/bench.db", args))
    if args.backend in ("postgres", "both"):
        with postgres_database() as url:
            report("postgres", run(url, args))


if __name__ == "__main__":
    main()
