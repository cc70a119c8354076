"""The operator's commands on one shard of several (``--shard``: the shard the map names for a tenant, or *)."""

from __future__ import annotations

import json

import pytest

from tests.scaling.test_shards_cli import msgstore, sharded

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

__all__ = ["sharded"]  # the fixture, shared with the commands' tests across shards


def test_status_verify_and_analytics_of_one_shard(sharded: dict[str, str]) -> None:
    status = msgstore(sharded, "projections", "status", "--json", "--shard", "beta")
    assert status.exit_code == 0, status.output
    assert list(json.loads(status.stdout)) == ["*"]  # beta is in the '*' shard
    rebuilt = msgstore(sharded, "projections", "rebuild", "analytics", "--shard", "alpha")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "shard alpha" in rebuilt.output and "shard *" not in rebuilt.output
    answer = msgstore(sharded, "analytics", "--format", "json", "--shard", "alpha")
    assert {row["tenant"] for row in json.loads(answer.stdout)} == {"alpha"}
    exported = msgstore(sharded, "export", "--shard", "*")
    assert {json.loads(line)["tenant"] for line in exported.stdout.splitlines() if line.startswith("{")} == {"beta"}


def test_shard_without_shards_is_refused(sharded: dict[str, str]) -> None:
    single = {k: v for k, v in sharded.items() if k != "MSGSTORE_SHARDS"}
    answer = msgstore(single, "projections", "status", "--shard", "alpha")
    assert answer.exit_code == 2
    assert "--shard needs MSGSTORE_SHARDS" in answer.output
