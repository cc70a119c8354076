"""The audit console: web pages over a thread's history, served under /console when MSGSTORE_CONSOLE is true."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.auth import KeyRing
from api.console import activity, find, login, status, thread, timeline
from api.console.pages import HERE, ConsoleRoute, error_page
from api.console.session import ConsoleSessions


def install_console(app: FastAPI, keys: KeyRing, key_id_secret: bytes) -> None:
    """Serve the console's pages and assets; sessions are signed with a secret derived from ``key_id_secret``."""
    app.state.console_sessions = ConsoleSessions(keys, key_id_secret)
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")
    for module in (login, find, thread, timeline, activity, status):
        app.include_router(module.router)

    @app.get("/console/", include_in_schema=False)
    async def console_slash() -> Response:
        return RedirectResponse("/console", status_code=308)

    unknown = ConsoleRoute(
        "/console/{rest:path}", _unknown, methods=["GET"], include_in_schema=False, name="console-unknown"
    )
    app.router.routes.append(unknown)


async def _unknown(request: Request, rest: str) -> Response:
    """Any other console path: a page saying so, not a JSON error."""
    return error_page(request, 404, "No such page", f"The console has no page at /console/{rest}.")
