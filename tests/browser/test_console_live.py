"""The thread page follows a reply while the assistant runtime is writing it, through the thread's stream."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.support.console import RUNTIME, shoot, sign_in
from tests.support.servers import Server


def delta(api: httpx.Client, thread_id: str, message_id: str, text: str) -> None:
    body = {"content": [{"index": 0, "type": "text", "text": {"value": text}}]}
    api.post(f"/v1/threads/{thread_id}/messages/{message_id}/deltas", headers=RUNTIME, json=body).raise_for_status()


def test_a_reply_being_written_arrives_live_in_the_transcript(
    page: Any, console: Server, api: httpx.Client, backend: str
) -> None:
    thread = api.post("/v1/threads", json={"messages": [{"role": "user", "content": "Where is my parcel?"}]}).json()
    t = thread["id"]
    reply = api.post(
        f"/v1/threads/{t}/messages",
        headers=RUNTIME,
        json={"role": "assistant", "content": [], "assistant_id": "asst_s", "run_id": "run_9", "status": "in_progress"},
    ).json()
    sign_in(page, console, "sk-test-alpha")
    page.goto(f"{console.root}/console/threads/{t}")
    follow = page.get_by_role("button", name="Stop following")  # a reply is being written: it follows at once
    expect(follow).to_have_attribute("aria-pressed", "true")
    message = page.locator(f"li.msg#{reply['id']}")
    expect(message.locator(".badge")).to_have_text("being written…")

    delta(api, t, reply["id"], "Let me check. ")
    expect(message).to_contain_text("Let me check.")
    delta(api, t, reply["id"], "It left the depot this morning.")
    expect(message).to_contain_text("Let me check. It left the depot this morning.")
    expect(page.get_by_role("status")).to_contain_text("received")
    shoot(page, backend, "live-reply")
    api.post(f"/v1/threads/{t}/messages/{reply['id']}/complete", headers=RUNTIME).raise_for_status()
    expect(message.locator(".badge")).to_have_text("completed")
    expect(page.get_by_role("slider", name="Version")).to_have_value("6")  # created, in progress, 2 deltas, done

    page.get_by_role("button", name="Stop following").click()
    expect(page.get_by_role("button", name="Follow live")).to_have_attribute("aria-pressed", "false")
    another = api.post(f"/v1/threads/{t}/messages", json={"role": "user", "content": "Thanks!"}).json()
    page.get_by_role("button", name="Follow live").click()  # picks up what happened while not following
    expect(page.locator(f"li.msg#{another['id']}")).to_contain_text("Thanks!")
