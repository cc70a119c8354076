"""The issue's targets, checked against the rows of one run: the threads API's, and the conversations'."""

from __future__ import annotations

from collections.abc import Callable

from bench import conversations
from bench.report import Report, Row, Target


def quotient(a: Row | None, b: Row | None, figure: Callable[[Row], float | None]) -> float | None:
    """``figure`` of row ``a`` divided by that of row ``b``; None when a row or a figure is missing or the divisor 0."""
    if a is None or b is None:
        return None
    x, y = figure(a), figure(b)
    return x / y if x is not None and y else None


def thread_targets(report: Report) -> list[Target]:
    """The threads API's targets, from the rows of this run."""
    r = report.ratio
    found = []
    for kind in ("spread", "hot thread"):
        one = report.find(f"create {kind}", "store", 1), report.find(f"create {kind}", "baseline", 1)
        median = quotient(*one, lambda row: row.median_ms)
        found.append(Target(f"create {kind}, 1 client: store ÷ baseline median latency", median, 1.5, False))
        store, base = report.find(f"create {kind}", "store", 16), report.find(f"create {kind}", "baseline", 16)
        name = f"create {kind}, 16 clients: store ÷ baseline"
        found.append(Target(f"{name} throughput", quotient(store, base, lambda row: row.rate), 1.0, True))
        found.append(Target(f"{name} p99 latency", quotient(store, base, lambda row: row.p99_ms), 1.0, False))
    head, deep = report.find("list head page", "store"), report.find("list deep page", "store")
    median = quotient(deep, head, lambda row: row.median_ms)
    found.append(Target("list: deep page ÷ head page median (store)", median, 1.2, False))
    found.append(Target("list: store ÷ baseline throughput", r("list throughput", "store", "baseline"), 1.0, True))
    found.append(Target("retrieve: store ÷ baseline throughput", r("retrieve", "store", "baseline"), 1.0, True))
    long, new = report.find("create latency, long thread", "store"), report.find("create latency, new thread", "store")
    median = quotient(long, new, lambda row: row.median_ms)
    found.append(Target("create in a long thread ÷ in a new thread median (store)", median, 1.3, False))
    rss = [r for r in report.rows if r.target == "store" and r.scenario.endswith(" messages)") and r.value]
    big = rss[-1] if len(rss) >= 2 else None
    half = rss[-2] if len(rss) >= 2 else None
    found.append(
        Target(
            f"{big.scenario if big else 'server peak RSS (1M messages)'}, MB", big.value if big else None, 300, False
        )
    )
    found.append(
        Target("peak RSS at the full store ÷ at half of it", quotient(big, half, lambda row: row.value), 1.1, False)
    )
    deltas = quotient(
        report.find("streaming: sustained deltas/s", "store"),
        report.find("streaming: sustained deltas/s", "baseline"),
        lambda row: row.value,
    )
    found.append(Target("streaming: store ÷ baseline sustained deltas/s (follower p99 < 100 ms)", deltas, 0.8, True))
    return found


def targets(report: Report, deep_items: int) -> list[Target]:
    """Every target: the threads API's, then the conversation items' (on a conversation of ``deep_items``)."""
    return thread_targets(report) + conversations.targets(report, deep_items)
