"""``msgstore import FILE``: threads and conversations from JSON Lines, the whole file checked before any write."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from api.cli.stores import opened_store
from api.cli.transfer import json_lines, progress, say

if TYPE_CHECKING:
    from api.cli.import_check import Survey
    from projections.store import MessageStore
    from projections.write.command import Outcome
    from projections.write.imports import ImportedThread

DEFAULT_TENANT = "default"  # api.auth's, spelled here so that --help need not import it (a test keeps them equal)

MAX_EVENTS_IN_FLIGHT = 50_000  # events submitted to the writer and not yet recorded: bounds memory, not speed
MAX_THREADS_IN_FLIGHT = 4096
CACHED_THREADS = 64  # the writer keeps recent threads for their next write; imported ones have none soon


@dataclass
class Tally:
    """What was recorded: threads imported and skipped, their messages and items, and the events."""

    imported: int = 0
    skipped: int = 0
    entries: int = 0
    events: int = 0


class ImportFailed(Exception):
    """A thread of a checked file could not be recorded (the database failed, say)."""

    def __init__(self, number: int, error: BaseException) -> None:
        super().__init__(f"line {number} could not be recorded: {error}")


def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="A JSON Lines file."),
    tenant: str = typer.Option(
        None, "--tenant", help="The tenant every thread goes to.",
        show_default=f"each line's own, else {DEFAULT_TENANT}",
    ),
) -> None:
    """Import threads (with their messages) and conversations (with their items), keeping ids and times.

    The whole file is checked first; a line at fault stops the import before anything is recorded.
    Threads already in the store are skipped, so running the same import again is harmless.
    """
    from api.cli.import_check import FileCheck

    with opened_store(create=True, cache_size=CACHED_THREADS) as store:
        started = time.perf_counter()
        check = FileCheck(store, tenant, DEFAULT_TENANT)
        with progress("Checking", None) as advance:
            for number, value in json_lines(file):
                check.line(number, value)
                advance()
                if check.survey.full:
                    break
        survey = check.flush()
        if survey.errors:
            for number, message in sorted(survey.errors):
                say(f"{file}: line {number}: {message}", "red")
            more = " (the check stopped there)" if survey.full else ""
            say(f"Nothing was imported: {len(survey.errors)} lines at fault{more}. Fix them and run the import again.")
            raise typer.Exit(1)
        new = survey.lines - len(survey.present)
        say(f"Checked {survey.lines:,} lines in {time.perf_counter() - started:.1f} s: {new:,} threads to import.")
        recording = time.perf_counter()
        try:
            with progress("Importing", survey.lines) as advance:
                tally = record_file(file, store, tenant, survey, advance)
        except ImportFailed as e:
            say(f"{e}.", "red")
            say("Threads recorded before the failure stay; run the same import again to add the rest.")
            raise typer.Exit(1) from None
    took = max(time.perf_counter() - recording, 1e-9)
    say(
        f"Imported {tally.imported:,} threads with {tally.entries:,} messages and items ({tally.events:,} events)"
        f" in {took:.1f} s: {tally.imported / took:,.0f} threads/s, {tally.events / took:,.0f} events/s."
        f" Skipped {tally.skipped:,} threads already in the store."
    )


def record_file(
    path: Path, store: MessageStore, tenant: str | None, survey: Survey, advance: Callable[[], None]
) -> Tally:
    """Record every thread of a checked file through the writer, many per transaction; threads present are skipped."""
    from api.cli.import_lines import parse_line
    from projections.write.imports import SKIPPED, Importer

    importer = Importer(store.writer)
    tally = Tally()
    in_flight: deque[tuple[int, Future[Outcome], ImportedThread]] = deque()
    events = 0

    def settle() -> None:
        nonlocal events
        number, future, thread = in_flight.popleft()
        try:
            outcome = future.result()
        except Exception as e:
            raise ImportFailed(number, e) from e
        events -= thread.events
        if outcome.body == SKIPPED:  # recorded meanwhile by someone else (the same import, run twice at once)
            tally.skipped += 1
        else:
            tally.imported += 1
            tally.entries += len(thread.entries)
            tally.events += thread.events
        advance()

    for number, value in json_lines(path):
        thread = parse_line(value, tenant, DEFAULT_TENANT)  # checked by the first pass
        if thread.thread_id in survey.present:
            tally.skipped += 1
            advance()
            continue
        in_flight.append((number, importer.submit(thread), thread))
        events += thread.events
        while in_flight and (events > MAX_EVENTS_IN_FLIGHT or len(in_flight) > MAX_THREADS_IN_FLIGHT):
            settle()
    while in_flight:
        settle()
    return tally
