"""What encryption at rest costs: creates, lists and a rebuild with and without it, in one run, as ratios.

    python -m bench.encryption                      # SQLite (temporary files) and PostgreSQL (temporary databases)
    python -m bench.encryption --backend sqlite --messages 4000 --rounds 3

Each round opens a fresh database twice, once encrypting and once not (in alternating order, so that
whatever else the machine does falls on both), and measures in-process, without HTTP: creates
submitted 64 at a time (concurrent clients, batched by the writer), creates one at a time (a lone
client), pages of 20 messages read from the view, and a rebuild of the message view, each as the CPU
time this process spends per operation (the database server's own, on PostgreSQL, is not in it). The
figure per mode is the median of the rounds; the cost is encrypted / plain (1.10: 10% more CPU).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from bench.history_bytes import postgres_database
from domain.ids import key_identifier
from projections.crypto.master import MasterKey, new_master_key
from projections.registry import projection
from projections.runners.rebuild import rebuild
from projections.store import MessageStore, NewMessage

ACTOR = {"tenant": "bench", "key_id": key_identifier("sk-bench")}
TEXT = "A message of ordinary length, about as long as a user's question to an assistant. " * 3


def message() -> NewMessage:
    """A user message of a few hundred characters."""
    return NewMessage(role="user", content=[{"type": "text", "text": {"value": TEXT, "annotations": []}}])


def timed(work: Callable[[], int]) -> float:
    """CPU microseconds of this process per operation of ``work`` (which returns how many it did).

    CPU time, not wall time: on a machine shared with other work, what this process spends is what
    encrypting changes, and it is far steadier than a rate.
    """
    started = time.process_time()
    done = work()
    return (time.process_time() - started) * 1e6 / done


def measure(store: MessageStore, messages: int) -> dict[str, float]:
    """CPU per operation of one store (encrypting or not is the only difference between two stores)."""
    thread = store.create_thread(ACTOR, metadata={"k": "v"}, tool_resources=None, messages=[]).result(30).body["id"]

    def batched() -> int:
        for start in range(0, messages, 64):
            for future in [store.create_message(ACTOR, thread, message()) for _ in range(min(64, messages - start))]:
                future.result(60)
        return messages

    def lone() -> int:
        for _ in range(messages // 10):
            store.create_message(ACTOR, thread, message()).result(60)
        return messages // 10

    def listed() -> int:
        reads = 0
        for _ in range(3):
            after = None
            more = True
            while more:
                page = store.messages("bench", thread, limit=20, order="asc", after=after)
                reads += 1
                more = page.has_more
                after = page.data[-1]["id"] if page.data else None
        return reads

    return {
        "create, 64 at a time": timed(batched),
        "create, one at a time": timed(lone),
        "page of 20 messages": timed(listed),
        "rebuild, per event": timed(lambda: rebuild(store.database, store.app, projection("messages"))),
    }


@contextmanager
def sqlite_database() -> Iterator[str]:
    """A SQLite file in a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


def run(make: Callable[[], AbstractContextManager[str]], messages: int, rounds: int) -> dict[str, dict[str, float]]:
    """Median rates per mode over ``rounds`` rounds."""
    found: dict[str, list[dict[str, float]]] = {"plain": [], "encrypted": []}
    for n in range(rounds):
        for mode in (("plain", "encrypted") if n % 2 == 0 else ("encrypted", "plain")):
            with make() as url:
                key = MasterKey.parse(new_master_key()) if mode == "encrypted" else None
                store = MessageStore.open(url, master_key=key)
                try:
                    found[mode].append(measure(store, messages))
                finally:
                    store.close()
    return {mode: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for mode, runs in found.items()}



def main() -> None:
    """Measure and print the table per database."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    backends = {"sqlite": sqlite_database, "postgres": postgres_database}
    for name in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        figures = run(backends[name], args.messages, args.rounds)
        print(f"\n{name}: {args.messages} messages; CPU microseconds per operation, median of {args.rounds} rounds")
        print(f"{'':28}{'plain':>10}{'encrypted':>11}{'cost':>7}")
        for k, plain in figures["plain"].items():
            encrypted = figures["encrypted"][k]
            print(f"{k:28}{plain:10,.1f}{encrypted:11,.1f}{encrypted / plain:7.2f}")


if __name__ == "__main__":
    main()
