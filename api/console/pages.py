"""How console pages are answered: templates, headers, and every failure as a page a person can read."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from api.console.session import LoginRequired
from api.errors import APIError
from domain.errors import ItemNotFound, MessageNotFound, ThreadNotFound
from projections.analytics.recent import InvalidRecentCursor
from projections.history.queries import InvalidPointInTime
from projections.pages import UnknownCursor
from projections.storage.database import DatabaseUnavailable

log = logging.getLogger("msgstore.console")

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

# Pages are the tenant's data: never cached, never framed, scripts and styles from this origin only.
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class BadInput(ValueError):
    """A value typed into a console form that cannot be used; the message says how to fix it."""


def when(seconds: int | float | None) -> str:
    """A Unix time as ``2026-05-01 12:00:00 UTC`` (empty for none)."""
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


templates.env.filters["when"] = when
templates.env.filters["q"] = lambda value: quote(str(value), safe="")


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render a template as a full page (or a fragment, for names starting with ``_``)."""
    context.setdefault("principal", request.scope.get("state", {}).get("principal"))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    """A page saying what went wrong and what to do, with the status a browser or script can check."""
    return page(request, "error.html", status_code=status, title=title, detail=detail)


def _failure(request: Request, exc: Exception) -> Response:
    if isinstance(exc, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/console/login?next={quote(target, safe='')}", status_code=303)
    if isinstance(exc, ThreadNotFound | MessageNotFound | ItemNotFound):
        kind = "thread" if isinstance(exc, ThreadNotFound) else "message"
        detail = f"{exc} Only your key's tenant's threads are shown, deleted ones included."
        return error_page(request, 404, f"No such {kind}", detail)
    if isinstance(exc, InvalidPointInTime | UnknownCursor | BadInput):
        return error_page(request, 400, "That cannot be shown", str(exc))
    if isinstance(exc, APIError):
        return error_page(request, exc.status, "That cannot be shown", exc.message)
    if isinstance(exc, InvalidRecentCursor):
        return error_page(request, 400, "That page does not exist", "Start again from the first page of threads.")
    if isinstance(exc, DatabaseUnavailable):
        return error_page(request, 503, "The database is not answering", "Try again in a moment.")
    log.exception("console page failed: %s", request.url.path)
    return error_page(request, 500, "Something went wrong", "The error was logged. Try again, or report it.")


class ConsoleRoute(APIRoute):
    """A route whose every answer carries the console's headers and whose failures are pages, not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                response = await handler(request)
            except Exception as exc:
                response = _failure(request, exc)
            for name, value in HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return answer
