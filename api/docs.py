"""The /docs (Swagger UI) and /redoc pages with their assets served by the app itself, never from a CDN.

The assets come packaged from PyPI (``fastapi-offline``: Swagger UI 5, which renders OpenAPI 3.1, and
ReDoc 2's standalone bundle), so an on-premises or air-gapped install shows the same pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"


def assets_directory() -> Path:
    """Where the packaged Swagger UI and ReDoc files are installed."""
    return Path(str(files("fastapi_offline") / "static"))


def install_docs(app: FastAPI, openapi_url: str = "/openapi.json") -> None:
    """Serve /docs, /redoc and their assets; build the app with ``docs_url=None, redoc_url=None``."""
    app.mount(ASSETS, StaticFiles(directory=assets_directory()), name="docs-assets")
    favicon = f"{ASSETS}/favicon.png"
    swagger_ui = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{app.title} - Swagger UI",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=favicon,
    )
    redoc = get_redoc_html(
        openapi_url=openapi_url,
        title=f"{app.title} - ReDoc",
        redoc_js_url=f"{ASSETS}/redoc.standalone.js",
        redoc_favicon_url=favicon,
        with_google_fonts=False,
    )
    for path, name, html in (("/docs", "swagger_ui", swagger_ui), ("/redoc", "redoc", redoc)):
        app.add_api_route(path, _page(bytes(html.body)), methods=["GET"], name=name, include_in_schema=False)


def _page(body: bytes) -> Callable[[], Awaitable[HTMLResponse]]:
    """A route answering the same page to every request (the pages depend on nothing but the app)."""

    async def page() -> HTMLResponse:
        return HTMLResponse(body)

    return page
