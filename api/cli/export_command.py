"""``msgstore export``: every live thread as one JSON line holding the answers of both APIs (the import's format)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson
import typer

from api.cli.stores import SHARD, fail, moved_away, opened_stores
from api.cli.transfer import err, progress, say

if TYPE_CHECKING:
    from projections.pages import Page
    from projections.store import MessageStore

PAGE = 1000  # messages or items per read
THREADS_PAGE = 500  # thread ids per read
ATTEMPTS = 20  # reads of a thread that keeps changing while it is exported, before giving up


class ThreadKeptChanging(Exception):
    """A thread changed during every read of it: the export cannot give one state of it."""


def export(
    output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of standard output."),
    tenant: str = typer.Option(None, "--tenant", help="Only this tenant's threads (default: every tenant's)."),
    shard: str | None = SHARD,
) -> None:
    """Write every live thread as JSON Lines: a conversation, its items and its thread's messages (see README)."""
    from projections.messages.inventory import Inventory

    started = time.perf_counter()
    threads = items = messages = 0
    with opened_stores(tenant=shard) as opened:  # before the output file: no store, no file
        try:
            sink: IO[bytes] = output.open("wb") if output is not None else sys.stdout.buffer
        except OSError as e:
            fail(f"Cannot write {output}: {e.strerror}. Choose a writable path with -o.")
        try:
            for _, store in opened:  # one database, or each shard's (a tenant moved away is skipped there)
                total = None
                if err.is_terminal:
                    with store.database.read() as curs:
                        total = Inventory(store.tables).count(curs, tenant)
                gone = moved_away(store)  # a tenant moved to another shard is exported from there
                with progress("Exporting", total, "threads") as advance:
                    for line in exported_lines(store, tenant):
                        if line.get("tenant") in gone:
                            continue
                        sink.write(orjson.dumps(line) + b"\n")
                        threads, items = threads + 1, items + len(line["items"])
                        messages += len(line["messages"])
                        advance()
            sink.flush()
        except ThreadKeptChanging as e:
            fail(f"{e} Export again when it is quieter.")
        finally:
            if output is not None:
                sink.close()
    took = time.perf_counter() - started
    say(f"Exported {threads:,} threads ({items:,} items, {messages:,} messages) in {took:.1f} s.")


def exported_lines(store: MessageStore, tenant: str | None) -> Iterator[dict[str, Any]]:
    """Each live thread (of ``tenant``, if given) as its export line, by thread id."""
    from projections.messages.inventory import Inventory

    inventory = Inventory(store.tables)
    after = ""
    while True:
        with store.database.read() as curs:
            page = inventory.live_threads(curs, tenant, after, THREADS_PAGE)
        for thread_id, owner in page:
            line = exported_line(store, thread_id, owner)
            if line is not None:
                yield line
        if len(page) < THREADS_PAGE:
            return
        after = page[-1][0]


def exported_line(store: MessageStore, thread_id: str, tenant: str) -> dict[str, Any] | None:
    """A thread's line, read whole between two events of it (None: it was deleted meanwhile).

    The conversation with ``tool_resources`` (its thread's), ``tenant``, every live item and every live
    thread message, oldest first. Read again if the thread's log moved while it was read.
    """
    from domain.errors import DomainError
    from projections.messages.inventory import log_version

    for _ in range(ATTEMPTS):
        version = log_version(store.app, thread_id)
        try:
            with store.database.read() as curs:
                thread = store.view.thread(curs, tenant, thread_id)
                if thread is None:
                    return None
                conversation = store.items.conversation(curs, tenant, thread_id)
                items = _all(thread_id, lambda after: store.items.page(curs, tenant, thread_id, **_options(after)))
                messages = _all(thread_id, lambda after: store.view.page(curs, tenant, thread_id, **_options(after)))
        except DomainError:  # deleted between two reads
            return None
        if log_version(store.app, thread_id) == version:
            extra = {"tool_resources": thread["tool_resources"], "tenant": tenant, "items": items, "messages": messages}
            return {**conversation, **extra}
    raise ThreadKeptChanging(f"Thread '{thread_id}' changed during each of {ATTEMPTS} reads of it.")


def _options(after: str | None) -> dict[str, Any]:
    return {"limit": PAGE, "order": "asc", "after": after}


def _all(thread_id: str, page: Callable[[str | None], Page | None]) -> list[dict[str, Any]]:
    """Every entry of a thread's list, page after page."""
    from domain.errors import ThreadNotFound

    found: list[dict[str, Any]] = []
    after = None
    while True:
        current = page(after)
        if current is None:
            raise ThreadNotFound(thread_id)
        found.extend(current.data)
        if not current.has_more or not current.data:
            return found
        after = current.data[-1]["id"]
