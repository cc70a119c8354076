"""Daily activity of the tenant: charts for a range of days, the numbers, and the CSV of ``msgstore analytics``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response

from api.console.charts import activity_charts
from api.console.pages import BadInput, ConsoleRoute, page
from api.console.session import ConsoleUser
from api.deps import StoreDep, in_thread
from projections.analytics.daily_csv import daily_csv
from projections.analytics.view import daily_for_all
from projections.store import MessageStore

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

DEFAULT_DAYS = 30
MAX_DAYS = 731


def day_range(start: str | None, end: str | None, today: date | None = None) -> tuple[date, date]:
    """The days asked for (by default the last thirty, today included), checked."""
    last = _day(end, "To") or today or datetime.now(UTC).date()
    first = _day(start, "From") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadInput(f"'From' ({first}) is after 'To' ({last}): swap them.")
    if (last - first).days >= MAX_DAYS:
        raise BadInput(f"Pick at most {MAX_DAYS} days; {first} to {last} is {(last - first).days + 1}.")
    return first, last


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"'{name}' must be a date as YYYY-MM-DD, not '{value}'.") from None


def daily(store: MessageStore, tenant: str, first: date, last: date) -> list[dict[str, Any]]:
    """The tenant's days in the range, as ``msgstore analytics --tenant`` reads them."""
    with store.database.read() as curs:
        return daily_for_all(store.database.dialect, curs, tenant, first.isoformat(), last.isoformat())


@router.get("/activity")
async def activity(
    request: Request, user: ConsoleUser, store: StoreDep, start: str | None = None, end: str | None = None
) -> Response:
    """Charts of messages by role, active threads and text volume per day, with the numbers beneath."""
    first, last = day_range(start, end)
    rows = await in_thread(daily, store, user.tenant, first, last)
    return page(
        request,
        "activity.html",
        title="Activity",
        section="activity",
        start=first.isoformat(),
        end=last.isoformat(),
        charts=activity_charts(first, last, rows),
        rows=rows,
    )


@router.get("/activity.csv")
async def activity_csv(
    user: ConsoleUser, store: StoreDep, start: str | None = None, end: str | None = None
) -> Response:
    """The range's days as CSV, the same bytes as ``msgstore analytics --tenant T --from … --to … --format csv``."""
    first, last = day_range(start, end)
    rows = await in_thread(daily, store, user.tenant, first, last)
    name = f"msgstore-analytics-{re.sub(r'[^A-Za-z0-9_.-]', '_', user.tenant)}-{first}-{last}.csv"
    return Response(
        daily_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
