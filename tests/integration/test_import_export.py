"""``msgstore export`` and ``msgstore import``: a populated store round-trips into an empty one, answer for answer."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from domain.errors import ThreadNotFound
from tests.support.stores import opened
from tests.support.transfer import answers, msgstore, populate

Threads = list[tuple[str, str]]


@pytest.fixture(scope="module")
def source(new_database: Callable[[], str]) -> Iterator[tuple[str, Threads, dict[str, Any]]]:
    """A populated store: its URL, its live threads, and every answer about them."""
    url = new_database()
    with opened(url) as store:
        threads = populate(store, secrets.token_hex(4))
        before = {thread_id: answers(store, tenant, thread_id) for tenant, thread_id in threads}
    yield url, threads, before


def log_head(url: str) -> int:
    with opened(url) as store:
        return int(store.app.recorder.max_notification_id() or 0)


def test_export_then_import_into_an_empty_store_gives_every_answer_again(
    source: tuple[str, Threads, dict[str, Any]], new_database: Callable[[], str], tmp_path: Path
) -> None:
    url, threads, before = source
    exported = tmp_path / "store.jsonl"
    result = msgstore(url, "export", "-o", str(exported))
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in exported.read_bytes().splitlines()]
    assert sorted(line["id"].replace("conv_", "thread_") for line in lines) == sorted(t for _, t in threads)
    target = new_database()
    imported = msgstore(target, "import", str(exported))
    assert imported.exit_code == 0, imported.output
    assert "Imported 3 threads" in imported.stderr and "events/s" in imported.stderr
    with opened(target) as store:
        for tenant, thread_id in threads:
            assert answers(store, tenant, thread_id) == before[thread_id], thread_id
        with pytest.raises(ThreadNotFound):  # tenancy kept: a thread is not another tenant's
            store.thread("beta", threads[0][1])
        first = store.history.events(None, threads[0][1], limit=1, order="asc").data[0]
        assert first["actor"] == {"tenant": "alpha", "key_id": "import"}
        assert first["recorded_at"].startswith(_utc(before[threads[0][1]]["thread"]["created_at"]))
    again = tmp_path / "again.jsonl"
    assert msgstore(target, "export", "-o", str(again)).exit_code == 0
    assert [orjson.loads(line) for line in again.read_bytes().splitlines()] == lines


def _utc(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def test_running_the_same_import_again_records_nothing(
    source: tuple[str, Threads, dict[str, Any]], new_database: Callable[[], str], tmp_path: Path
) -> None:
    url, threads, before = source
    exported = tmp_path / "store.jsonl"
    assert msgstore(url, "export", "--tenant", "alpha", "-o", str(exported)).exit_code == 0
    assert msgstore(url, "export", "--tenant", "alpha").stdout_bytes == exported.read_bytes()  # or to stdout
    target = new_database()
    assert msgstore(target, "import", str(exported), "--tenant", "gamma").exit_code == 0
    head = log_head(target)
    again = msgstore(target, "import", str(exported), "--tenant", "gamma")
    assert again.exit_code == 0, again.output
    assert "Imported 0 threads" in again.stderr and "Skipped 2 threads" in again.stderr
    assert log_head(target) == head
    with opened(target) as store:  # --tenant moved alpha's threads to gamma, answers unchanged
        for tenant, thread_id in threads[:2]:
            assert tenant == "alpha" and answers(store, "gamma", thread_id) == before[thread_id]
    other = msgstore(target, "import", str(exported), "--tenant", "delta")
    assert other.exit_code == 1 and "for tenant 'gamma'" in other.stderr and "line 1:" in other.stderr


def sdk_thread(number: int) -> dict[str, Any]:
    suffix = secrets.token_hex(6)
    thread_id = f"thread_{suffix}"
    message = {
        "id": f"msg_{suffix}",
        "object": "thread.message",
        "created_at": 1_700_000_000 + number,
        "thread_id": thread_id,
        "status": "completed",
        "role": "user",
        "content": [{"type": "text", "text": {"value": f"line {number}", "annotations": []}}],
        "attachments": [],
        "metadata": {},
    }
    return {"id": thread_id, "object": "thread", "created_at": 1_700_000_000, "metadata": {}, "messages": [message]}


def write_lines(path: Path, lines: list[Any]) -> None:
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))


def test_a_file_with_a_bad_line_is_refused_whole_naming_the_line(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    target = new_database()
    lines = [sdk_thread(n) for n in range(1, 11)]
    lines[6]["messages"][0]["content"][0]["text"]["value"] = 7  # line 7
    path = tmp_path / "bad.jsonl"
    write_lines(path, lines)
    head = log_head(target)
    result = msgstore(target, "import", str(path))
    assert result.exit_code == 1
    assert "line 7: Invalid type for 'messages[0].content[0].text.value'" in result.stderr
    assert "Nothing was imported" in result.stderr and "Traceback" not in result.output
    assert log_head(target) == head
    with opened(target) as store, pytest.raises(ThreadNotFound):
        store.thread("default", lines[0]["id"])


def test_every_fault_is_reported_by_line_before_anything_is_recorded(
    source: tuple[str, Threads, dict[str, Any]], new_database: Callable[[], str], tmp_path: Path
) -> None:
    url, threads, before = source
    taken = before[threads[0][1]]["each item"][0]["id"]  # an id the store already has
    lines = [sdk_thread(n) for n in range(1, 6)]
    lines[3]["id"] = lines[0]["id"].replace("thread_", "conv_")  # line 1's thread again
    lines[3]["messages"][0]["thread_id"] = lines[3]["id"]
    lines[4]["messages"][0]["id"] = taken
    raw = [orjson.dumps(line) for line in lines]
    raw[1], raw[2] = b'"not an object"', b"{oops"
    path = tmp_path / "faults.jsonl"
    path.write_bytes(b"\n".join(raw) + b"\n\n")  # a blank line is no line
    head = log_head(url)
    result = msgstore(url, "import", str(path), "--tenant", "alpha")
    assert result.exit_code == 1
    err = result.stderr
    assert "line 2: expected a JSON object" in err and "line 3: not JSON" in err
    assert "line 4: thread" in err and "on line 1 too" in err
    assert f"line 5: '{taken}' is already the id of a message or item in this store" in err
    assert "line 1:" not in err and log_head(url) == head


def test_user_errors_end_with_a_message_not_a_traceback(
    source: tuple[str, Threads, dict[str, Any]], tmp_path: Path
) -> None:
    url = source[0]
    missing = msgstore(url, "import", str(tmp_path / "missing.jsonl"))
    assert missing.exit_code == 2 and "does not exist" in missing.output
    unwritable = msgstore(url, "export", "-o", str(tmp_path / "no" / "such" / "dir.jsonl"))
    assert unwritable.exit_code == 1 and "Cannot write" in unwritable.stderr
    assert unwritable.exception is None or isinstance(unwritable.exception, SystemExit)
