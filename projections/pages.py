"""Keyset pages: the one paginator of every list the API serves (messages, events, versions).

A page is ordered by one key column. ``after`` lies behind the page in list order and ``before``
ahead of it; ``before`` alone asks for the page just before the cursor, so the scan runs backwards
from it and the rows are turned round. One row more than ``limit`` tells whether more lie beyond.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Required, TypedDict, Unpack

Bound = tuple[str, Sequence[Any]]
"""A cursor as SQL: an expression and its parameters, a value (``("%s", [7])``) or a subquery."""


class Window(TypedDict, total=False):
    """What a list request asks for: how many, in which order, between which cursors (ids of the list)."""

    limit: Required[int]
    order: Required[str]
    after: str | None
    before: str | None


class UnknownCursor(Exception):
    """A pagination cursor names nothing in this list."""

    def __init__(self, param: str, candidate: str, kind: str = "message", within: str = "thread") -> None:
        super().__init__(f"Invalid '{param}': no {kind} with id '{candidate}' in this {within}.")
        self.param = param


@dataclass(frozen=True)
class Page:
    """One page of a list, in list order, and whether more lie beyond it."""

    data: list[dict[str, Any]]
    has_more: bool


@dataclass(frozen=True)
class PageQuery:
    """The statement of one page, and how its rows become the page."""

    sql: str
    params: list[Any]
    limit: int
    backwards: bool
    render: Callable[[Any], dict[str, Any]]

    def page(self, rows: Sequence[Any]) -> Page:
        """The page these rows make."""
        data = [self.render(row) for row in rows[: self.limit]]
        if self.backwards:
            data.reverse()
        return Page(data=data, has_more=len(rows) > self.limit)


def value(bound: Any) -> Bound | None:
    """A cursor bound to a plain value (None: no cursor)."""
    return None if bound is None else ("%s", [bound])


def keyset(
    sql: str,
    params: Sequence[Any],
    key: str,
    render: Callable[[Any], dict[str, Any]],
    *,
    limit: int,
    order: str,
    after: Bound | None = None,
    before: Bound | None = None,
    q: Callable[[str], str] = str,
) -> PageQuery:
    """The page query of ``sql`` (a SELECT with a WHERE clause) ordered by ``key`` between the cursors."""
    behind, ahead = (">", "<") if order == "asc" else ("<", ">")
    params = list(params)
    for operator, bound in ((behind, after), (ahead, before)):
        if bound is not None:
            sql += f" AND {key} {operator} {bound[0]}"
            params += bound[1]
    backwards = before is not None and after is None
    scan_ascending = (order == "asc") != backwards
    sql += f" ORDER BY {key} {'ASC' if scan_ascending else 'DESC'} LIMIT %s"
    params.append(limit + 1)
    return PageQuery(q(sql), params, limit, backwards, render)


def by_seq(
    sql: str,
    params: Sequence[Any],
    render: Callable[[Any], dict[str, Any]],
    cursor_sql: str,
    thread_id: str,
    q: Callable[[str], str],
    **window: Unpack[Window],
) -> PageQuery:
    """A thread's page in its one order (``seq``), the cursors being ids ``cursor_sql`` finds by (id, thread)."""
    cursor = f"({cursor_sql})"
    after, before = window.get("after"), window.get("before")
    return keyset(
        sql,
        params,
        "seq",
        render,
        limit=window["limit"],
        order=window["order"],
        after=None if after is None else (cursor, [after, thread_id]),
        before=None if before is None else (cursor, [before, thread_id]),
        q=q,
    )


def check_cursors(curs: Any, cursor_sql: str, thread_id: str, options: dict[str, Any], *names: str) -> None:
    """After an empty page: refuse a cursor that names nothing in the thread (``names``: kind and container)."""
    for param in ("after", "before"):
        cursor = options.get(param)
        if cursor is not None:
            curs.execute(cursor_sql, (cursor, thread_id))
            if curs.fetchone() is None:
                raise UnknownCursor(param, cursor, *names)
