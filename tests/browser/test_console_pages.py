"""Console pages over plain HTTP: timeline and recent-thread pages, deleted threads, friendly errors."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.support.servers import Server
from tests.support.waiting import seconds_until


@pytest.fixture
def beta_console(console: Server) -> Iterator[httpx.Client]:
    """The console over HTTP, signed in as tenant beta (the client keeps the session cookie)."""
    with httpx.Client(base_url=console.root, timeout=30) as client:
        assert client.post("/console/login", data={"key": "sk-test-beta"}).status_code == 303
        yield client


@pytest.fixture
def beta_api(console: Server) -> Iterator[httpx.Client]:
    """The API as tenant beta."""
    with httpx.Client(base_url=console.root, headers={"Authorization": "Bearer sk-test-beta"}, timeout=30) as c:
        yield c


def links(html: str, label: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(rf'<a[^>]*href="([^"]+)"[^>]*>{label}</a>', html)]


def test_the_timeline_pages_forwards_and_back_keeping_its_filter(
    beta_api: httpx.Client, beta_console: httpx.Client
) -> None:
    t = beta_api.post("/v1/threads", json={}).json()["id"]
    for i in range(60):
        beta_api.post(f"/v1/threads/{t}/messages", json={"role": "user", "content": f"note {i}"}).raise_for_status()
    first = beta_console.get(f"/console/threads/{t}/events")
    assert first.status_code == 200 and first.text.count("<tr>") == 51  # the header row and fifty events
    assert not links(first.text, "Earlier events")
    (later,) = links(first.text, "Later events")
    second = beta_console.get(f"/console/threads/{t}/events{later}")
    assert second.text.count("<tr>") == 12 and ">61</a>" in second.text and not links(second.text, "Later events")
    (earlier,) = links(second.text, "Earlier events")
    back = beta_console.get(f"/console/threads/{t}/events{earlier}")
    assert back.text.count("<tr>") == 51 and ">1</a>" in back.text
    only = beta_console.get(f"/console/threads/{t}/events", params={"type": "thread.created"})
    assert only.text.count("<tr>") == 2
    bad = beta_console.get(f"/console/threads/{t}/events", params={"type": "thread.exploded"})
    assert bad.status_code == 400 and "not an event type" in bad.text and "<html" in bad.text


def test_recent_threads_page_by_last_activity(beta_api: httpx.Client, beta_console: httpx.Client) -> None:
    made = [beta_api.post("/v1/threads", json={"metadata": {"n": str(i)}}).json()["id"] for i in range(30)]

    def every_listed() -> list[str]:
        seen: list[str] = []
        html = beta_console.get("/console").text
        while True:
            seen += re.findall(r'<a href="/console/threads/(thread_[^"]+)">', html)
            older = links(html, "Older threads")
            if not older:
                return seen
            html = beta_console.get(older[0]).text

    seconds_until(lambda: set(made) <= set(every_listed()), "the analytics worker counts the threads")
    seen = every_listed()
    assert len(seen) == len(set(seen)) and len(seen) > 25  # every thread once, across pages
    bad = beta_console.get("/console", params={"after": "not-a-cursor"})
    assert bad.status_code == 400 and "first page" in bad.text


def test_a_deleted_thread_still_shows_its_history(beta_api: httpx.Client, beta_console: httpx.Client) -> None:
    t = beta_api.post("/v1/threads", json={"messages": [{"role": "user", "content": "remember me"}]}).json()["id"]
    beta_api.delete(f"/v1/threads/{t}").raise_for_status()
    page = beta_console.get(f"/console/threads/{t}")
    assert page.status_code == 200 and "remember me" in page.text and 'value="2"' in page.text  # the last live version
    at_deletion = beta_console.get(f"/console/threads/{t}", params={"version": "3"})
    assert at_deletion.status_code == 200 and "deleted" in at_deletion.text and "remember me" not in at_deletion.text
    assert 'id="follow"' not in page.text and "nothing more will be written" in page.text
    for bad in ("0", "4", "x"):
        answer = beta_console.get(f"/console/threads/{t}", params={"version": bad})
        assert answer.status_code == 400 and "version" in answer.text
    assert beta_console.get("/console/nowhere").status_code == 404


def test_a_message_id_finds_its_versions_for_its_tenant_only(
    console: Server, beta_api: httpx.Client, beta_console: httpx.Client
) -> None:
    t = beta_api.post("/v1/threads", json={"messages": [{"role": "user", "content": "find me"}]}).json()["id"]
    m = beta_api.get(f"/v1/threads/{t}/messages").json()["data"][0]["id"]
    beta_api.delete(f"/v1/threads/{t}/messages/{m}").raise_for_status()  # deleted messages are found too
    found = beta_console.get("/console", params={"id": m})
    assert found.status_code == 303 and found.headers["location"] == f"/console/threads/{t}/messages/{m}/versions"
    versions = beta_console.get(found.headers["location"])
    assert versions.status_code == 200 and "find me" in versions.text and "deleted" in versions.text
    with httpx.Client(base_url=console.root, timeout=30) as alpha:
        alpha.post("/console/login", data={"key": "sk-test-alpha"})
        other = alpha.get("/console", params={"id": m})
        assert other.status_code == 404 and "No such message" in other.text and t not in other.text
        assert alpha.get("/console/login").headers["location"] == "/console"  # signed in already
    assert beta_console.get("/console", params={"id": "msg_nothing"}).status_code == 404
