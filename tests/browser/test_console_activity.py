"""Activity charts and their CSV (the same bytes as ``msgstore analytics --format csv``), and projection status."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.support.console import recorded_story, shoot, sign_in
from tests.support.servers import Server
from tests.support.waiting import seconds_until


def counted(console: Server) -> bool:
    """Whether the analytics projection has applied every recorded event."""
    report = httpx.get(console.root + "/readyz", timeout=30).json()
    return bool(report["projections"]["analytics"]["lag"] == 0)


def test_activity_charts_and_the_csv_download_equal_the_cli(
    page: Any, console: Server, api: httpx.Client, backend: str
) -> None:
    recorded_story(api)
    seconds_until(lambda: counted(console), "the analytics projection catches up")
    today = datetime.now(UTC).date().isoformat()
    sign_in(page, console, "sk-test-alpha")
    page.get_by_role("link", name="Activity").click()
    page.get_by_label("From (UTC day)").fill(today)
    page.get_by_label("To (UTC day)").fill(today)
    page.get_by_role("button", name="Show").click()
    for title in ("Messages created, by role", "Active threads", "Text volume (characters)"):
        chart = page.get_by_role("img", name=title)
        expect(chart).to_be_visible()
        assert chart.locator("rect").count() >= 1, title
    expect(page.locator("table.numbers tbody tr")).to_have_count(1)
    shoot(page, backend, "activity")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == f"msgstore-analytics-alpha-{today}-{today}.csv"
    downloaded = Path(download.value.path()).read_text(encoding="utf-8")

    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli.main",
            "analytics",
            "--tenant",
            "alpha",
            "--from",
            today,
            "--to",
            today,
            "--format",
            "csv",
        ],
        env={
            "MSGSTORE_DATABASE_URL": console.database_url,
            "MSGSTORE_DATA_DIR": str(console.data_dir),
            "MSGSTORE_MASTER_KEY": os.environ["MSGSTORE_MASTER_KEY"],  # the server's: the suite's shared key
            "PATH": "",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert downloaded == cli.stdout
    assert downloaded.splitlines()[1].startswith(f"alpha,{today},")


def test_projections_status_is_shown_read_only(page: Any, console: Server, backend: str) -> None:
    sign_in(page, console, "sk-test-alpha")
    page.get_by_role("link", name="Projections").click()
    table = page.get_by_role("table")
    for name in ("messages", "history", "analytics"):
        expect(table.get_by_role("rowheader", name=name).first).to_be_visible()
    expect(table).to_contain_text("inline")
    expect(table).to_contain_text("async")
    expect(page.locator(".workers")).to_contain_text("running")
    assert page.locator("main form").count() == 0  # nothing to change here
    shoot(page, backend, "projections")
