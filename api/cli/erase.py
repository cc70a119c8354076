"""``msgstore erase`` (a message, a thread, a tenant) and ``msgstore encryption rotate``, for operators."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import typer

from api.cli.stores import err, fail, opened_store

if TYPE_CHECKING:
    from domain.states import Actor
    from projections.store import MessageStore

erase_cli = typer.Typer(help="Erase content for good: its data keys are destroyed (recorded with a reason).")
encryption_cli = typer.Typer(help="Encryption at rest: the master key wrapping the data keys.", no_args_is_help=True)

REASON = typer.Option(..., "--reason", help="Why (a ticket, a policy): kept in the audit trail.")


@erase_cli.command("message")
def erase_message(
    thread_id: str = typer.Argument(..., help="The thread (or conversation) id."),
    message_id: str = typer.Argument(..., help="The message (or item) id."),
    reason: str = REASON,
) -> None:
    """Erase one message's or item's content: it answers content [] from now on."""
    erased = as_operator(thread_id, lambda store, actor, tid: store.erase_message(actor, tid, message_id, reason))
    typer.echo(f"erased {message_id} of {erased}")


@erase_cli.command("thread")
def erase_thread(
    thread_id: str = typer.Argument(..., help="The thread (or conversation) id."),
    reason: str = REASON,
) -> None:
    """Erase a thread or conversation (deleted or not) and all its content."""
    erased = as_operator(thread_id, lambda store, actor, tid: store.erase_thread(actor, tid, reason))
    typer.echo(f"erased {erased}")


def as_operator(thread_id: str, erase: Callable[[MessageStore, Actor, str], Future[Any]]) -> str:
    """Run an erasure in a thread as the operator of its tenant (exit 1 saying why it cannot); its canonical id."""
    from domain.errors import DomainError
    from domain.ids import canonical_thread_id

    with opened_store() as store:
        thread_id = canonical_thread_id(thread_id)
        actor = store.operator(thread_id)
        if actor is None:
            fail(f"No thread {thread_id}.")
        try:
            erase(store, actor, thread_id).result(60)
        except DomainError as e:
            fail(str(e))
        store.flush_erased()
    return thread_id


@erase_cli.command("tenant")
def erase_tenant(
    tenant: str = typer.Argument(..., help="The tenant whose every thread and conversation is erased."),
    reason: str = REASON,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Erase every thread and conversation of a tenant (its data keys first, in one transaction)."""
    from projections.write.erasures import operator_of

    if not yes:
        typer.confirm(f"Erase all content of tenant {tenant!r}? This cannot be undone", abort=True, err=True)
    with opened_store() as store:
        erased = store.erase_tenant(operator_of(tenant), reason)
    typer.echo(f"erased {erased} threads of tenant {tenant}")


@encryption_cli.command("rotate")
def rotate() -> None:
    """Re-wrap every data key with MSGSTORE_MASTER_KEY (the old one in MSGSTORE_PREVIOUS_MASTER_KEYS); events stay."""
    with opened_store() as store:
        if store.keyring is None:
            fail("Encryption is off (MSGSTORE_ENCRYPTION=false): there are no data keys to re-wrap.")
        count = store.keyring.rotate()
        err.print(f"master key {store.keyring.master.key_id}", style="dim", markup=False)
    typer.echo(f"re-wrapped {count} data keys")


def register(cli: typer.Typer) -> None:
    """Add ``erase`` and ``encryption`` to the command line."""
    cli.add_typer(erase_cli, name="erase", no_args_is_help=True)
    cli.add_typer(encryption_cli, name="encryption")
