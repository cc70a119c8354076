"""The streaming scenario: N runtimes writing replies delta by delta at 20 deltas/s each, followers on the streams.

For growing N (doubling, then halving the gap between the last N sustained and the first not), on the
CRUD baseline and on the store in turn: sustained deltas/s, delta POST latency, POST -> follower receipt
median and p99, the store's write batches (from ``/metrics``), and the bytes each table grew by per
reply. N is *sustained* when the deltas acknowledged reach 95% of N x rate, with no error and follower
p99 under 100 ms.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from bench.report import Row
from bench.scenarios import Bench, System, wait_caught_up
from bench.servers import API_KEY, RUNTIME_KEY, connect_patiently, cpu_seconds
from bench.streaming_load import StreamPlan, StreamSample, work

RATE = 20.0  # deltas a second per reply
DELTAS = 40  # per reply: about 180 tokens, two seconds
FOLLOWERS = 1  # per thread
START = 10  # runtimes of the first step
MAX_RUNTIMES = 1280
P99_LIMIT_MS = 100.0
SUSTAINED = 0.95  # share of N x rate that must be acknowledged
BUCKET = re.compile(r'^msgstore_write_batch_events_bucket\{le="([^"]+)"\}\s+([0-9.e+]+)$', re.MULTILINE)
TABLE_GROUPS = (
    ("msgstore_events", "event log"),
    ("msgstore_snapshots", "snapshots"),
    ("threads_view", "message view"),
    ("messages_view", "message view"),
    ("conversation_items", "conversation items view"),
    ("history_", "history"),
    ("analytics_", "analytics"),
    ("projection_positions", "positions"),
    ("idempotency", "idempotency keys"),
    ("crud_messages", "CRUD rows"),
    ("crud_threads", "CRUD rows"),
)
console = Console(stderr=True)


@dataclass
class Step:
    """One N on one system: what the runtimes and followers saw."""

    runtimes: int
    sample: StreamSample
    duration: float
    per_reply: dict[str, float] = field(default_factory=dict)  # bytes each table group grew by, per reply

    @property
    def rate(self) -> float:
        return self.sample.acked / self.duration

    @property
    def follow_p99_ms(self) -> float:
        return percentile(self.sample.follows, 0.99) * 1000

    @property
    def sustained(self) -> bool:
        enough = self.rate >= SUSTAINED * self.runtimes * RATE
        return enough and not self.sample.errors and bool(self.sample.follows) and self.follow_p99_ms < P99_LIMIT_MS


@dataclass
class Sweep:
    """One system's search for its largest N: doubling from ``START``, then halving the gap to the first failure."""

    next: int = START
    best: Step | None = None
    failed: int = 0
    done: bool = False

    def record(self, step: Step) -> None:
        if step.sustained:
            self.best = step if self.best is None or step.rate > self.best.rate else self.best
        else:
            self.failed = step.runtimes
        lower = self.best.runtimes if self.best else 0
        self.next = (lower + self.failed) // 2 if self.failed else step.runtimes * 2
        self.done = self.next > MAX_RUNTIMES or bool(self.failed and self.failed - lower <= max(2, lower // 4))


def streaming(bench: Bench) -> None:
    """Sweep N on the baseline and the store in turn (each N on one, then on the other, so both see the same
    machine); a failed N is tried once more before it counts (a burst of load from elsewhere fails one try).
    Adds a row per try, then each system's largest N sustained, its deltas/s there, and its bytes per reply.
    """
    sweeps = {system.name: Sweep() for system in bench.systems()}
    while not all(sweep.done for sweep in sweeps.values()):
        for system in bench.systems():
            sweep = sweeps[system.name]
            if sweep.done:
                continue
            step = measure(bench, system, sweep.next)
            if not step.sustained:
                step = measure(bench, system, sweep.next)
            sweep.record(step)
    for system in bench.systems():
        best = sweeps[system.name].best
        largest = best.runtimes if best else 0
        row = bench.report.add(Row("streaming: largest N sustained", system.name, value=float(largest), unit="replies"))
        row.note = f"{RATE:g} deltas/s per reply, follower p99 < {P99_LIMIT_MS:g} ms"
        rate = best.rate if best else 0.0
        bench.report.add(Row("streaming: sustained deltas/s", system.name, value=rate, unit="deltas/s"))
        for group, size in sorted(best.per_reply.items() if best else ()):
            row = Row(f"streaming: bytes per reply, {group}", system.name, largest, value=size, unit="B")
            bench.report.add(row).note = f"table growth at N={largest}, {DELTAS} deltas a reply"
        console.print(f"[bold]streaming {system.name}[/]: largest N sustained {largest}, {rate:,.0f} deltas/s")


def measure(bench: Bench, system: System, runtimes: int) -> Step:
    """Run N runtimes (and their followers) on fresh threads of ``system``; add the step's row."""
    threads = system.new_threads(runtimes)
    wait_caught_up(bench.store.database_url)
    sizes0 = table_bytes(system.database_url)
    parts = min(bench.generator.processes, runtimes)
    start_at = time.time() + 1.0 + 0.01 * runtimes * FOLLOWERS
    plans = [
        StreamPlan(
            system.server.port,
            RUNTIME_KEY,
            API_KEY,
            tuple(threads[i::parts]),
            FOLLOWERS,
            RATE,
            DELTAS,
            start_at,
            bench.warmup,
            bench.duration,
            seed=runtimes * 10 + i,
        )
        for i in range(parts)
    ]
    edges: dict[str, object] = {}

    def read(edge: str) -> None:
        edges["cpu" + edge], edges["buckets" + edge] = cpu_seconds(system.pids()), buckets(system)
        edges["batches" + edge] = system.batches()

    def observe() -> None:
        time.sleep(max(0.0, start_at + bench.warmup - time.time()))
        read("0")
        time.sleep(max(0.0, start_at + bench.warmup + bench.duration - time.time()))
        read("1")

    sample = StreamSample()
    for part in bench.generator.each(work, plans, observe):
        sample.merge(part)
    step = Step(runtimes, sample, bench.duration)
    wait_caught_up(bench.store.database_url)
    grown = {k: v - sizes0.get(k, 0) for k, v in table_bytes(system.database_url).items()}
    add_rows(bench, system, step, edges, grown)
    return step


def add_rows(bench: Bench, system: System, step: Step, edges: dict[str, object], grown: dict[str, int]) -> None:
    s = step.sample
    extra: dict[str, Any] = {}
    if s.acked:
        cpu0, cpu1 = edges["cpu0"], edges["cpu1"]
        assert isinstance(cpu0, float) and isinstance(cpu1, float)
        extra["server_cpu_us"] = (cpu1 - cpu0) / s.acked * 1e6
    b0, b1 = edges.get("batches0"), edges.get("batches1")
    if isinstance(b0, tuple) and isinstance(b1, tuple) and b1[0] > b0[0]:
        extra["batch"] = (b1[1] - b0[1]) / (b1[0] - b0[0])
    bounds = bucket_bounds(edges.get("buckets0"), edges.get("buckets1"))
    row = Row(
        f"streaming ({step.runtimes} replies)",
        system.name,
        step.runtimes,
        count=s.acked,
        duration=step.duration,
        median_ms=percentile(s.follows, 0.5) * 1000,
        p99_ms=step.follow_p99_ms,
        errors=s.errors,
        first_error=s.first_error,
        generator_cpu=s.cpu_seconds / step.duration,
        **extra,
    )
    replies = s.acked_total / DELTAS if s.acked_total else 0
    per_reply = step.per_reply = {group: size / replies for group, size in grown.items() if replies and size > 0}
    lost = s.expected - len(s.follows)
    row.note = (
        f"target {step.runtimes * RATE:,.0f}/s; delta POST p50 {percentile(s.posts, 0.5) * 1000:.1f} ms,"
        f" p99 {percentile(s.posts, 0.99) * 1000:.1f} ms; follower frames missing {lost}"
        + (f"; writer batch p50 ≤ {bounds[0]:g}, p99 ≤ {bounds[1]:g} events" if bounds else "")
        + "; bytes per reply: "
        + ", ".join(f"{g} {b:,.0f}" for g, b in sorted(per_reply.items()))
    )
    bench.report.add(row)
    verdict = "[green]sustained[/]" if step.sustained else "[red]not sustained[/]"
    console.print(
        f"  {system.name} N={step.runtimes}: {step.rate:,.0f} deltas/s (target {step.runtimes * RATE:,.0f}),"
        f" follower p50 {row.median_ms:.1f} ms p99 {row.p99_ms:.1f} ms, errors {s.errors} {verdict}\n    {row.note}"
    )


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if q == 0.5:
        return statistics.median(values)
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def table_bytes(url: str) -> dict[str, int]:
    """Bytes on disk (heap, TOAST, indexes) of the tables of ``TABLE_GROUPS``, summed per group."""
    with connect_patiently(url) as conn:
        rows = conn.execute(
            "SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        ).fetchall()
    found: dict[str, int] = {}
    for name, size in rows:
        group = next((g for prefix, g in TABLE_GROUPS if name.startswith(prefix)), None)
        if group is not None:
            found[group] = found.get(group, 0) + int(size)
    return found


def buckets(system: System) -> dict[float, float] | None:
    """The writer's cumulative batch-size histogram (events per transaction) from the store's ``/metrics``."""
    text = system.metrics()
    if text is None:
        return None
    return {float(le): float(count) for le, count in BUCKET.findall(text)}


def bucket_bounds(before: object, after: object) -> tuple[float, float] | None:
    """Upper bounds of the median and p99 batch between two histograms; None if there were no batches."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return None
    counts = {le: after[le] - before.get(le, 0.0) for le in sorted(after)}
    total = counts.get(float("inf"), 0.0)
    if total <= 0:
        return None
    p50, p99 = (next(le for le, c in counts.items() if c >= q * total) for q in (0.5, 0.99))
    return p50, p99
