"""``msgstore tenants move``: move a tenant's threads to another shard while the service runs."""

from __future__ import annotations

import typer

from api.cli import stores


def move(
    tenant: str = typer.Argument(..., help="The tenant to move."),
    to: str = typer.Option(..., "--to", help="The shard to move it to: a tenant the shard map names for it, or *."),
    abort: bool = typer.Option(False, "--abort", help="Give up a move that has not switched yet (the tenant stays)."),
) -> None:
    """Copy a tenant's events to another shard, catch up, pause its writes for a moment and switch (resumable)."""
    from projections.tenant_move import MoveRefused, abort_move, move_tenant

    found = stores.settings()
    shard_map = found.shard_map()
    if shard_map is None:
        stores.fail("Tenants move between shards: set MSGSTORE_SHARDS first.", 2)
    target_url = shard_map.url(to)
    with stores.opened_stores(tenant=tenant, sharded=True) as opened:
        (_, source), = opened
        source_url = source.database.url
        if source_url == target_url:  # the map names the target already: a move done, or nothing to do
            stores.fail(f"Tenant {tenant!r} is in that shard already (MSGSTORE_SHARDS places it there).", 2)
        target = stores.open_store(url=target_url, sharded=True)
        try:
            if abort:
                deleted = abort_move(tenant, source, target)
                stores.err.print(
                    f"Move of {tenant} abandoned: {deleted:,} copied events removed from the target; rebuild its"
                    " asynchronous projections there (msgstore projections rebuild history, analytics and"
                    " item_analytics).",
                    markup=False,
                )
                return
            report = move_tenant(tenant, source, target, source_url, target_url)
        except MoveRefused as e:
            stores.fail(str(e))
        finally:
            target.close()
    if report.already_moved:
        stores.err.print(f"Tenant {tenant} has moved already.", markup=False)
        return
    stores.err.print(
        f"Moved {tenant}: {report.copied:,} events copied, the last {report.in_switch:,} while its writes waited"
        f" {report.paused_seconds * 1000:.0f} ms. Servers send its requests to the new shard from now on; put it"
        f" there in MSGSTORE_SHARDS ({tenant}=…) before the next restart.",
        markup=False,
    )


def register(cli: typer.Typer) -> None:
    """Add ``tenants move`` to the command line."""
    tenants = typer.Typer(help="Tenants across shards.", no_args_is_help=True)
    tenants.command("move")(move)
    cli.add_typer(tenants, name="tenants")
