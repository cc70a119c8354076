"""The audit console in a real browser: Debian's Chromium driven by Playwright, signed in with a test key."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.servers import Server

CHROMIUM = os.environ.get("MSGSTORE_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "browser" / "screenshots"  # git-ignored
INSTALL = "install Debian's Chromium (apt-get install -y chromium) or point MSGSTORE_TEST_CHROMIUM at a Chromium binary"
WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
RUNTIME = {"Authorization": "Bearer sk-test-runtime"}


def chromium_path() -> str:
    """The Chromium to drive; a missing one fails the test (never a skip) and says how to install it."""
    found = CHROMIUM if os.path.isfile(CHROMIUM) else shutil.which(CHROMIUM)
    if not found or not os.access(found, os.X_OK):
        pytest.fail(f"No Chromium at {CHROMIUM}: the console's browser tests need one; {INSTALL}.", pytrace=False)
    return found


def shoot(page: Any, backend: str, name: str) -> Path:
    """Save a full-page screenshot for a reviewer: tests/browser/screenshots/<backend>-<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{backend}-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, server: Server, key: str) -> None:
    """Open the console, land on the sign-in form, and sign in with ``key``."""
    page.goto(server.root + "/console")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.root + "/console")


def recorded_story(http: httpx.Client) -> dict[str, Any]:
    """A thread whose story a support person is asked about: a question, an edit, a metadata change, a reply."""
    question = {"role": "user", "content": "My order #1187 has not arrived."}
    thread = http.post("/v1/threads", json={"messages": [question], "metadata": {"case": "c-1"}}).json()
    t = thread["id"]
    second = http.post(
        f"/v1/threads/{t}/messages", json={"role": "user", "content": "My card ends 4242, please refund it."}
    ).json()
    http.post(f"/v1/threads/{t}/messages/{second['id']}", json={"metadata": {"pii": "card number"}}).raise_for_status()
    http.post(f"/v1/threads/{t}", json={"metadata": {"case": "c-1", "priority": "high"}}).raise_for_status()
    reply = http.post(
        f"/v1/threads/{t}/messages",
        headers=RUNTIME,
        json={
            "role": "assistant",
            "content": [],
            "assistant_id": "asst_support",
            "run_id": "run_1",
            "status": "in_progress",
        },
    ).json()
    for piece in ("Sorry about that. ", "A refund is on its way."):
        delta = {"content": [{"index": 0, "type": "text", "text": {"value": piece}}]}
        http.post(f"/v1/threads/{t}/messages/{reply['id']}/deltas", headers=RUNTIME, json=delta).raise_for_status()
    http.post(f"/v1/threads/{t}/messages/{reply['id']}/complete", headers=RUNTIME).raise_for_status()
    return {"thread": t, "question": thread, "card": second["id"], "reply": reply["id"]}
