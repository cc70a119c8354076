"""``msgstore projections status``: each projection's position and lag, the worker's state, per shard."""

from __future__ import annotations

import json
import time
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from api.cli import stores

console = Console(stderr=True)


def status(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    shard: str | None = stores.SHARD,
) -> None:
    """Show each projection's position, lag (events and seconds), state, and the worker's state."""
    from projections.runners.heartbeat import worker_statuses
    from projections.runners.retention import retention_status
    from projections.runners.status import projection_status

    reports: dict[str | None, tuple[Any, Any, Any]] = {}
    with stores.opened_stores(tenant=shard) as opened:  # one database, or every shard's (or the --shard)
        for name, store in opened:
            with store.database.read() as curs:
                workers = worker_statuses(curs)
            reports[name] = (projection_status(store.database, store.app), workers, retention_status(store.database))
    if as_json:
        shown = {name: [s.as_dict() for s in found] for name, (found, _, _) in reports.items()}
        print(json.dumps(shown.get(None, shown), indent=2))  # one database: the list, as ever
        return
    for name, (found, workers, retention) in reports.items():
        if name is not None:
            console.print(f"shard {name}", markup=False)
        _print_status(found, workers, retention)


def _print_status(found: Any, workers: Any, retention: Any) -> None:
    """One database's projections, worker and retention pass, as ``status`` prints them."""
    table = Table(
        "projection", "mode", "state", "runner", "position", "head", "lag (events)", "lag (s)", "last batch (s ago)"
    )
    for s in found:
        since = "-" if s.seconds_since_batch is None else f"{s.seconds_since_batch:g}"
        row = (s.position, s.head, s.lag_events)
        table.add_row(s.name, s.mode, s.state, s.runner, *(f"{n:,}" for n in row), f"{s.lag_seconds:g}", since)
    Console().print(table)
    for w in [w for w in workers if w.state != "stopped"] or workers[:1]:
        batch = "" if w.seconds_since_batch is None else f", last batch {w.seconds_since_batch:g} s ago"
        error = f"; last error: {w.last_error}" if w.last_error else ""
        console.print(f"worker {w.worker}: {w.state} (heartbeat {w.heartbeat_age:g} s ago{batch}){error}", markup=False)
    if not workers:
        console.print("No projection worker has run on this database.")
    if retention is not None:
        ago = max(0, int(time.time()) - retention["last_run_at"])
        console.print(
            f"retention {retention['policy']}: last pass {ago} s ago erased {retention['last_erased']} threads"
            f" ({retention['total_erased']} in all)",
            markup=False,
        )
