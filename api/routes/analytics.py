"""Analytics: a tenant's daily activity, from the analytics projection."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from api.deps import PrincipalDep, StoreDep
from api.errors import APIError
from api.responses import JSONBody
from projections.analytics.items import ItemTypeTables, item_days
from projections.analytics.projector import AnalyticsTables
from projections.analytics.view import AnalyticsView
from projections.store import MessageStore

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])

From = Annotated[str | None, Query(alias="from", description="First UTC day, YYYY-MM-DD.")]
Day = Annotated[str | None, Query(description="A UTC day as YYYY-MM-DD (inclusive).")]


def parse_day(value: str | None, param: str) -> str | None:
    """Return the ISO form of a YYYY-MM-DD day, or refuse it naming the parameter."""
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise APIError(
            400,
            f"Invalid '{param}': expected a date as YYYY-MM-DD (e.g. '2024-05-01'), but got '{value}' instead.",
            param=param,
            code="invalid_value",
        ) from None


def day_range(from_: str | None, to: str | None) -> tuple[str | None, str | None]:
    """Validated ``from`` and ``to`` days, ``to`` not before ``from``."""
    start, end = parse_day(from_, "from"), parse_day(to, "to")
    if start is not None and end is not None and end < start:
        raise APIError(400, f"Invalid 'to': '{end}' is before 'from' ('{start}').", param="to", code="invalid_value")
    return start, end


def daily_rows(store: MessageStore, tenant: str, start: str | None, end: str | None) -> list[dict[str, Any]]:
    """The tenant's days between ``start`` and ``end``."""
    view = AnalyticsView(AnalyticsTables(store.database.dialect))
    with store.database.read() as curs:
        return view.daily(curs, tenant, start, end)


@router.get("/daily", summary="Daily activity")
async def daily(principal: PrincipalDep, store: StoreDep, from_: From = None, to: Day = None) -> JSONBody:
    """Per UTC day: messages created (by role), modified and deleted, threads created and deleted,
    active threads and characters of text, for the caller's tenant. Days without activity are absent."""
    start, end = day_range(from_, to)
    rows = await run_in_threadpool(daily_rows, store, principal.tenant, start, end)
    return JSONBody({"object": "list", "data": [{"object": "analytics.day", **row} for row in rows], "has_more": False})


def item_rows(store: MessageStore, tenant: str, start: str | None, end: str | None) -> list[dict[str, Any]]:
    """The tenant's item counts by day and type between ``start`` and ``end``."""
    with store.database.read() as curs:
        return item_days(ItemTypeTables(store.database.dialect), curs, tenant, start, end)


@router.get("/items", summary="Items by type")
async def items(principal: PrincipalDep, store: StoreDep, from_: From = None, to: Day = None) -> JSONBody:
    """Per UTC day and item type (``message`` for every message, whichever API made it): items created and
    deleted, for the caller's tenant. Days without activity are absent."""
    start, end = day_range(from_, to)
    rows = await run_in_threadpool(item_rows, store, principal.tenant, start, end)
    data = [{"object": "analytics.item_type_day", **row} for row in rows]
    return JSONBody({"object": "list", "data": data, "has_more": False})
