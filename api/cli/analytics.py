"""``msgstore analytics``: daily activity per tenant, as a table that fits the terminal, CSV or JSON."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from typing import Any

import typer
from rich.console import Console

from api.cli.stores import SHARD, fail, moved_away, opened_stores

FORMATS = ("table", "csv", "json")
PADDING = 1  # spaces before each column of the table, beside the one separating it from the previous
# The table's headers: short words, so that a narrow terminal can stack them (80 columns fit).
HEADERS = {
    "day": "day",
    "messages_created": "new msgs",
    "user_messages_created": "user msgs",
    "assistant_messages_created": "assistant msgs",
    "messages_modified": "edited msgs",
    "messages_deleted": "deleted msgs",
    "threads_created": "new threads",
    "threads_deleted": "deleted threads",
    "text_characters": "text chars",
    "active_threads": "active threads",
}


def analytics(
    start: str | None = typer.Option(None, "--from", help="First UTC day, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--to", help="Last UTC day, YYYY-MM-DD."),
    tenant: str | None = typer.Option(None, help="Only this tenant.", show_default="all"),
    output: str = typer.Option("table", "--format", help="table, csv or json."),
    shard: str | None = SHARD,
) -> None:
    """Print daily activity per tenant (from the analytics projection)."""
    from projections.analytics.view import DAILY_FIELDS, daily_for_all, tenants

    if output not in FORMATS:
        fail(f"Unknown --format {output!r}: use table, csv or json.", 2)
    first, last = _day(start, "--from"), _day(end, "--to")
    if first and last and first > last:
        fail(f"--from {first} is after --to {last}: give the earlier day with --from.", 2)
    # 20240501 spelled 2024-05-01, as the table has it
    start, end = (first.isoformat() if first else None), (last.isoformat() if last else None)
    rows: list[dict[str, Any]] = []
    known: list[str] = []
    with opened_stores(tenant=shard) as opened:  # one database, every shard's (a moved tenant counts where it went)
        for _, store in opened:
            gone = moved_away(store)  # a tenant moved to another shard counts there only
            with store.database.read() as curs:
                found = daily_for_all(store.database.dialect, curs, tenant, start, end)
                rows = summed(rows, [row for row in found if row["tenant"] not in gone])
                if tenant is not None and not rows:
                    known += tenants(store.database.dialect, curs)
    if tenant is not None and not rows and tenant not in known:
        listed = ", ".join(known[:20]) + (", …" if len(known) > 20 else "")
        fail(f"No activity was ever recorded for tenant '{tenant}'. Tenants with activity: {listed or 'none'}.")
    fields = ("tenant", *DAILY_FIELDS)
    if output == "json":
        print(json.dumps(rows, indent=2))
    elif output == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    elif rows:
        print_tables(rows, DAILY_FIELDS)
    if not rows:
        span = f" from {start}" if start else ""
        span += f" to {end}" if end else ""
        who = f" for tenant '{tenant}'" if tenant else ""
        Console(stderr=True).print(f"No activity recorded{who}{span}.", markup=False, highlight=False)


def summed(rows: list[dict[str, Any]], more: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two shards' daily rows as one list: the counts of a tenant's day added up, ordered by tenant and day.

    A tenant lives in one shard, but a tenant moved between shards has days in both.
    """
    if not rows:
        return more
    by_day: dict[tuple[str, str], dict[str, Any]] = {}
    for row in [*rows, *more]:
        key = (row["tenant"], row["day"])
        found = by_day.get(key)
        if found is None:
            by_day[key] = dict(row)
            continue
        for field, value in row.items():
            if field not in ("tenant", "day") and isinstance(value, int):
                found[field] += value
    return [by_day[key] for key in sorted(by_day)]


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"Invalid {option} {value!r}: expected a day as YYYY-MM-DD.", 2)


def print_tables(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> None:
    """One table per tenant, its headers stacked on a narrow terminal; one line per day if even that is too wide."""
    from rich.box import SIMPLE_HEAD
    from rich.table import Table

    console = Console()
    for tenant in dict.fromkeys(row["tenant"] for row in rows):
        cells = [[_cell(row[f]) for f in fields] for row in rows if row["tenant"] == tenant]
        layout = _widths(fields, cells, console.width)
        console.print(f"tenant {tenant}", markup=False, highlight=False, soft_wrap=True)
        if layout is None:  # too narrow for even stacked headers: one wrapped line per day
            for line in cells:
                pairs = [f"{HEADERS[f]} {value}" for f, value in zip(fields[1:], line[1:], strict=True)]
                for text in _packed([line[0], *pairs], console.width):
                    console.print(text, markup=False, highlight=False, soft_wrap=True)
            continue
        widths, padding = layout
        table = Table(box=SIMPLE_HEAD, show_edge=False, padding=(0, 0, 0, padding))
        for field, width in zip(fields, widths, strict=True):
            table.add_column(HEADERS[field], justify="left" if field == "day" else "right", width=width)
        for line in cells:
            table.add_row(*line)
        console.print(table)


def _widths(fields: tuple[str, ...], cells: list[list[str]], room: int) -> tuple[list[int | None], int] | None:
    """Column widths and the padding beside each: headers whole if that fits, else stacked; None if neither fits.

    Columns are separated by one space, and padded by ``PADDING`` more where there is room.
    """
    longest = [max((len(line[i]) for line in cells), default=0) for i in range(len(fields))]
    whole = [max(len(HEADERS[f]), n) for f, n in zip(fields, longest, strict=True)]
    stacked = [max(*(len(word) for word in HEADERS[f].split()), n) for f, n in zip(fields, longest, strict=True)]
    for widths, fixed in ((whole, False), (stacked, True)):
        for padding in (PADDING, 0):
            if sum(widths) + len(fields) - 1 + padding * len(fields) <= room:
                return (list[int | None](widths) if fixed else [None] * len(fields)), padding
    return None


def _packed(parts: list[str], room: int) -> list[str]:
    """The parts two spaces apart, on as few lines as fit ``room``; a continued line is indented, no part is split."""
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 2 + len(part) <= room:
            lines[-1] += "  " + part
        else:
            lines.append("  " + part)
    return lines


def _cell(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)
