"""PostgreSQL outages under load: how soon writes are refused (503), how soon they succeed again, what was lost.

``python -m bench.outage [--seconds 1 10 60] [--writers 8]`` starts a private PostgreSQL cluster (initdb in a
temporary folder, its own port: never the machine's server), a ``msgstore serve`` on it, and writers using
the OpenAI SDK with its default retries and a 15 s timeout (``--sdk-timeout``; the fault suite's writers,
tests/faults/writers.py). For each outage it stops the cluster under load, starts it again, and prints: the
first 503 after the stop began, the first 200 and the first ``/readyz`` 200 after the restart, the slowest
acknowledged write, and how the writes ended (acknowledged, refused, in doubt), checked against the log.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tests.faults.checks import listed, opened, read_log, write_problems
from tests.faults.writers import SDK_TIMEOUT, Write, Writers
from tests.support.private_postgres import PrivatePostgres
from tests.support.servers import Server


def ready_again(server: Server, since: list[float], found: list[float], stopping: threading.Event) -> None:
    """Poll /readyz; once ``since`` holds the restart's time, put the first 200 after it in ``found``."""
    while not stopping.is_set() and not found:
        try:
            ok = httpx.get(server.root + "/readyz", timeout=30).status_code == 200
        except httpx.HTTPError:
            ok = False
        if ok and since:
            found.append(time.monotonic() - since[0])
        time.sleep(0.05)


def timeline(write: Write, origin: float) -> str:
    steps = [
        f"#{a.retry} sent {a.sent - origin:+.1f} s: "
        + (f"{a.status} at {a.answered - origin:+.1f} s" if a.answered else "no answer")
        for a in write.attempts
    ]
    return f"{write.content}: {'; '.join(steps)} -> {write.message_id or write.error}"


def slowest(writes: list[Write]) -> float:
    """The longest a write took from its first attempt to its answer, retries included, among those answered 200."""
    took = [w.attempts[-1].answered - w.attempts[0].sent for w in writes if w.acknowledged and w.attempts[-1].answered]
    return max(took, default=0.0)


def measure(cluster: PrivatePostgres, seconds: float, options: argparse.Namespace, data_dir: Path) -> None:
    url = cluster.create_database()
    server = Server(url, data_dir).start()
    try:
        load = Writers(server.base_url, count=options.writers, timeout=options.sdk_timeout).start()
        load.wait_for(40)
        restarted: list[float] = []
        readyz: list[float] = []
        stopping = threading.Event()
        probe = threading.Thread(target=ready_again, args=(server, restarted, readyz, stopping), daemon=True)
        probe.start()
        began = time.monotonic()
        cluster.stop()
        time.sleep(seconds)
        cluster.start()
        restarted.append(time.monotonic())
        load.wait_for(40, timeout=180)
        writes = load.stop()
        probe.join(timeout=60)
        stopping.set()
        ledger = load.ledger
        to_503, to_200 = ledger.first_answer(503, began), ledger.first_answer(200, restarted[0])
        with opened(url) as store:
            problems = write_problems(writes, listed(server.base_url, load.thread_ids), read_log(store))
        print(
            f"{seconds:>4g} s outage: first 503 {_s(to_503)} after the stop, first 200 {_s(to_200)} and"
            f" /readyz 200 {_s(readyz[0] if readyz else None)} after the restart; slowest acknowledged write"
            f" {_s(slowest(writes))}; {ledger.summary()}; lost or duplicated: {len(problems)}"
        )
        for line in problems if options.verbose else []:
            print("   ", line)
        for write in [w for w in writes if not w.acknowledged] if options.verbose else []:
            print("   ", timeline(write, began))
    finally:
        server.stop()


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, nargs="+", default=[1, 10, 60], help="outages to measure")
    parser.add_argument("--writers", type=int, default=8, help="concurrent SDK clients")
    parser.add_argument("--sdk-timeout", type=float, default=SDK_TIMEOUT, help="SDK timeout, s (its default: 600)")
    parser.add_argument("--verbose", action="store_true", help="every write not acknowledged, attempt by attempt")
    options = parser.parse_args()
    cluster = PrivatePostgres()
    try:
        cluster.start()
        with tempfile.TemporaryDirectory(prefix="msgstore-outage-") as folder:
            for seconds in options.seconds:
                measure(cluster, seconds, options, Path(folder) / f"{seconds:g}")
    finally:
        cluster.remove()


if __name__ == "__main__":
    main()
