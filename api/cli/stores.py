"""The store a command opens: said on standard error, and never created by a command that only reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn
from urllib.parse import urlsplit, urlunsplit

import typer
from rich.console import Console

if TYPE_CHECKING:
    from api.settings import Settings
    from projections.store import MessageStore

err = Console(stderr=True)

WHERE_TO_LOOK = (
    "Run the command from the folder you ran `msgstore serve` in, or point it at the store with"
    " MSGSTORE_DATA_DIR or MSGSTORE_DATABASE_URL (a .env file in the current folder is read too)."
)


LogFormat = Literal["auto", "json", "text"]
LOG_FORMAT = typer.Option(
    None,
    "--log-format",
    help="Log lines as json or text; auto: text on a terminal, JSON anywhere else.",
    show_default="MSGSTORE_LOG_FORMAT or auto",
)


class NoStore(Exception):
    """The configured database holds no store, and the command would have created an empty one."""


def describe(url: str) -> str:
    """The database a URL names, for people: a SQLite file's absolute path, a server URL without its password."""
    if url.startswith("sqlite:///"):
        return f"SQLite file {Path(url.removeprefix('sqlite:///')).absolute()}"
    parts = urlsplit(url)
    if parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[1]
        parts = parts._replace(netloc=f"{parts.username}:***@{host}")
    return urlunsplit(parts._replace(query=""))  # options such as ?password=… stay out too


def check_store(url: str, timeout: float) -> None:
    """Raise ``NoStore`` unless the database already holds a store; creates nothing."""
    from projections.storage.connect import holds_store

    if not holds_store(url, timeout=timeout):
        raise NoStore(
            f"No store in {describe(url)}: this command only reads, so it created nothing. {WHERE_TO_LOOK}"
        )


def settings() -> Settings:
    """The settings, read from the environment (and ``.env``) when a command runs."""
    from api.settings import Settings

    return Settings()


def announce(url: str) -> None:
    """Say on standard error which database the command uses (standard output stays the command's answer)."""
    err.print(f"Database: {describe(url)}", style="dim", markup=False, highlight=False, soft_wrap=True)


SHARD = typer.Option(
    None,
    "--shard",
    help="With MSGSTORE_SHARDS: only the shard MSGSTORE_SHARDS names for this tenant (or *).",
    show_default="every shard",
)


def databases(found: Settings, tenant: str | None = None) -> list[tuple[str | None, str, tuple[str, ...]]]:
    """(shard name or None, URL, replicas) of each database a command works on: the one, or every shard's.

    With ``tenant`` and shards, only the shard holding that tenant.
    """
    shard_map = found.shard_map()
    if shard_map is None:
        if tenant is not None:
            fail("--shard needs MSGSTORE_SHARDS: without it there is one database.", 2)
        return [(None, found.resolved_database_url(), tuple(found.read_url_list()))]
    shards = shard_map.shards()
    if tenant is not None:
        shards = [shard for shard in shards if shard.url == shard_map.url(tenant)]
    return [(shard.name, shard.url, shard.read_urls) for shard in shards]


def moved_away(store: MessageStore) -> set[str]:
    """The tenants moved away from a shard's store (none for one database): their data there is left out."""
    from projections.tenant_fence import moved_away as moved

    if not store.sharded:
        return set()
    with store.database.read() as curs:
        return set(moved(curs))


@contextmanager
def opened_stores(
    *, tenant: str | None = None, create: bool = False, **options: Any
) -> Iterator[list[tuple[str | None, MessageStore]]]:
    """The configured store (named None), or with MSGSTORE_SHARDS each shard's (only ``tenant``'s if given)."""
    opened: list[tuple[str | None, MessageStore]] = []
    try:
        for name, url, _ in databases(settings(), tenant):
            shard = {"sharded": True} if name is not None else {}  # a shard's stores know its moves
            opened.append((name, open_store(create=create, url=url, **(shard | options))))
        yield opened
    finally:
        for _, store in opened:
            store.close()


def open_store(*, create: bool = False, url: str | None = None, **options: Any) -> MessageStore:
    """Open the configured store (or the one at ``url``), saying which it is; without ``create`` a missing one ends
    the command (exit 1)."""
    from api.encryption import encryption_options
    from projections.store import MessageStore

    found = settings()
    if url is None and found.shard_map() is not None:
        fail(
            "MSGSTORE_SHARDS is set and this command works on one database: run it with MSGSTORE_SHARDS= and"
            " MSGSTORE_DATABASE_URL set to the shard's database (projections, export, analytics and worker"
            " work across the shards)."
        )
    url = url or found.resolved_database_url()
    announce(url)
    try:
        if not create:
            check_store(url, found.db_timeout)
        options = {**encryption_options(found), **options}
        return MessageStore.open(
            url,
            pool_size=found.db_pool_size,
            db_timeout=found.db_timeout,
            pool_mode=found.pool_mode,
            max_batch=found.max_batch,
            **options,
        )
    except NoStore as e:
        fail(str(e))
    except Exception as e:  # any driver's error: its message is what helps
        fail(f"Cannot open the store: {e}. Check MSGSTORE_DATABASE_URL and that the database is running.")


@contextmanager
def opened_store(*, create: bool = False, **options: Any) -> Iterator[MessageStore]:
    """``open_store`` for the length of a block, closed after it."""
    store = open_store(create=create, **options)
    try:
        yield store
    finally:
        store.close()


def fail(message: str, code: int = 1) -> NoReturn:
    """End the command with a message on standard error (as written: ids and paths may hold brackets)."""
    err.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)
