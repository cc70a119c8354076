"""The ``msgstore`` command: serve the API and operate the projections."""

from __future__ import annotations

import errno
import json
import logging
import resource
import socket
from typing import Any

import typer
from rich.console import Console

from api.cli.erase import register as register_erasure
from api.cli.export_command import export
from api.cli.history import register as register_history
from api.cli.import_command import import_file
from api.cli.projections import register as register_projections
from api.cli.stores import LOG_FORMAT, LogFormat, describe
from api.cli.tenants import register as register_tenants

cli = typer.Typer(
    help="An event-sourced message store that speaks OpenAI's Threads & Messages and Conversations APIs.",
    no_args_is_help=True,
    add_completion=False,
)
projections_cli = typer.Typer(help="Inspect and rebuild the read models.", no_args_is_help=True)
cli.add_typer(projections_cli, name="projections")
console = Console(stderr=True)
log = logging.getLogger("msgstore.server")
RESERVED_FILES = 256  # beside the connections: database connections, the SQLite files, logs


@cli.command()
def serve(
    host: str = typer.Option(None, help="Address to listen on.", show_default="MSGSTORE_HOST or 127.0.0.1"),
    port: int = typer.Option(None, help="Port to listen on.", show_default="MSGSTORE_PORT or 8000"),
    workers: int = typer.Option(None, help="Server processes; more than one needs PostgreSQL."),
    max_connections: int = typer.Option(
        None, help="Open connections per process; 503 beyond.", show_default="1000"
    ),
    keep_alive_timeout: int = typer.Option(
        None, help="Seconds an idle keep-alive connection stays.", show_default="10"
    ),
    head_timeout: float = typer.Option(
        None, help="Seconds to send a complete request head.", show_default="10"
    ),
    log_format: LogFormat = LOG_FORMAT,
) -> None:
    """Serve the API (SQLite in ./.msgstore by default)."""
    from api.auth import generated_key, key_id_secret
    from api.connections import ServerConfig
    from api.logs import configure, resolve
    from api.settings import Settings

    given: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        "max_connections": max_connections,
        "keep_alive_timeout": keep_alive_timeout,
        "head_timeout": head_timeout,
        "log_format": log_format,
    }
    settings = Settings(**{name: value for name, value in given.items() if value is not None})
    _check_address(settings.host, settings.port)
    url = settings.resolved_database_url()
    log_config = configure(settings.log_level, resolve(settings.log_format))
    shard_map = settings.shard_map()
    if settings.workers > 1 and url.startswith("sqlite") and shard_map is None:
        log.warning(
            "Several workers on one SQLite file serialize on its write lock;"
            " use PostgreSQL (MSGSTORE_DATABASE_URL=postgresql://…) to scale out."
        )
    if not settings.api_keys:
        key, new = generated_key(settings.data_dir)
        event = "api_key_generated" if new else "api_key_used"
        hint = "Set MSGSTORE_API_KEYS=key:tenant[,…] to choose your own."
        log.info(_line(event, key=key, kept_in=str(settings.data_dir.absolute() / "api_key"), hint=hint))
    key_id_secret(settings)  # created here, before the processes start, so they all read the same one
    root = f"http://{settings.host}:{settings.port}"
    console = {"console": f"{root}/console"} if settings.console else {}
    where: dict[str, Any] = {"database": describe(url)}
    if shard_map is not None:  # MSGSTORE_SHARDS: each shard by the tenants it is named for
        where = {"shards": {shard.name: describe(shard.url) for shard in shard_map.shards()}}
    log.info(_line("serving", **where, api=f"{root}/v1", **console))
    if settings.workers > 1:  # metrics of all server processes, summed by whichever answers /metrics
        from api.metrics import share_between_processes

        share_between_processes(settings.data_dir / "prometheus")
    _allow_open_files(2 * settings.max_connections + RESERVED_FILES)
    ServerConfig(
        "api.main:app",
        head_timeout=settings.head_timeout,
        max_head_bytes=settings.max_head_bytes,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=settings.keep_alive_timeout,
        access_log=False,  # api/middleware.py logs each request, with its route and tenant
        log_config=log_config,
        log_level=settings.log_level.lower(),
        # Open event streams never finish by themselves: end them after this, clients resume with Last-Event-ID.
        timeout_graceful_shutdown=5,
    ).serve()


@cli.command()
def keys() -> None:
    """List the configured API keys: tenant, scopes and the key id the audit trail records (never the key)."""
    from api.auth import keyring_for, mask
    from api.settings import Settings

    for key, principal in keyring_for(Settings()):
        scopes = ",".join(sorted(principal.scopes)) or "-"
        typer.echo(f"{principal.tenant}\t{principal.key_id}\t{scopes}\t{mask(key)}")


def _line(event: str, **fields: str) -> str:
    """A structured log message: a JSON object with ``event`` first (api/logs.py lays it out)."""
    return json.dumps({"event": event, **fields})


def _check_address(host: str, port: int) -> None:
    """End the command with a hint when the address cannot be listened on (most often: the port is taken)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is free
            probe.bind(address)
    except OSError as e:
        reason = "the port is already in use" if e.errno == errno.EADDRINUSE else e.strerror or str(e)
        console.print(
            f"[red]Cannot listen on {host}:{port}: {reason}.[/] Choose another port with --port or MSGSTORE_PORT"
            " (the address with --host or MSGSTORE_HOST)."
        )
        raise typer.Exit(1) from None


def _allow_open_files(needed: int) -> None:
    """Raise the soft limit on open files towards ``needed`` (up to the hard limit), or say it is short."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        if target < needed:
            log.warning("Open files limited to %d: lower MSGSTORE_MAX_CONNECTIONS to fit.", target)


register_history(cli)  # history, replay, export-events
register_projections(cli, projections_cli)  # worker, analytics, projections status/rebuild/verify
cli.command("import")(import_file)  # threads and conversations from JSON Lines
cli.command("export")(export)  # the same format, from the store
register_erasure(cli)  # erase message|thread|tenant, keys rotate
register_tenants(cli)  # tenants move (between shards)


def main() -> None:
    """Entry point of the console script."""
    cli()


if __name__ == "__main__":
    main()
