"""Commands that operate the projections: the worker, status, rebuild, verify, and the analytics export."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from api.cli import stores
from api.cli.analytics import analytics
from api.cli.status import status
from api.cli.stores import describe

if TYPE_CHECKING:
    from api.settings import Settings
    from projections.store import MessageStore

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


def _store_opener(settings: Settings, url: str) -> Callable[[], MessageStore]:
    """What opens the store for the worker, creating it if it is new (the worker may start before the API)."""
    from api.encryption import encryption_options
    from projections.storage.connect import open_database
    from projections.store import MessageStore

    def open_store() -> MessageStore:
        database = open_database(
            url, pool_size=settings.db_pool_size, timeout=settings.db_timeout, pool_mode=settings.pool_mode
        )
        try:
            return MessageStore(database, **encryption_options(settings))
        except BaseException:
            database.close()  # a pool left open would go on trying to connect in the background
            raise

    logging.getLogger("msgstore.worker").info(json.dumps({"event": "worker_starting", "database": describe(url)}))
    return open_store


def _projection(name: str) -> Any:
    from projections.registry import UnknownProjection, projection

    try:
        return projection(name)
    except UnknownProjection as e:
        console.print(f"[red]{e}[/]")
        raise typer.Exit(2) from None


def worker(
    batch_size: int = typer.Option(
        None, help="Most events per transaction.", show_default="MSGSTORE_WORKER_BATCH or 5000"
    ),
    metrics_port: int = typer.Option(0, help="Serve this process's Prometheus metrics on this port (0: none)."),
    log_format: stores.LogFormat = stores.LOG_FORMAT,
) -> None:
    """Keep the asynchronous projections up to date (one worker works, any other stands by)."""
    from api.logs import configure, resolve
    from api.worker import open_when_reachable, projection_worker, start_retention

    settings = stores.settings()
    if batch_size:
        settings.worker_batch = batch_size
    configure(settings.log_level, resolve(log_format or settings.log_format))
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())

    def work(url: str) -> None:
        store = open_when_reachable(_store_opener(settings, url), stopping)
        if store is None:
            return
        try:
            start_retention(store, settings, stopping)  # MSGSTORE_RETENTION's passes, beside the projections
            projection_worker(store, settings).run(stopping)
        finally:
            store.close()

    urls = [url for _, url, _ in stores.databases(settings)]
    if len(urls) == 1:
        work(urls[0])
        return
    # MSGSTORE_SHARDS: a worker per shard, each in a thread of its own (each stands by if another one works).
    threads = [threading.Thread(target=work, args=(url,), name=f"msgstore-worker-{n}") for n, url in enumerate(urls)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(timeout=0.5)


def rebuild(
    name: str = typer.Argument("messages", help="The projection to rebuild."), shard: str | None = stores.SHARD
) -> None:
    """Rebuild a projection beside the live one while it keeps serving, then swap it in atomically."""
    from projections.runners.rebuild import rebuild as run_rebuild

    target = _projection(name)
    with stores.opened_stores(tenant=shard) as opened:  # one database, or each shard's in turn (or the --shard)
        for named, store in opened:
            started = time.monotonic()
            with _progress() as progress:
                task = progress.add_task(f"Rebuilding {name}{_of(named)}", total=None)
                count = run_rebuild(store.database, store.app, target, _reporter(progress, task))
            elapsed = max(time.monotonic() - started, 1e-6)
            console.print(
                f"Rebuilt {name}{_of(named)} from {count:,} events in {elapsed:.1f} s"
                f" ({count / elapsed:,.0f} events/s)."
            )


def verify(
    name: str = typer.Argument(..., help="The projection to verify."),
    patience: float = typer.Option(10.0, help="Seconds to wait for a projection behind the log that does not move."),
    shard: str | None = stores.SHARD,
) -> None:
    """Compare a projection with a fresh build from the whole log (exit 1 if they differ or it is behind the log)."""
    from projections.runners.verify import verify_with_head

    target = _projection(name)
    failed = False
    with stores.opened_stores(tenant=shard) as opened:  # one database, or each shard's in turn (or the --shard)
        for named, store in opened:
            with _progress() as progress:
                task = progress.add_task(f"Verifying {name}{_of(named)}", total=None)
                reporter = _reporter(progress, task)
                found = verify_with_head(store.database, store.app, target, reporter, patience=patience)
            failed = not _report_verified(f"{name}{_of(named)}", found) or failed
    if failed:
        raise typer.Exit(1)


def _of(shard: str | None) -> str:
    return "" if shard is None else f" of shard {shard}"


def _report_verified(name: str, found: Any) -> bool:
    """Say how a verification went; whether it found the projection right."""
    for d in found.differences:
        console.print(
            f"[red]{d.table}: {d.only_live:,} rows only in the live view, {d.only_fresh:,} only in the fresh build[/]"
        )
    if found.behind:
        agreed = "differs from" if found.differences else "matches"
        console.print(
            f"[red]{name} is {found.behind:,} events behind the log (at {found.position:,} of {found.head:,});"
            f" up to its position it {agreed} a fresh build. Is the worker running? See msgstore projections status.[/]"
        )
    if not found.ok:
        return False
    console.print(f"[green]{name} matches a fresh build from the whole event log ({found.head:,} events).[/]")
    return True


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
