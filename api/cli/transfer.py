"""What ``msgstore import`` and ``msgstore export`` share: messages, progress, and the lines of a file."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

PROGRESS_EVERY = 10_000  # between progress lines when standard error is not a terminal

err = Console(stderr=True)


def say(text: str, style: str | None = None) -> None:
    """Print a line on standard error as written (no markup: ids and messages may hold brackets)."""
    err.print(text, style=style, markup=False, highlight=False, soft_wrap=True)


class BadLine(Exception):
    """A line that is not JSON."""


def json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """Each non-blank line of a JSON Lines file with its number (from 1), decoded; a ``BadLine`` if it is not JSON."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                yield number, orjson.loads(raw)
            except orjson.JSONDecodeError as e:
                yield number, BadLine(f"not JSON ({e}).")


@contextmanager
def progress(what: str, total: int | None, unit: str = "lines") -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal, else a line every ``PROGRESS_EVERY`` (lines, threads); yields what advances it."""
    if err.is_terminal:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=err) as bar:
            task = bar.add_task(unit, total=total)
            yield lambda: bar.advance(task)
        return
    started, done = time.perf_counter(), 0
    of = f" of {total:,}" if total is not None else ""

    def advance() -> None:
        nonlocal done
        done += 1
        if done % PROGRESS_EVERY == 0:
            rate = done / max(time.perf_counter() - started, 1e-9)
            say(f"{what}: {done:,}{of} {unit} ({rate:,.0f} {unit}/s)")

    yield advance
