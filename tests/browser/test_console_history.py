"""A support person's questions answered in the browser: find a thread, slide back through it, diff a message."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.support.console import PHONE, recorded_story, shoot, sign_in
from tests.support.servers import Server


def test_sign_in_find_a_thread_and_slide_back_to_an_earlier_transcript(
    page: Any, console: Server, api: httpx.Client, backend: str
) -> None:
    story = recorded_story(api)
    page.goto(console.root + "/console")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shoot(page, backend, "sign-in")
    page.get_by_label("API key").fill("sk-not-a-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not one of this server's keys")
    sign_in(page, console, "sk-test-alpha")
    expect(page.get_by_role("heading", name="Find a thread")).to_be_visible()
    page.keyboard.press("Tab")  # the first stop of the keyboard skips the navigation
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    expect(page.get_by_role("link", name=story["thread"])).to_be_visible()  # recent threads, once counted
    shoot(page, backend, "find")

    page.get_by_label("Thread, conversation or message id").fill(story["thread"].replace("thread_", "conv_"))
    page.get_by_role("button", name="Open").click()
    page.wait_for_url(f"**/console/threads/{story['thread']}")
    transcript = page.locator(".transcript")
    expect(transcript).to_contain_text("A refund is on its way.")
    expect(transcript).to_contain_text("card ends 4242")
    expect(page.locator(".meta")).to_contain_text("priority")
    expect(page.get_by_role("slider", name="Version")).to_have_value("9")
    shoot(page, backend, "thread")

    slider = page.get_by_role("slider", name="Version")
    slider.focus()
    page.keyboard.press("Home")  # the keyboard moves the slider: version 1, the thread with no message yet
    expect(page.locator(".step")).to_contain_text("Version 1")
    expect(page.locator(".step")).to_contain_text("thread.created")
    expect(transcript).to_contain_text("No messages at this version.")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".step")).to_contain_text("Version 2")
    expect(transcript).to_contain_text("My order #1187 has not arrived.")
    expect(transcript).not_to_contain_text("card ends 4242")
    expect(page.locator(".meta")).not_to_contain_text("priority")  # the metadata as it was then, too
    assert page.url.endswith("?version=2")  # the address can be shared
    shoot(page, backend, "thread-version-2")

    page.reload()  # the same version, drawn by the server alone
    expect(page.get_by_role("slider", name="Version")).to_have_value("2")
    expect(transcript).not_to_contain_text("card ends 4242")


def test_as_of_a_moment_shows_the_thread_as_it_was_then(
    page: Any, console: Server, api: httpx.Client, backend: str
) -> None:
    story = recorded_story(api)
    events = api.get(f"/v1/threads/{story['thread']}/events", params={"order": "asc"}).json()["data"]
    third = events[2]  # the second message's creation
    sign_in(page, console, "sk-test-alpha")
    page.goto(f"{console.root}/console/threads/{story['thread']}?as_of={third['recorded_at']}")
    expect(page.locator(".step")).to_contain_text("Version 3")
    expect(page.locator(".transcript")).to_contain_text("card ends 4242")
    expect(page.locator(".transcript")).not_to_contain_text("refund is on its way")
    page.get_by_role("link", name="Who changed it since: versions 4").click()
    rows = page.locator("table.events tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.first).to_contain_text("thread.message.modified")
    expect(rows.first).to_contain_text("pii")
    page.goto(f"{console.root}/console/threads/{story['thread']}?as_of=2001-01-01T00:00")
    expect(page.get_by_role("alert")).to_contain_text("did not exist yet")


def test_a_message_s_versions_side_by_side_with_the_diff(
    page: Any, console: Server, api: httpx.Client, backend: str
) -> None:
    story = recorded_story(api)
    sign_in(page, console, "sk-test-alpha")
    page.goto(f"{console.root}/console/threads/{story['thread']}")
    page.get_by_role("link", name=f"versions & diff of {story['card']}").click()
    expect(page.get_by_role("heading", name=f"Versions of {story['card']}")).to_be_visible()
    metadata = page.get_by_role("region", name="Metadata")
    expect(metadata.locator("tr.added")).to_contain_text("pii")
    expect(metadata.locator("tr.added")).to_contain_text("card number")
    expect(page.get_by_role("status")).to_contain_text("The content is the same")
    shoot(page, backend, "message-versions")

    page.goto(f"{console.root}/console/threads/{story['thread']}/messages/{story['reply']}/versions")
    page.get_by_label("Older side").select_option("6")  # the reply as created: empty, in progress
    page.get_by_label("Newer side").select_option("9")  # completed
    page.get_by_role("button", name="Compare").click()
    expect(page.locator(".side").nth(1).locator("ins")).to_contain_text("A refund is on its way.")
    expect(page.get_by_role("region", name="Other fields").locator("tr.changed").first).to_contain_text("in_progress")
    shoot(page, backend, "reply-diff")


def test_timeline_filtered_by_type_and_by_message(page: Any, console: Server, api: httpx.Client, backend: str) -> None:
    story = recorded_story(api)
    sign_in(page, console, "sk-test-alpha")
    page.goto(f"{console.root}/console/threads/{story['thread']}")
    page.get_by_role("link", name="Timeline of events").click()
    rows = page.locator("table.events tbody tr")
    expect(rows).to_have_count(9)
    expect(rows.nth(0)).to_contain_text("thread.created")
    expect(rows.nth(0)).to_contain_text("alpha")
    shoot(page, backend, "timeline")
    page.get_by_label("Event type").select_option("thread.message.delta")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    page.get_by_label("Event type").select_option("")
    page.get_by_label("Message id").fill(story["card"])
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)  # the card message: created, then its metadata changed
    expect(rows.nth(1)).to_contain_text("thread.message.modified")
    # The version column leads to the thread at that version.
    rows.nth(1).get_by_role("link", name="4", exact=True).click()
    expect(page.locator(".step")).to_contain_text("Version 4")


def test_pages_fit_a_phone_screen(page: Any, console: Server, api: httpx.Client, backend: str) -> None:
    story = recorded_story(api)
    page.set_viewport_size(PHONE)
    sign_in(page, console, "sk-test-alpha")
    paths = {
        "find": "/console",
        "thread": f"/console/threads/{story['thread']}",
        "timeline": f"/console/threads/{story['thread']}/events",
        "versions": f"/console/threads/{story['thread']}/messages/{story['reply']}/versions",
        "activity": "/console/activity",
        "projections": "/console/projections",
    }
    for name, path in paths.items():
        page.goto(console.root + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at phone width"
        shoot(page, backend, f"phone-{name}")
