"""Commands that operate the projections: the worker, status, rebuild, verify, and the analytics export."""

from __future__ import annotations

import csv
import json
import logging
import signal
import sys
import threading
import time
from datetime import date
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from api.settings import Settings

console = Console(stderr=True)


class EventsPerSecond(ProgressColumn):
    """The rate of a task counted in events."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("- events/s" if speed is None else f"{speed:,.0f} events/s", style="progress.data.speed")


class EventsDone(ProgressColumn):
    """Events applied of the events to apply."""

    def render(self, task: Task) -> Text:
        total = "?" if task.total is None else f"{task.total:,.0f}"
        return Text(f"{task.completed:,.0f}/{total} events", style="progress.download")


def _open_store() -> Any:
    from projections.store import MessageStore

    settings = Settings()
    return MessageStore.open(settings.resolved_database_url(), pool_size=settings.db_pool_size)


def _projection(name: str) -> Any:
    from projections.registry import UnknownProjection, projection

    try:
        return projection(name)
    except UnknownProjection as e:
        console.print(f"[red]{e}[/]")
        raise typer.Exit(2) from None


def worker(
    batch_size: int = typer.Option(None, help="Most events per transaction [default: MSGSTORE_WORKER_BATCH or 5000]."),
    metrics_port: int = typer.Option(0, help="Serve this process's Prometheus metrics on this port (0: none)."),
) -> None:
    """Keep the asynchronous projections up to date (one worker works, any other stands by)."""
    from api.worker import projection_worker

    settings = Settings()
    if batch_size:
        settings.worker_batch = batch_size
    logging.basicConfig(level=settings.log_level.upper(), format="%(message)s", stream=sys.stderr)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port)
    store = _open_store()
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        projection_worker(store, settings).run(stopping)
    finally:
        store.close()


def status(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Show each projection's position, lag (events and seconds) and state."""
    from projections.runners.status import projection_status

    store = _open_store()
    try:
        found = projection_status(store.database, store.app)
    finally:
        store.close()
    if as_json:
        print(json.dumps([s.as_dict() for s in found], indent=2))
        return
    table = Table("projection", "mode", "state", "position", "head", "lag (events)", "lag (s)")
    for s in found:
        table.add_row(
            s.name, s.mode, s.state, f"{s.position:,}", f"{s.head:,}", f"{s.lag_events:,}", f"{s.lag_seconds:g}"
        )
    Console().print(table)


def rebuild(name: str = typer.Argument("messages", help="The projection to rebuild.")) -> None:
    """Rebuild a projection beside the live one while it keeps serving, then swap it in atomically."""
    from projections.runners.rebuild import rebuild as run_rebuild

    target = _projection(name)
    store = _open_store()
    started = time.monotonic()
    try:
        with _progress() as progress:
            task = progress.add_task(f"Rebuilding {name}", total=None)
            count = run_rebuild(store.database, store.app, target, _reporter(progress, task))
    finally:
        store.close()
    elapsed = max(time.monotonic() - started, 1e-6)
    console.print(f"Rebuilt {name} from {count:,} events in {elapsed:.1f} s ({count / elapsed:,.0f} events/s).")


def verify(name: str = typer.Argument(..., help="The projection to verify.")) -> None:
    """Rebuild a projection into a scratch copy and compare it with the live one (exit 1 if they differ)."""
    from projections.runners.rebuild import verify as run_verify

    target = _projection(name)
    store = _open_store()
    try:
        with _progress() as progress:
            task = progress.add_task(f"Verifying {name}", total=None)
            differences = run_verify(store.database, store.app, target, _reporter(progress, task))
    finally:
        store.close()
    if not differences:
        console.print(f"[green]{name} matches a fresh build from the event log.[/]")
        return
    for d in differences:
        console.print(
            f"[red]{d.table}: {d.only_live:,} rows only in the live view, {d.only_fresh:,} only in the fresh build[/]"
        )
    raise typer.Exit(1)


def analytics(
    start: str = typer.Option(None, "--from", help="First UTC day, YYYY-MM-DD."),
    end: str = typer.Option(None, "--to", help="Last UTC day, YYYY-MM-DD."),
    tenant: str = typer.Option(None, help="Only this tenant [default: all]."),
    output: str = typer.Option("table", "--format", help="table, csv or json."),
) -> None:
    """Print daily activity per tenant (from the analytics projection)."""
    from projections.analytics.view import DAILY_FIELDS, daily_for_all

    if output not in ("table", "csv", "json"):
        console.print(f"[red]Unknown format {output!r}: use table, csv or json.[/]")
        raise typer.Exit(2)
    for value, option in ((start, "--from"), (end, "--to")):
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                console.print(f"[red]Invalid {option} {value!r}: expected YYYY-MM-DD.[/]")
                raise typer.Exit(2) from None
    store = _open_store()
    try:
        with store.database.read() as curs:
            rows = daily_for_all(store.database.dialect, curs, tenant, start, end)
    finally:
        store.close()
    fields = ("tenant", *DAILY_FIELDS)
    if output == "json":
        print(json.dumps(rows, indent=2))
    elif output == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        table = Table(*fields)
        for row in rows:
            table.add_row(*(str(row[f]) for f in fields))
        Console().print(table)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        EventsDone(),
        EventsPerSecond(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )


def _reporter(progress: Progress, task: Any) -> Any:
    first: list[int] = []

    def report(position: int, head: int) -> None:
        if not first:
            first.append(position)
        progress.update(task, completed=position - first[0], total=max(head - first[0], 1))

    return report


def register(cli: typer.Typer, projections_cli: typer.Typer) -> None:
    """Add these commands to the ``msgstore`` command."""
    cli.command()(worker)
    cli.command()(analytics)
    projections_cli.command()(status)
    projections_cli.command()(rebuild)
    projections_cli.command()(verify)
