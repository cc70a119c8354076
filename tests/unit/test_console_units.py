"""The console's pure parts: session cookies, diffs, event summaries, content parts, charts and day ranges."""

from __future__ import annotations

from datetime import date

import pytest

from api.auth import KeyRing
from api.console.activity import day_range
from api.console.charts import activity_charts, compact, every_day
from api.console.diff import message_diff, text_diff
from api.console.login import safe_next
from api.console.pages import BadInput
from api.console.session import ConsoleSessions
from api.console.summaries import summary
from api.console.thread_state import as_of_us, parse_version
from api.console.transcript import part, parts

SECRET = b"0123456789abcdef0123456789abcdef"


def sessions(spec: str = "sk-one:acme,sk-two:globex:runtime") -> ConsoleSessions:
    return ConsoleSessions(KeyRing.parse(spec, SECRET), SECRET, lifetime=3600)


def test_a_session_cookie_names_its_principal_without_the_key() -> None:
    signed = sessions().sign_in("sk-two", now=1000)
    assert signed is not None
    cookie, principal = signed
    assert principal.tenant == "globex" and "sk-two" not in cookie
    found = sessions().principal(cookie, now=1001)  # another process with the same secret accepts it
    assert found is not None and found.tenant == "globex" and found.scopes == frozenset({"runtime"})


def test_a_session_ends_when_it_expires_is_forged_or_its_key_is_removed() -> None:
    cookie, _ = sessions().sign_in("sk-one", now=1000) or ("", None)
    assert sessions().principal(cookie, now=1000 + 3601) is None
    fingerprint, issued, signature = cookie.split(".")
    assert sessions().principal(f"{fingerprint}.{int(issued) + 9999}.{signature}", now=1001) is None
    assert sessions().principal("nonsense", now=1001) is None
    assert sessions("sk-two:globex").principal(cookie, now=1001) is None  # sk-one is no longer configured
    other_secret = ConsoleSessions(KeyRing.parse("sk-one:acme", SECRET), b"another secret entirely, 32 bytes")
    assert other_secret.principal(cookie, now=1001) is None
    assert sessions().sign_in("sk-unknown") is None and sessions().sign_in("  ") is None


def test_after_sign_in_only_console_paths_are_followed() -> None:
    assert safe_next("/console/threads/thread_1?version=2") == "/console/threads/thread_1?version=2"
    for elsewhere in ("https://evil.example/", "//evil.example/console", "/v1/threads", None, "/console\\@evil"):
        assert safe_next(elsewhere) == "/console"


def test_text_diff_marks_words_removed_and_added() -> None:
    left, right = text_diff("My card is 4242.", "My card is ****.")
    assert [s.text for s in left if s.change == "removed"] == ["4242"]
    assert [s.text for s in right if s.change == "added"] == ["****"]
    assert "".join(s.text for s in left) == "My card is 4242." and "".join(s.text for s in right) == "My card is ****."


def version(n: int, status: str, text: str, metadata: dict[str, str], deleted: bool = False) -> dict[str, object]:
    content = [{"type": "text", "text": {"value": text, "annotations": []}}] if text else []
    message = {"role": "assistant", "status": status, "content": content, "metadata": metadata, "attachments": []}
    return {"version": n, "deleted": deleted, "message": message}


def test_message_diff_compares_content_metadata_and_fields() -> None:
    diff = message_diff(version(5, "in_progress", "", {"a": "1"}), version(9, "completed", "Done.", {"b": "2"}))
    assert diff.content_changed
    assert {(k.key, k.change) for k in diff.metadata} == {("a", "removed"), ("b", "added")}
    status = next(k for k in diff.fields if k.key == "status")
    assert (status.left, status.right, status.change) == ("in_progress", "completed", "changed")
    same = message_diff(version(1, "completed", "x", {}), version(2, "completed", "x", {}, deleted=True))
    assert not same.content_changed and next(k for k in same.fields if k.key == "deleted").change == "changed"


def test_event_summaries_say_what_changed() -> None:
    created = {"type": "thread.message.created", "data": {"message": {"role": "user", "content": "Hi there"}}}
    assert summary(created) == 'user: "Hi there"'
    delta = {
        "type": "thread.message.delta",
        "data": {"delta": {"content": [{"type": "text", "text": {"value": "lo"}}]}},
    }
    assert summary(delta) == '+ "lo"'
    modified = {"type": "thread.message.modified", "data": {"metadata": {"before": {}, "after": {"pii": "yes"}}}}
    assert summary(modified) == 'metadata: {} → {"pii": "yes"}'
    assert summary({"type": "thread.deleted", "data": {}}) == "deleted"
    item = {"type": "function_call", "id": "fc_1", "name": "lookup", "arguments": "{}"}
    assert summary({"type": "conversation.item.created", "data": {"item": item}}) == (
        'function_call: {"arguments": "{}", "name": "lookup"}'
    )
    assert len(summary({"type": "thread.created", "data": {"metadata": {"k": "v" * 500}}})) == 120


def test_content_parts_link_only_web_images() -> None:
    assert (
        part({"type": "image_url", "image_url": {"url": "https://x.example/a.png"}}).href == "https://x.example/a.png"
    )
    unsafe = part({"type": "image_url", "image_url": {"url": "javascript:alert(1)"}})
    assert unsafe.href is None and unsafe.kind == "image"
    assert part({"type": "image_file", "image_file": {"file_id": "file-1"}}).text == "image file file-1"
    assert part({"type": "refusal", "refusal": "No."}).kind == "refusal"
    assert part({"type": "weird", "x": 1}).kind == "other"
    assert [p.text for p in parts({"content": "plain"})] == ["plain"]


def test_charts_cover_every_day_with_whole_number_ticks() -> None:
    days = every_day(date(2026, 5, 30), date(2026, 6, 2))
    assert days == ["2026-05-30", "2026-05-31", "2026-06-01", "2026-06-02"]
    row = {
        "day": "2026-05-31",
        "messages_created": 3,
        "user_messages_created": 2,
        "assistant_messages_created": 1,
        "active_threads": 1,
        "text_characters": 40,
    }
    messages, threads, text = activity_charts(date(2026, 5, 30), date(2026, 6, 2), [row])
    assert [b.series for b in messages.bars] == ["s-user", "s-assistant"] and messages.total == 3
    assert [t.label for t in threads.y_ticks] == ["0", "1"]
    assert text.bars[0].label == "2026-05-31: 40 characters"
    assert [compact(n) for n in (0, 9_999, 12_000, 1_500_000, 2_000_000_000)] == ["0", "9,999", "12k", "1.5M", "2G"]


def test_form_values_are_checked_with_messages_a_person_can_act_on() -> None:
    assert day_range(None, None, today=date(2026, 5, 31)) == (date(2026, 5, 2), date(2026, 5, 31))
    with pytest.raises(BadInput, match="swap them"):
        day_range("2026-06-02", "2026-06-01")
    with pytest.raises(BadInput, match="YYYY-MM-DD"):
        day_range("yesterday", None)
    with pytest.raises(BadInput, match="at most"):
        day_range("2020-01-01", "2026-01-01")
    assert as_of_us("1970-01-01T00:00:01") == 1_000_000  # the form's local value, read as UTC
    assert as_of_us("1970-01-01T01:00:01+01:00") == 1_000_000
    with pytest.raises(BadInput):
        as_of_us("last tuesday")
    assert parse_version(" 7 ") == 7 and parse_version("") is None
    with pytest.raises(BadInput):
        parse_version("-1")
