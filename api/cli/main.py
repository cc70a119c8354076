"""The ``msgstore`` command: serve the API and operate the projections."""

from __future__ import annotations

import logging
import sys

import typer
import uvicorn
from rich.console import Console

from api.auth import generated_key
from api.cli.history import register as register_history
from api.cli.projections import register as register_projections
from api.settings import Settings

cli = typer.Typer(
    help="An event-sourced message store that speaks the OpenAI Threads and Messages API.",
    no_args_is_help=True,
    add_completion=False,
)
projections_cli = typer.Typer(help="Inspect and rebuild the read models.", no_args_is_help=True)
cli.add_typer(projections_cli, name="projections")
console = Console(stderr=True)


@cli.command()
def serve(
    host: str = typer.Option(None, help="Address to listen on [default: MSGSTORE_HOST or 127.0.0.1]."),
    port: int = typer.Option(None, help="Port to listen on [default: MSGSTORE_PORT or 8000]."),
    workers: int = typer.Option(None, help="Server processes; more than one needs PostgreSQL."),
) -> None:
    """Serve the API (SQLite in ./.msgstore by default)."""
    settings = Settings()
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    url = settings.resolved_database_url()
    if workers > 1 and url.startswith("sqlite"):
        console.print(
            "[yellow]Several workers on one SQLite file serialize on its write lock;"
            " use PostgreSQL (MSGSTORE_DATABASE_URL=postgresql://…) to scale out.[/]"
        )
    if not settings.api_keys:
        key, new = generated_key(settings.data_dir)
        where = settings.data_dir / "api_key"
        console.print(f"{'Generated' if new else 'Using'} API key (kept in {where}):\n  [bold]{key}[/]")
        console.print("Set MSGSTORE_API_KEYS=key:tenant[,…] to choose your own.")
    console.print(f"Database: {_safe(url)}  ·  API: http://{host}:{port}/v1")
    logging.basicConfig(level=settings.log_level.upper(), format="%(message)s", stream=sys.stderr)
    if workers > 1:  # metrics of all server processes, summed by whichever answers /metrics
        from api.metrics import share_between_processes

        share_between_processes(settings.data_dir / "prometheus")
    uvicorn.run(
        "api.main:app",
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level=settings.log_level.lower(),
        factory=False,
        # Open event streams never finish by themselves: end them after this, clients resume with Last-Event-ID.
        timeout_graceful_shutdown=5,
    )


def _safe(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


register_history(cli)  # history, replay, export-events
register_projections(cli, projections_cli)  # worker, analytics, projections status/rebuild/verify


def main() -> None:
    """Entry point of the console script."""
    cli()


if __name__ == "__main__":
    main()
