"""The key id secret: kept in the data directory (or set), the same for every process that shares it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from api.auth import KEY_ID_SECRET_FILE, key_id_secret, keyring_for
from api.settings import Settings
from domain.ids import key_identifier

# What another server process would record as the key id of sk-a.
PRINT_KEY_ID = "from api.auth import keyring_for; from api.settings import Settings; " + (
    "print(keyring_for(Settings()).lookup('sk-a').key_id)"
)


def environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """This environment without MSGSTORE_* settings, plus the data directory, one key and ``settings``."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("MSGSTORE_")}
    return {**kept, "MSGSTORE_DATA_DIR": str(data_dir), "MSGSTORE_API_KEYS": "sk-a:alpha", **settings}


def key_id_in_another_process(data_dir: Path, **settings: str) -> str:
    command = [sys.executable, "-c", PRINT_KEY_ID]
    done = subprocess.run(command, env=environment(data_dir, **settings), capture_output=True, check=True)
    return done.stdout.decode().strip()


def test_the_first_start_keeps_a_private_secret_that_later_starts_reuse(tmp_path: Path) -> None:
    first = key_id_secret(Settings(data_dir=tmp_path))
    path = tmp_path / KEY_ID_SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) >= 32
    assert key_id_secret(Settings(data_dir=tmp_path)) == first
    assert key_id_secret(Settings(data_dir=tmp_path / "elsewhere")) != first


def test_processes_sharing_the_data_dir_derive_the_same_ids(tmp_path: Path) -> None:
    # Started together on an empty directory: one secret wins, every process reads that one.
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PRINT_KEY_ID],
            env=environment(tmp_path),
            stdout=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    ids = {p.communicate()[0].decode().strip() for p in processes}
    secret = (tmp_path / KEY_ID_SECRET_FILE).read_text().strip().encode()
    assert ids == {key_identifier("sk-a", secret)}
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_ID_SECRET_FILE]  # no drafts left behind


def test_a_configured_secret_wins_and_gives_the_same_ids_everywhere(tmp_path: Path) -> None:
    secret = "a-long-shared-secret-for-every-host"
    here = key_id_in_another_process(tmp_path / "one", MSGSTORE_KEY_ID_SECRET=secret)
    there = key_id_in_another_process(tmp_path / "two", MSGSTORE_KEY_ID_SECRET=secret)
    other = key_id_in_another_process(tmp_path / "one", MSGSTORE_KEY_ID_SECRET=secret + "!")
    assert here == there == key_identifier("sk-a", secret.encode()) != other
    assert not (tmp_path / "one" / KEY_ID_SECRET_FILE).exists()


def test_a_short_configured_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 16"):
        keyring_for(Settings(data_dir=tmp_path, api_keys="sk-a:alpha", key_id_secret="short"))


def test_the_generated_key_gets_a_keyed_id_too(tmp_path: Path) -> None:
    ring = keyring_for(Settings(data_dir=tmp_path, api_keys=""))
    [(key, principal)] = list(ring)
    secret = (tmp_path / KEY_ID_SECRET_FILE).read_text().strip().encode()
    assert principal.tenant == "default" and principal.key_id == key_identifier(key, secret)


def test_msgstore_keys_lists_each_key_id_never_the_key(tmp_path: Path) -> None:
    settings = {"MSGSTORE_KEY_ID_SECRET": "a-long-shared-secret-for-every-host"}
    keys = {"MSGSTORE_API_KEYS": "sk-alpha-key:alpha:runtime,sk-beta-key:beta:id=ops"}
    env = environment(tmp_path, **settings) | keys
    done = subprocess.run([sys.executable, "-m", "api.cli.main", "keys"], env=env, capture_output=True, check=True)
    rows = [line.split("\t") for line in done.stdout.decode().splitlines()]
    alpha_id = key_identifier("sk-alpha-key", settings["MSGSTORE_KEY_ID_SECRET"].encode())
    assert rows == [["alpha", alpha_id, "runtime", "sk-a****ey"], ["beta", "ops", "-", "sk-b****ey"]]
    assert b"sk-alpha-key" not in done.stdout + done.stderr
