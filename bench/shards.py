"""Creates and lists on one shard and on two, and lists from a streaming replica, on private PostgreSQL clusters.

``python -m bench.shards [--clients 16] [--duration 10] [--workers 2]`` starts two private clusters (initdb into
temporary folders, ports of their own: never the machine's server) and a streaming replica of the first
(``pg_basebackup``), then measures, with two tenants each driving half the clients through ``msgstore serve``:

- one shard: both tenants' threads in one database of the first cluster;
- two shards: ``MSGSTORE_SHARDS`` puts each tenant in a cluster of its own;
- a replica: one database, ``MSGSTORE_READ_URLS`` naming the replica; the share of lists it answered is
  read from its ``pg_stat_database``.

Every figure shares this machine's cores with the servers, the clusters and the load generator.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
import psycopg

from bench.load import LoadGenerator, Sample, Workload, _work
from bench.servers import Server
from tests.support.private_postgres import PrivatePostgres
from tests.support.replica import StreamingReplica

TENANTS = {"sk-bench-alpha": "alpha", "sk-bench-beta": "beta"}
KEYS = ",".join(f"{key}:{tenant}" for key, tenant in TENANTS.items())
THREADS = 20  # per tenant
MESSAGES = 30  # per thread, for the lists
BODY = orjson.dumps({"role": "user", "content": "How far has my parcel got?"})


def run_plan(plan: tuple[Workload, int, int, float, float, float]) -> Sample:
    """One tenant's clients in a load-generator process (``LoadGenerator.each``)."""
    return _work(*plan)


def seed(server: Server, key: str) -> list[str]:
    """``THREADS`` threads of ``MESSAGES`` messages for the tenant of ``key``; their ids."""
    headers = {"Authorization": f"Bearer {key}"}
    ids: list[str] = []
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
        for _ in range(THREADS):
            messages = [{"role": "user", "content": f"m{n}"} for n in range(MESSAGES)]
            ids.append(http.post("/v1/threads", json={"messages": messages}).json()["id"])
    return ids


def measure(
    load: LoadGenerator, server: Server, threads: dict[str, list[str]], op: str, options: argparse.Namespace
) -> tuple[float, float, float, int]:
    """Requests/s, p50 and p99 in ms, and errors, with each tenant's clients on its own threads."""
    plans = []
    start_at = time.time() + 1.0
    for n, (key, ids) in enumerate(threads.items()):
        if op == "create":
            paths = tuple(f"/v1/threads/{t}/messages" for t in ids)
            workload = Workload("post", paths, port=server.port, api_key=key, body=BODY)
        else:
            paths = tuple(f"/v1/threads/{t}/messages?limit=20" for t in ids)
            workload = Workload("get", paths, port=server.port, api_key=key)
        plans.append((workload, options.clients // len(threads), n + 1, start_at, options.warmup, options.duration))
    samples = load.each(run_plan, plans)
    latencies = sorted(x for s in samples for x in s.latencies)
    errors = sum(s.errors for s in samples)
    if not latencies:
        return 0.0, 0.0, 0.0, errors
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / options.duration, statistics.median(latencies) * 1000, p99 * 1000, errors


@contextmanager
def serving(root: Path, url: str, options: argparse.Namespace, **env: str) -> Iterator[Server]:
    """``msgstore serve`` on ``url`` (or the shards in ``env``), stopped after the block."""
    server = Server.store(url, root, workers=options.workers, MSGSTORE_API_KEYS=KEYS, **env).start()
    try:
        yield server
    finally:
        server.stop()


def xacts(url: str) -> int:
    """Transactions committed in the database at ``url`` so far (its ``pg_stat_database`` row)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()").fetchone()
    return int(row[0]) if row else 0


def bytes_per_message(server: Server, url: str, empty: str) -> tuple[int, float]:
    """Messages in the store at ``url`` and its bytes per message beyond an empty store's (``empty``), once the
    worker has caught up (history and analytics included) and both were vacuumed."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the worker's projections caught up with the log
        report = httpx.get(server.url + "/readyz", timeout=30).json()
        if all(p["lag"] == 0 for p in report["projections"].values()):
            break
        time.sleep(0.5)
    sizes = []
    for database in (url, empty):
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute("VACUUM")
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            sizes.append(int(row[0]) if row else 0)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM messages_view").fetchone()
    messages = int(row[0]) if row else 0
    return messages, (sizes[0] - sizes[1]) / max(messages, 1)


def scenario(
    name: str, load: LoadGenerator, server: Server, options: argparse.Namespace
) -> dict[str, list[str]]:
    threads = {key: seed(server, key) for key in TENANTS}
    for op in ("create", "list"):
        rate, p50, p99, errors = measure(load, server, threads, op, options)
        print(f"{name:<28} {op:<7} {rate:>8,.0f}/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  errors {errors}", flush=True)
    return threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients, half per tenant")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per figure")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    options = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="msgstore-bench-shards-"))
    first, second = PrivatePostgres(), PrivatePostgres()
    replica: StreamingReplica | None = None
    load = LoadGenerator(processes=len(TENANTS))
    try:
        first.start()
        second.start()
        replica = StreamingReplica(first)
        replica.start()
        one, empty = first.create_database(), first.create_database()
        with serving(root, empty, options):
            pass  # an empty store: its tables and indexes, to subtract
        with serving(root, one, options) as server:
            scenario("one shard", load, server, options)
            messages, size = bytes_per_message(server, one, empty)
        print(f"{'one shard':<28} {messages:,} messages: {size / 1024:.1f} KiB each (log, views, history)", flush=True)
        shards = f"alpha={first.create_database()},*={second.create_database()}"
        with serving(root, "", options, MSGSTORE_SHARDS=shards) as server:
            scenario("two shards (two clusters)", load, server, options)
        primary = first.create_database()
        time.sleep(1.0)  # the replica replays the new database's creation
        standby = replica.database(primary)
        with serving(root, primary, options, MSGSTORE_READ_URLS=standby) as server:
            threads = {key: seed(server, key) for key in TENANTS}
            before = xacts(standby), xacts(primary)
            rate, p50, p99, errors = measure(load, server, threads, "list", options)
            on_replica, on_primary = xacts(standby) - before[0], xacts(primary) - before[1]
        lists = max(rate * (options.duration + options.warmup), 1)  # the counters also saw the warm-up
        print(
            f"{'one database + a replica':<28} list    {rate:>8,.0f}/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"
            f"  errors {errors}; statements per list: {on_primary / lists:.2f} on the primary,"
            f" {on_replica / lists:.2f} on the replica",
            flush=True,
        )
    finally:
        load.close()
        if replica is not None:
            replica.remove()
        first.remove()
        second.remove()


if __name__ == "__main__":
    main()
