"""The scenarios of the benchmark, each measured on the store, the CRUD baseline and PostgreSQL itself."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench import crud_baseline as crud
from bench.load import LoadGenerator, Workload
from bench.report import Report, Row
from bench.seed import BODY, CONTENT, Seeded
from bench.servers import API_KEY, TENANT, Server, connect_patiently, cpu_seconds

HEADERS = {"Authorization": f"Bearer {API_KEY}"}
METRIC = re.compile(r"^(msgstore_write_batch_events_(?:count|sum))\s+([0-9.e+]+)$", re.MULTILINE)


@dataclass
class System:
    """One side of the comparison: its server(s), database and seeded data."""

    name: str
    server: Server
    database_url: str
    seeded: Seeded
    helpers: list[Server] = field(default_factory=list)  # e.g. the store's projection worker process

    def pids(self) -> list[int]:
        return [pid for s in (self.server, *self.helpers) if s.process is not None for pid in s.pids()]

    def metrics(self) -> str | None:
        """The store's ``/metrics`` text; None for the baseline, or if the store does not answer."""
        if self.name != "store":
            return None
        try:
            return httpx.get(self.server.url + "/metrics", timeout=10).text
        except httpx.HTTPError:
            return None

    def batches(self) -> tuple[float, float] | None:
        """(write transactions, events) the store's writer has recorded so far, from /metrics."""
        text = self.metrics()
        if text is None:
            return None
        found = dict(METRIC.findall(text))
        if len(found) < 2:
            return None
        return float(found["msgstore_write_batch_events_count"]), float(found["msgstore_write_batch_events_sum"])

    def new_threads(self, n: int) -> list[str]:
        with httpx.Client(base_url=self.server.url, headers=HEADERS, timeout=30) as client:
            return [client.post("/v1/threads", json={}).json()["id"] for _ in range(n)]


@dataclass
class Bench:
    """Everything a scenario needs: the systems, the load generator, timings, and where rows go."""

    store: System
    baseline: System
    generator: LoadGenerator
    report: Report
    warmup: float
    duration: float
    clients: list[int]
    log_dir: Path
    sqlite: System | None = None

    # --- measuring -------------------------------------------------------------------

    def measure(self, scenario: str, system: System | None, workload: Workload, clients: int) -> Row:
        """Run a workload and add its row; CPU and write batches are read at the edges of the measured window.

        Each measurement first sends one request to every distinct path of its workload (a running server
        holds its working set in its caches: the steady state is measured, not each path's first touch),
        then starts once the store's asynchronous projections have caught up, so that none measures the
        catching up after another.
        """
        edges: dict[str, Any] = {}

        def observe(begin: float, end: float) -> None:
            time.sleep(max(0.0, begin - time.time()))
            if system is not None:
                edges["cpu0"], edges["batches0"] = cpu_seconds(system.pids()), system.batches()
            time.sleep(max(0.0, end - time.time()))
            if system is not None:
                edges["cpu1"], edges["batches1"] = cpu_seconds(system.pids()), system.batches()

        target = "postgresql" if system is None else system.name
        try:
            self.generator.prime(workload, clients)
            wait_caught_up(self.store.database_url)
            sample = self.generator.run(workload, clients, warmup=self.warmup, duration=self.duration, observe=observe)
        except Exception as e:  # e.g. PostgreSQL out of connections: the row says so, the run goes on
            failed = Row(
                scenario, target, clients, duration=self.duration, errors=1, first_error=f"{type(e).__name__}: {e}"
            )
            return self.report.add(failed)
        extra: dict[str, Any] = {}
        if system is not None and sample.latencies:
            extra["server_cpu_us"] = (edges["cpu1"] - edges["cpu0"]) / len(sample.latencies) * 1e6
            b0, b1 = edges.get("batches0"), edges.get("batches1")
            if b0 and b1 and b1[0] > b0[0]:
                extra["batch"] = (b1[1] - b0[1]) / (b1[0] - b0[0])
        return self.report.add(Row.of(scenario, target, clients, sample, self.duration, **extra))

    def http(self, system: System, op: str, paths: list[str], *, read_port: int = 0, body: bytes = BODY) -> Workload:
        return Workload(op, tuple(paths), port=system.server.port, api_key=API_KEY, body=body, read_port=read_port)

    def systems(self) -> list[System]:
        return [self.baseline, self.store]


def _messages_path(thread_id: str) -> str:
    return f"/v1/threads/{thread_id}/messages"


def create_throughput(bench: Bench) -> None:
    """Create messages with 1, 16, 64 clients: spread over many threads, then all into one hot thread."""
    pg = bench.baseline.database_url
    for spread in (True, False):
        for clients in bench.clients:
            scenario = f"create {'spread' if spread else 'hot thread'}"
            for system in bench.systems():
                threads = system.seeded.threads if spread else system.seeded.threads[:1]
                bench.measure(
                    scenario, system, bench.http(system, "post", [_messages_path(t) for t in threads]), clients
                )
            threads = bench.baseline.seeded.threads if spread else bench.baseline.seeded.threads[:1]
            values = ("user", _dumps(CONTENT), "[]", "{}")
            params = [(crud.INSERT_MESSAGE, (*values, t, TENANT)) for t in threads]
            bench.measure(scenario, None, Workload("pg_insert", tuple(params), dsn=pg), clients)


