"""Results of a benchmark run: one row per measurement, ratios to the baselines, the targets, a rich table."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console, JustifyMethod
from rich.table import Table

from bench.load import Sample


@dataclass
class Row:
    """One measurement: a scenario run against one target (store, baseline or PostgreSQL itself)."""

    scenario: str
    target: str
    clients: int = 1
    count: int = 0
    duration: float = 0.0
    median_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    first_error: str | None = None
    server_cpu_us: float | None = None  # server CPU per request (all its processes)
    generator_cpu: float | None = None  # load generator CPU, fraction of one core
    batch: float | None = None  # events per write transaction of the store's writer
    value: float | None = None  # for rows that are not request rates (e.g. peak RSS in MB)
    unit: str = ""
    note: str = ""

    @property
    def rate(self) -> float:
        return self.count / self.duration if self.duration else 0.0

    @classmethod
    def of(cls, scenario: str, target: str, clients: int, sample: Sample, duration: float, **extra: Any) -> Row:
        lat = sorted(sample.latencies)
        return cls(
            scenario,
            target,
            clients,
            count=len(lat),
            duration=duration,
            median_ms=statistics.median(lat) * 1000 if lat else 0.0,
            p99_ms=lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0.0,
            errors=sample.errors,
            first_error=sample.first_error,
            generator_cpu=sample.cpu_seconds / duration if duration else None,
            **extra,
        )


@dataclass
class Target:
    """A goal of the issue, checked against the rows of the same run."""

    name: str
    measured: float | None
    limit: float
    at_least: bool
    detail: str = ""

    @property
    def holds(self) -> bool | None:
        if self.measured is None:
            return None
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit


@dataclass
class Report:
    """Every row of a run, and the machine it ran on."""

    machine: dict[str, str]
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def find(self, scenario: str, target: str, clients: int | None = None) -> Row | None:
        for row in self.rows:
            if row.scenario == scenario and row.target == target and clients in (None, row.clients):
                return row
        return None

    def ratio(
        self,
        scenario: str,
        target: str,
        versus: str,
        *,
        clients: int | None = None,
        latency: bool = False,
        p99: bool = False,
    ) -> float | None:
        """``target`` relative to ``versus`` in one scenario: throughput ratio, or latency ratio (median or p99)."""
        a, b = self.find(scenario, target, clients), self.find(scenario, versus, clients)
        if a is None or b is None or not a.count or not b.count:
            return None
        if latency or p99:
            x, y = (a.p99_ms, b.p99_ms) if p99 else (a.median_ms, b.median_ms)
            return x / y if y else None
        return a.rate / b.rate if b.rate else None

    def merged(self) -> Report:
        """One row per (scenario, target, clients): of repeated rows, the one of median speed.

        Repeats of a scenario run the systems in turn (baseline, store, PostgreSQL, again), so a burst of
        load from elsewhere on the machine shifts one repeat, not one system.
        """
        groups: dict[tuple[str, str, int], list[Row]] = {}
        for row in self.rows:
            groups.setdefault((row.scenario, row.target, row.clients), []).append(row)
        rows = []
        for (scenario, _, _), found in groups.items():
            speed: Callable[[Row], float] = (lambda r: -r.median_ms) if _is_latency(scenario) else (lambda r: r.rate)
            ranked = sorted(found, key=lambda r: (r.value or 0.0, speed(r)))
            rows.append(ranked[len(ranked) // 2])
        return Report(self.machine, rows)

    def to_json(self) -> dict[str, Any]:
        return {"machine": self.machine, "rows": [asdict(r) | {"rate": r.rate} for r in self.rows]}


LATENCY_SCENARIOS = ("list head", "list deep", "create latency", "read-your-writes")


def _is_latency(scenario: str) -> bool:
    return scenario.startswith(LATENCY_SCENARIOS)


COLUMNS: tuple[tuple[str, JustifyMethod], ...] = (
    ("scenario", "left"),
    ("target", "left"),
    ("clients", "right"),
    ("req/s", "right"),
    ("median ms", "right"),
    ("p99 ms", "right"),
    ("x baseline", "right"),
    ("x PostgreSQL", "right"),
    ("server CPU µs/req", "right"),
    ("batch", "right"),
    ("errors", "right"),
)
NOTE = (
    "Ratios: req/s ÷ req/s of the same scenario and clients (higher is better), except on the latency rows"
    " (list head/deep page, create latency, read-your-writes): median ÷ median (lower is better)."
)


def cells(report: Report, row: Row) -> list[str]:
    """The table cells of one row."""
    if row.value is not None:
        return [row.scenario, row.target, "", f"{row.value:,.1f} {row.unit}", "", "", "", "", "", "", ""]
    latency = _is_latency(row.scenario)
    vs_base = (
        report.ratio(row.scenario, row.target, "baseline", clients=row.clients, latency=latency)
        if row.target != "baseline"
        else None
    )
    vs_pg = (
        report.ratio(row.scenario, row.target, "postgresql", clients=row.clients, latency=latency)
        if row.target != "postgresql"
        else None
    )
    return [
        row.scenario,
        row.target,
        str(row.clients),
        f"{row.rate:,.0f}",
        f"{row.median_ms:.2f}",
        f"{row.p99_ms:.2f}",
        "" if vs_base is None else f"{vs_base:.2f}x",
        "" if vs_pg is None else f"{vs_pg:.2f}x",
        "" if row.server_cpu_us is None else f"{row.server_cpu_us:,.0f}",
        "" if row.batch is None else f"{row.batch:.1f}",
        str(row.errors) if row.errors else "",
    ]


def _verdict(target: Target) -> str:
    return {True: "yes", False: "no", None: "not measured"}[target.holds]


def _goal(target: Target) -> str:
    return ("≥ " if target.at_least else "≤ ") + f"{target.limit:g}"


def markdown(report: Report, targets: list[Target]) -> str:
    """The same tables in Markdown, for the README."""
    lines = ["| " + " | ".join(name for name, _ in COLUMNS) + " |"]
    lines.append("|" + "|".join(":--" if justify == "left" else "--:" for _, justify in COLUMNS) + "|")
    lines += ["| " + " | ".join(cells(report, row)) + " |" for row in report.rows]
    lines += ["", NOTE, "", "| target | measured | goal | holds |", "|:--|--:|--:|:--|"]
    for t in targets:
        measured = "" if t.measured is None else f"{t.measured:.2f}"
        lines.append(f"| {t.name} | {measured} | {_goal(t)} | {_verdict(t)} |")
    lines += ["", "Machine: " + ", ".join(f"{k}: {v}" for k, v in report.machine.items()) + "."]
    return "\n".join(lines) + "\n"


def render(report: Report, targets: list[Target], console: Console | None = None) -> None:
    """Print the table of every measurement, then the targets."""
    console = console or Console(width=max(Console().width, 150))
    table = Table(title="msgstore benchmark: the store beside a plain CRUD service and PostgreSQL itself")
    for name, justify in COLUMNS:
        table.add_column(name, justify=justify)
    previous = None
    for row in report.rows:
        if previous is not None and row.scenario != previous:
            table.add_section()
        previous = row.scenario
        table.add_row(*cells(report, row))
    console.print(table)
    console.print(NOTE)
    checks = Table(title="Targets (ratios measured in this run)")
    for name in ("target", "measured", "goal", "holds"):
        checks.add_column(name)
    for t in targets:
        verdict = {True: "[green]yes[/]", False: "[red]no[/]", None: "[yellow]not measured[/]"}[t.holds]
        measured = "" if t.measured is None else f"{t.measured:.2f}{t.detail}"
        checks.add_row(t.name, measured, _goal(t), verdict)
    console.print(checks)
    for row in report.rows:
        if row.errors:
            console.print(f"[red]{row.scenario} / {row.target}: {row.errors} errors[/], first: {row.first_error}")
