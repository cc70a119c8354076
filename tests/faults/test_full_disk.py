"""SQLite out of space under load: writes refused with an OpenAI error, nothing half-recorded, working again after."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import httpx

from tests.faults.checks import check_everything, opened
from tests.faults.page_limit import LIMIT_FILE, set_limit
from tests.faults.processes import Servers
from tests.faults.writers import API_KEY, Writers
from tests.support.waiting import seconds_until as eventually

FULL = {503, 507}  # what a write may be answered while the disk is full: an OpenAI server_error, never a 500


def pages(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA page_count").fetchone()[0])


def probe_until_refused(http: httpx.Client, thread_id: str) -> dict[str, int]:
    """Write until a write is refused; check the refusal is an OpenAI error body; return each probe's status."""
    probes: dict[str, int] = {}
    while len(probes) < 1000:
        content = f"probe {len(probes)} on a full disk"
        answer = http.post(f"/threads/{thread_id}/messages", json={"role": "user", "content": content})
        probes[content] = answer.status_code
        if answer.status_code != 200:
            assert answer.status_code in FULL, answer.text
            error = answer.json()["error"]
            assert error["type"] == "server_error" and error["message"] and "Traceback" not in answer.text
            print(f"a write on the full disk: {answer.status_code} {error['message']}")
            return probes
    raise AssertionError("a thousand writes on a full disk, none refused")


def test_a_full_disk_refuses_writes_truthfully_and_the_store_writes_again_once_space_is_freed(
    servers: Servers, tmp_path: Path
) -> None:
    path, limit = tmp_path / "store.db", tmp_path / "page-limit"
    set_limit(limit, None)
    url = f"sqlite:///{path}"
    server = servers.start(url, env={LIMIT_FILE: str(limit)}, module="tests.faults.page_limit")
    writers = Writers(server.base_url).start()
    writers.wait_for(40)
    full = time.monotonic()
    set_limit(limit, pages(path))  # not one page more: the free pages inside the file go first, then writes fail
    eventually(lambda: any(writers.ledger.first_answer(s, full) is not None for s in FULL), "a write is refused")
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30) as http:
        probes = probe_until_refused(http, writers.thread_ids[0])
        assert http.get(f"/threads/{writers.thread_ids[0]}/messages").status_code == 200  # reads go on
    time.sleep(2)  # the writers keep trying on the full disk
    set_limit(limit, None)  # space freed
    freed = time.monotonic()
    writers.wait_for(40)
    writes = writers.stop()
    to_200 = writers.ledger.first_answer(200, freed)
    print(f"full disk: first 200 {to_200} s after space was freed; {writers.ledger.summary()}")
    assert set(writers.ledger.statuses()) <= {200, None, *FULL}, writers.ledger.summary()
    with opened(url) as store:
        log = check_everything(server, store, writes, writers.thread_ids)
    for content, status in probes.items():  # a write that fits in a page with room left may still succeed
        assert log.contents[content] == (1 if status == 200 else 0), (content, status)
