"""``msgstore erase`` and ``msgstore keys rotate`` on a store written with a master key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import cli
from domain.erasure import ERASED_MARK
from domain.errors import ThreadNotFound
from projections.crypto.master import BadMasterKey, MasterKey, new_master_key
from projections.store import MessageStore
from tests.integration.test_encryption import text, write_secrets


def run(url: str, tmp_path: Path, key: str, *args: str, previous: str = "") -> str:
    """Run a command on the store at ``url`` with master key ``key``; return its output (it must succeed)."""
    env = {
        "MSGSTORE_DATABASE_URL": url,
        "MSGSTORE_DATA_DIR": str(tmp_path),
        "MSGSTORE_MASTER_KEY": key,
        "MSGSTORE_PREVIOUS_MASTER_KEYS": previous,
    }
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_an_operator_erases_a_message_then_the_thread(new_database: Callable[[], str], tmp_path: Path) -> None:
    url, key = new_database(), new_master_key()
    master = MasterKey.parse(key)
    store = MessageStore.open(url, master_key=master)
    thread, message = write_secrets(store)
    store.close()
    assert "erased" in run(url, tmp_path, key, "erase", "message", thread, message, "--reason", "ticket 7")
    store = MessageStore.open(url, master_key=master)
    try:
        erased = store.message("alpha", thread, message)
        assert erased["content"] == [] and ERASED_MARK in erased["metadata"]
    finally:
        store.close()
    run(url, tmp_path, key, "erase", "thread", thread, "--reason", "ticket 8")
    store = MessageStore.open(url, master_key=master)
    try:
        with pytest.raises(ThreadNotFound):
            store.thread("alpha", thread)
        events = store.history.events(None, thread, limit=100, order="desc").data
        assert events[0]["type"] == "thread.erased" and events[0]["actor"]["key_id"] == "operator"
    finally:
        store.close()


def test_rotation_rewraps_the_data_keys_under_a_new_master_key(new_database: Callable[[], str], tmp_path: Path) -> None:
    url, old, new = new_database(), new_master_key(), new_master_key()
    store = MessageStore.open(url, master_key=MasterKey.parse(old))
    thread, message = write_secrets(store)
    store.close()
    assert "re-wrapped 4 data keys" in run(url, tmp_path, new, "encryption", "rotate", previous=old)
    store = MessageStore.open(url, master_key=MasterKey.parse(new))
    try:
        assert store.message("alpha", thread, message)["content"] == text("ZEBRA-PLAINTEXT")
    finally:
        store.close()
    with pytest.raises(BadMasterKey, match="give every process the same"):  # the old key alone: refused at once
        MessageStore.open(url, master_key=MasterKey.parse(old))
