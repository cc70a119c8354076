"""Signing in to the console with an API key, and out again."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from api.console.pages import ConsoleRoute, error_page, page
from api.console.session import COOKIE, PATH, ConsoleSessions

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

MAX_FORM_BYTES = 8192


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path, never another site."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console"


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form (or, already signed in, the page asked for)."""
    sessions: ConsoleSessions = request.app.state.console_sessions
    if sessions.principal(request.cookies.get(COOKIE)) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "login.html", title="Sign in", next=safe_next(next), principal=None)


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the key; on success set the session cookie and go on to the page asked for."""
    if request.headers.get("sec-fetch-site") == "cross-site":  # another site posting a key of its choosing
        return error_page(request, 403, "Sign in here", "Open the console's own sign-in page and sign in there.")
    body = (await request.body())[:MAX_FORM_BYTES]
    form = parse_qs(body.decode("utf-8", "replace"))
    key = (form.get("key") or [""])[0]
    target = safe_next((form.get("next") or [""])[0])
    sessions: ConsoleSessions = request.app.state.console_sessions
    signed = sessions.sign_in(key)
    if signed is None:
        error = "That key is not one of this server's keys." if key.strip() else "Paste an API key to sign in."
        return page(request, "login.html", 401, title="Sign in", next=target, error=error, principal=None)
    cookie, _ = signed
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE, cookie, path=PATH, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


@router.post("/logout")
async def logout() -> Response:
    """End the session in this browser."""
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict")
    return response