def create_latency(bench: Bench) -> None:
    """One client creating into a thread of many messages, then into new threads."""
    for system in bench.systems():
        bench.measure(
            "create latency, long thread", system, bench.http(system, "post", [_messages_path(system.seeded.long)]), 1
        )
        fresh = system.new_threads(20)
        bench.measure(
            "create latency, new thread", system, bench.http(system, "post", [_messages_path(t) for t in fresh]), 1
        )


def list_pages(bench: Bench) -> None:
    """Pages of 20 of the long thread: the newest, and one deep inside (after the middle message)."""
    for system in bench.systems():
        seeded = system.seeded
        middle = seeded.deep_messages[len(seeded.deep_messages) // 2]
        head = _messages_path(seeded.deep) + "?limit=20"
        deep = _messages_path(seeded.deep) + f"?limit=20&after={middle}"
        bench.measure("list head page", system, bench.http(system, "get", [head]), 1)
        bench.measure("list deep page", system, bench.http(system, "get", [deep]), 1)
    pg = bench.baseline.database_url
    seeded = bench.baseline.seeded
    page = (
        crud.PAGE + " AND (created_at, id) < (SELECT created_at, id FROM crud_messages WHERE message_id = %s)"
        " ORDER BY created_at DESC, id DESC LIMIT 21"
    )
    middle = seeded.deep_messages[len(seeded.deep_messages) // 2]
    bench.measure("list deep page", None, Workload("pg_select", ((page, (seeded.deep, middle)),), dsn=pg), 1)
    for system in bench.systems():
        paths = [_messages_path(t) + "?limit=20" for t in system.seeded.threads]
        bench.measure("list throughput", system, bench.http(system, "get", paths), 16)


def retrieve_throughput(bench: Bench) -> None:
    """Retrieve random messages of many threads with 16 clients."""
    for system in bench.systems():
        paths = [f"{_messages_path(t)}/{m}" for t, m in system.seeded.messages]
        bench.measure("retrieve", system, bench.http(system, "get", paths), 16)
    select = crud.SELECT_MESSAGE
    params = tuple((select, (m, t)) for t, m in bench.baseline.seeded.messages)
    bench.measure("retrieve", None, Workload("pg_select", params, dsn=bench.baseline.database_url), 16)


def read_your_writes(bench: Bench) -> None:
    """Create through one server process and read the message back through another, at once."""
    for system in bench.systems():
        second = Server(system.server.name, system.server.command, system.server.env, bench.log_dir).start()
        try:
            paths = [_messages_path(t) for t in system.seeded.threads]
            workload = bench.http(system, "ryw", paths, read_port=second.port)
            row = bench.measure("read-your-writes", system, workload, 1)
            row.note = "POST to one process, GET from another; errors = reads that missed the write"
        finally:
            second.stop()


def sqlite_store(bench: Bench) -> None:
    """The store on SQLite (the embedded default) for the same creates and reads."""
    system = bench.sqlite
    if system is None:
        return
    paths = [_messages_path(t) for t in system.seeded.threads]
    for clients in (1, 16):
        bench.measure(f"sqlite: create spread ({clients})", system, bench.http(system, "post", paths), clients)
    reads = [f"{_messages_path(t)}/{m}" for t, m in system.seeded.messages]
    bench.measure("sqlite: retrieve", system, bench.http(system, "get", reads), 16)


def mixed_load(bench: Bench, label: str, threads: list[str]) -> None:
    """Creates, then pages, spread over ``threads`` of the store, 16 clients."""
    system = bench.store
    creates = [_messages_path(t) for t in threads]
    bench.measure(f"mixed load ({label}): create", system, bench.http(system, "post", creates), 16)
    pages = [_messages_path(t) + "?limit=20" for t in threads]
    bench.measure(f"mixed load ({label}): list", system, bench.http(system, "get", pages), 16)


def count_messages(url: str) -> int:
    """Messages in the store's message view."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM messages_view").fetchone()
    return int(row[0]) if row else 0


def peak_rss(bench: Bench, label: str) -> None:
    """The store server's peak resident memory so far."""
    bench.report.add(Row(f"server peak RSS ({label})", "store", value=bench.store.server.peak_rss_mb(), unit="MB"))
    bench.report.add(
        Row(f"server peak RSS ({label})", "baseline", value=bench.baseline.server.peak_rss_mb(), unit="MB")
    )


def wait_caught_up(url: str, timeout: float = 600) -> None:
    """Wait until every projection of the store at ``url`` has applied the whole event log."""
    deadline = time.monotonic() + timeout
    with connect_patiently(url) as conn:
        while time.monotonic() < deadline:
            head = conn.execute("SELECT coalesce(max(notification_id), 0) FROM msgstore_events").fetchone()
            rows = conn.execute("SELECT projection, position FROM projection_positions").fetchall()
            if head is not None and rows and all(position >= head[0] for _, position in rows):
                return
            time.sleep(0.1)
    raise TimeoutError("the projections did not catch up")


def _dumps(value: Any) -> str:
    import orjson

    return orjson.dumps(value).decode()
