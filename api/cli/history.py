"""The audit commands of ``msgstore``: a thread's timeline, a thread as it was, and an export of events."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from api.cli.stores import fail, open_store

if TYPE_CHECKING:
    from projections.store import MessageStore

PAGE = 100
PREVIEW = 60
OPTIONS = {"as_of": "--as-of", "version": "--version"}  # the API's parameters the store's errors name

out = Console()
err = Console(stderr=True)


@contextmanager
def opened_store() -> Iterator[MessageStore]:
    """The store the settings name, never created; a missing thread or a bad point in time ends the command."""
    from domain.errors import DomainError
    from projections.history.queries import InvalidPointInTime

    store = open_store()
    try:
        yield store
    except (DomainError, InvalidPointInTime) as e:
        fail(as_options(str(e)))
    finally:
        store.close()


def as_options(message: str) -> str:
    """An error of the store's, naming the command's options instead of the API's parameters."""
    for param, option in OPTIONS.items():
        message = message.replace(f"'{param}'", option)
    return message


def instant(text: str, option: str) -> int:
    """Microseconds since the epoch of an option's instant; a bad one ends the command naming the option."""
    from projections.history.queries import InvalidPointInTime, instant_us

    try:
        return instant_us(text, option)
    except InvalidPointInTime as e:
        fail(str(e).replace(f"'{option}'", option))


def preview(message: dict[str, Any] | None) -> str:
    """The start of a message's text, on one line."""
    if not message:
        return ""
    parts = [b["text"]["value"] for b in message.get("content", []) if b.get("type") == "text"]
    text = " ".join(" ".join(parts).split()) or f"[{len(message.get('content', []))} content blocks]"
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def change(event: dict[str, Any]) -> str:
    """What an event changed, in a few words."""
    data = event["data"]
    if "message" in data:
        message = data["message"]
        return f"{message['role']}: {preview(message)}"
    if "delta" in data:
        return "+" + preview(data["delta"]) if data["delta"].get("content") else "delta"
    if event["type"] == "thread.created":
        return f"metadata {_json(data.get('metadata'))}"
    shown = [f"{name} {_json(v['before'])} → {_json(v['after'])}" for name, v in data.items() if _is_change(v)]
    if shown:
        return "; ".join(shown)
    return _json(data) if data else ""


def _is_change(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"before", "after"}


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def history(
    thread_id: str = typer.Argument(..., help="The thread whose events to show."),
    message: str = typer.Option(None, "--message", help="Only the events of this message."),
    as_json: bool = typer.Option(False, "--json", help="One event object per line instead of a table."),
) -> None:
    """Print a thread's timeline: every event, when, by whom, and what it changed (deleted threads too)."""
    with opened_store() as store:
        after = None
        while True:
            page = store.history.events(None, thread_id, limit=PAGE, order="asc", after=after, message_id=message)
            if after is None and not page.data:  # a thread has at least one event: a message that never was
                fail(f"No message found with id '{message}' in thread '{thread_id}' (deleted messages included).")
            for event in page.data:
                if as_json:
                    sys.stdout.write(_json(event) + "\n")
                else:
                    out.print(timeline_entry(event), soft_wrap=True)
            if not page.has_more or not page.data:
                break
            after = page.data[-1]["id"]


def timeline_entry(event: dict[str, Any]) -> str:
    """Two lines of the timeline: when, what, by whom and on which message; then what changed."""
    actor = event["actor"]
    when = event["recorded_at"].replace("T", " ").rstrip("Z")
    about = f"  {event['message_id']}" if event["message_id"] else ""
    by = escape(f"{actor.get('tenant', '?')} ({actor.get('key_id', '?')})")
    line = f"[dim]v{event['version']:<4}[/] {when}  [bold]{event['type']}[/]{about}  by {by}"
    what = change(event)
    return line + (f"\n      {escape(what)}" if what else "")


def replay(
    thread_id: str = typer.Argument(..., help="The thread to show."),
    as_of: str = typer.Option(None, "--as-of", help="Unix seconds or RFC 3339, e.g. 2024-05-01T12:00:00Z."),
    version: int = typer.Option(None, "--version", min=1, help="An aggregate version instead of a time."),
    as_json: bool = typer.Option(False, "--json", help="The thread and its messages as JSON."),
) -> None:
    """Print a thread and its messages exactly as they were at a moment (or a version)."""
    if (as_of is None) == (version is None):
        err.print("[red]Give exactly one of --as-of and --version.[/]")
        raise typer.Exit(2)
    from projections.history.queries import PointInTime

    at = PointInTime(version=version) if version is not None else PointInTime(at_us=instant(as_of, "--as-of"))
    with opened_store() as store:
        thread = store.history.thread_at(None, thread_id, at)
        messages: list[dict[str, Any]] = []
        after = None
        while True:
            page = store.history.messages_at(None, thread_id, at, limit=PAGE, order="asc", after=after)
            messages.extend(page.data)
            if not page.has_more or not page.data:
                break
            after = page.data[-1]["id"]
        if as_json:
            sys.stdout.write(_json({"thread": thread, "messages": messages}) + "\n")
            return
        count = f"{len(messages)} message" + ("" if len(messages) == 1 else "s")
        out.print(f"[bold]{thread['id']}[/]  metadata {escape(_json(thread['metadata']))}  ({count})")
        for m in messages:
            out.print(f"[dim]{m['id']}[/] [bold]{m['role']}[/] ({m['status']}) {escape(_json(m['metadata']))}")
            out.print("  " + escape(preview(m)))


def export_events(
    tenant: str = typer.Option(None, "--tenant", help="Only this tenant's threads."),
    since: str = typer.Option(None, "--since", help="Only events recorded at or after this instant."),
    output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of standard output."),
) -> None:
    """Write every event as JSON Lines (one thread.event per line, by thread and version), streaming."""
    since_us = instant(since, "--since") if since is not None else None
    with opened_store() as store:  # before the output file: no store, no file
        try:
            sink = output.open("wb") if output is not None else sys.stdout.buffer
        except OSError as e:
            fail(f"Cannot write {output}: {e.strerror}. Choose a writable path with --output/-o.")
        try:
            written = write_events(store, sink, tenant, since_us)
        finally:
            if output is not None:
                sink.close()
    scope = (f" of tenant '{tenant}'" if tenant else "") + (f" recorded since {since}" if since else "")
    err.print(f"Exported {written:,} events{scope}.", markup=False, highlight=False, soft_wrap=True)


def write_events(store: MessageStore, sink: BinaryIO, tenant: str | None, since_us: int | None) -> int:
    """Write the events as JSON Lines (with a progress bar on a terminal); return how many."""
    events = store.history.export(tenant=tenant, since_us=since_us)
    written = 0
    if err.is_terminal:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        total = store.history.count(tenant=tenant, since_us=since_us)
        columns = (TextColumn("Exporting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=err) as progress:
            task = progress.add_task("events", total=total)
            for event in events:
                sink.write(orjson.dumps(event) + b"\n")
                written += 1
                progress.advance(task)
    else:
        for event in events:
            sink.write(orjson.dumps(event) + b"\n")
            written += 1
    sink.flush()
    return written


def register(cli: typer.Typer) -> None:
    """Add the audit commands to the ``msgstore`` command."""
    cli.command("history")(history)
    cli.command("replay")(replay)
    cli.command("export-events")(export_events)
