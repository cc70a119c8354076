"""The console's keys: another tenant's key sees nothing of the first; no session, no data; off unless enabled."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient
from playwright.sync_api import expect
from pydantic import SecretStr

from api.app import create_app
from api.settings import Settings
from tests.support.console import recorded_story, shoot, sign_in
from tests.support.servers import Server, StartServer


def test_another_tenant_s_key_sees_nothing_of_the_first(
    page: Any, console: Server, api: httpx.Client, backend: str
) -> None:
    story = recorded_story(api)
    t, m = story["thread"], story["reply"]
    sign_in(page, console, "sk-test-beta")
    expect(page.locator(".who")).to_contain_text("beta")
    expect(page.get_by_role("link", name=t)).to_have_count(0)
    page.get_by_label("Thread, conversation or message id").fill(t)
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("alert")).to_contain_text("No thread found")
    shoot(page, backend, "other-tenant")
    for path in (f"/threads/{t}", f"/threads/{t}/events", f"/threads/{t}/messages/{m}/versions", f"/threads/{t}/panel"):
        response = page.goto(f"{console.root}/console{path}")
        assert response.status == 404, path
        expect(page.get_by_role("alert")).to_contain_text("No ")
        assert "refund" not in page.content()
    live = page.request.get(f"{console.root}/console/threads/{t}/live")  # the browser's own cookie
    assert live.status == 404
    csv = page.request.get(f"{console.root}/console/activity.csv").text()
    assert "alpha" not in csv


def test_without_a_session_every_page_asks_to_sign_in(console: Server, api: httpx.Client) -> None:
    story = recorded_story(api)
    with httpx.Client(base_url=console.root, timeout=30) as anonymous:
        for path in ("", f"/threads/{story['thread']}", f"/threads/{story['thread']}/live", "/activity.csv"):
            response = anonymous.get("/console" + path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/console/login?next=")
        forged = anonymous.get(f"/console/threads/{story['thread']}", headers={"Cookie": "msgstore_console=a.1.b"})
        assert forged.status_code == 303
        # Signed in with the key over plain HTTP: the cookie is HttpOnly, strict, for /console only.
        planted = anonymous.post(
            "/console/login", data={"key": "sk-test-beta"}, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert planted.status_code == 403 and "set-cookie" not in planted.headers  # no session from another site
        signed = anonymous.post("/console/login", data={"key": "sk-test-alpha", "next": "https://elsewhere.example/"})
        assert signed.status_code == 303 and signed.headers["location"] == "/console"
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
        assert "sk-test-alpha" not in cookie
        page = anonymous.get(f"/console/threads/{story['thread']}")
        assert page.status_code == 200 and "refund" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert "default-src 'self'" in page.headers["content-security-policy"]
        anonymous.post("/console/logout")
        assert anonymous.get("/console").status_code == 303
    log = console.log()
    assert "sk-test-alpha" not in log and "sk-test-beta" not in log  # keys never reach the log


def test_the_console_is_off_unless_enabled() -> None:
    settings = Settings(api_keys="sk-test-alpha:alpha", key_id_secret=SecretStr("s" * 32), console=False)
    off = TestClient(create_app(settings)).get("/console")  # no store needed: the route is not there
    assert off.status_code == 404 and off.json()["error"]["type"] == "invalid_request_error"


def test_a_session_is_good_on_every_process_sharing_the_key_id_secret(
    start_server: StartServer, console: Server, api: httpx.Client
) -> None:
    story = recorded_story(api)
    # The console's data directory (its master key reads the story); the key-id secret from the environment.
    shared = {"MSGSTORE_CONSOLE": "true", "MSGSTORE_DATA_DIR": str(console.data_dir)}
    one, other = {"MSGSTORE_KEY_ID_SECRET": "one-secret-of-32-characters-0001"}, {"MSGSTORE_KEY_ID_SECRET": "x" * 32}
    first, second = (start_server(console.database_url, env=shared | one) for _ in range(2))
    elsewhere = start_server(console.database_url, env=shared | other)
    try:
        with httpx.Client(timeout=30) as browser:  # cookies are per host, not per port: one jar for all three
            assert browser.post(first.root + "/console/login", data={"key": "sk-test-alpha"}).status_code == 303
            assert browser.get(f"{second.root}/console/threads/{story['thread']}").status_code == 200
            assert browser.get(f"{elsewhere.root}/console/threads/{story['thread']}").status_code == 303
    finally:
        for server in (first, second, elsewhere):
            server.stop()
