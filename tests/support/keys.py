"""The master key every test process shares (servers, CLI commands and in-process stores), as a deployment would."""

from __future__ import annotations

from projections.crypto.master import MasterKey

TEST_MASTER_KEY_TEXT = "bXNnc3RvcmUgdGVzdHMgc2hhcmUgdGhpcyBrZXkgISE="  # 32 bytes, base64: a test key, never a real one
TEST_MASTER_KEY = MasterKey.parse(TEST_MASTER_KEY_TEXT)
