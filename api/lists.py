"""List parameters and the list object of every paginated route; the fast path checks the same bounds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args
from urllib.parse import parse_qsl

from fastapi import Depends, Query

from api.responses import JSONBody
from projections.pages import Page

MIN_LIMIT, MAX_LIMIT, DEFAULT_LIMIT = 1, 100, 20
OrderName = Literal["asc", "desc"]
ORDERS: tuple[str, ...] = get_args(OrderName)

Limit = Annotated[int, Query(ge=MIN_LIMIT, le=MAX_LIMIT)]
Order = Annotated[OrderName, Query()]
Cursor = Annotated[str | None, Query()]


def list_body(page: Page, key: str = "id") -> JSONBody:
    """The list object of a page; ``key`` names the item field that ``first_id``/``last_id`` carry."""
    data = page.data
    return JSONBody(
        {
            "object": "list",
            "data": data,
            "first_id": data[0][key] if data else None,
            "last_id": data[-1][key] if data else None,
            "has_more": page.has_more,
        }
    )


@dataclass
class ListWindow:
    """The list parameters every paginated route takes (a dependency: one declaration for all of them)."""

    limit: Limit = DEFAULT_LIMIT
    order: Order = "desc"
    after: Cursor = None
    before: Cursor = None

    def options(self, **filters: str | None) -> dict[str, Any]:
        """The read's page options, these filters included (see ``page_options``)."""
        return page_options(self.limit, self.order, self.after, self.before, **filters)


WindowDep = Annotated[ListWindow, Depends()]


def page_options(
    limit: int, order: str, after: str | None, before: str | None, **filters: str | None
) -> dict[str, Any]:
    """A read's page options: an empty cursor or filter means none (as OpenAI reads ``after=``)."""
    options: dict[str, Any] = {"limit": limit, "order": order, "after": after or None, "before": before or None}
    options.update((name, value or None) for name, value in filters.items())
    return options


def plain_list_params(query: bytes, names: frozenset[str], plain: Any) -> dict[str, Any] | None:
    """A list's parameters when each is one of ``names``, given once, plainly valid; else None (the route decides).

    ``plain`` matches a value needing no further check (a compiled pattern); ``limit`` and ``order``
    are held to the bounds the route declares.
    """
    params: dict[str, Any] = {}
    if query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if name not in names or name in params or not plain.fullmatch(value):
                return None
            params[name] = value
    if "limit" in params:
        if not params["limit"].isdigit() or not MIN_LIMIT <= int(params["limit"]) <= MAX_LIMIT:
            return None
        params["limit"] = int(params["limit"])
    if params.get("order", "desc") not in ORDERS:
        return None
    return params
