"""Fixtures of the console's browser tests: a server with the console on, per database, and a Chromium page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.console import WIDE, chromium_path
from tests.support.servers import Server, StartServer


@pytest.fixture(scope="module")
def console(start_server: StartServer, new_database: Callable[[], str]) -> Iterator[Server]:
    """A server with MSGSTORE_CONSOLE=true on a database of its own (no other server's worker shares it)."""
    server = start_server(new_database(), env={"MSGSTORE_CONSOLE": "true"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium from the system (nothing is downloaded), shared by a module's tests.

    Not by the session: Playwright's synchronous API keeps an event loop running on the main thread
    while it is open, and the asyncio tests that run after the browser tests need it stopped.
    """
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at 1280x800."""
    context = browser.new_context(viewport=WIDE, accept_downloads=True)
    context.set_default_timeout(30_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def api(console: Server) -> Iterator[httpx.Client]:
    """Raw HTTP to the console's server as tenant alpha."""
    with httpx.Client(base_url=console.root, headers={"Authorization": "Bearer sk-test-alpha"}, timeout=30) as c:
        yield c
