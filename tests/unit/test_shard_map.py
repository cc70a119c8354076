"""The shard map and replica settings as parsed, routing by tenant, a move, and when a replica may answer."""

from __future__ import annotations

import pytest

from api.settings import Settings
from projections.shard_map import ShardMap, UnplacedTenant
from projections.storage.replicas import Unreachable, replayed

A, B, C = "postgresql://db-a/s", "postgresql://db-b/s", "postgresql://db-c/s"


def settings(shards: str = "", read_urls: str = "") -> Settings:
    return Settings(shards=shards, read_urls=read_urls)


def test_the_map_places_named_tenants_and_every_other_in_star() -> None:
    found = settings(shards=f"acme={A}, globex={B},*={C}").shard_map()
    assert found is not None
    assert (found.url("acme"), found.url("globex"), found.url("initech")) == (A, B, C)
    assert [(s.name, s.url) for s in found.shards()] == [("acme", A), ("globex", B), ("*", C)]


def test_tenants_may_share_a_database_and_the_map_may_name_no_star() -> None:
    found = settings(shards=f"acme={A},globex={A},hooli={B}").shard_map()
    assert found is not None
    assert [(s.name, s.url) for s in found.shards()] == [("acme,globex", A), ("hooli", B)]
    with pytest.raises(UnplacedTenant, match="'initech' is in no shard"):
        found.url("initech")


def test_replicas_belong_to_the_shard_of_the_tenant_they_name() -> None:
    found = settings(shards=f"acme={A},*={C}", read_urls="acme=postgresql://r-a/s,*=postgresql://r-c/s").shard_map()
    assert found is not None
    assert [s.read_urls for s in found.shards()] == [("postgresql://r-a/s",), ("postgresql://r-c/s",)]


def test_one_database_keeps_its_settings_and_plain_replica_urls() -> None:
    one = settings(read_urls="postgresql://r1/s, postgresql://r2/s")
    assert one.shard_map() is None
    assert one.read_url_list() == ["postgresql://r1/s", "postgresql://r2/s"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"shards": A}, "names no tenant"),
        ({"shards": "acme"}, "neither a database URL nor TENANT=url"),
        ({"shards": f"acme={A}", "read_urls": "postgresql://r/s"}, "name the shard of"),
    ],
)
def test_malformed_entries_are_refused_naming_the_setting(values: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        settings(**values).shard_map()


def test_a_moved_tenant_goes_to_its_new_database_and_nobody_else_does() -> None:
    moved = ShardMap({"acme": A, "*": C}).moved("initech", A)
    assert (moved.url("initech"), moved.url("acme"), moved.url("hooli")) == (A, A, C)


def test_a_replica_answers_only_once_it_holds_the_primarys_head() -> None:
    assert replayed(10, 10) and replayed(10, 12)
    assert not replayed(10, 9) and not replayed(10, None)
    assert not replayed(None, 5)  # an empty log is read from the primary


def test_a_failing_replica_is_passed_over_then_tried_again() -> None:
    down = Unreachable(3, timeout=5.0)
    assert down.order(1) == [1, 2, 0]
    down.failed(2)
    assert down.order(1) == [1, 0]
    down.until[2] = 0.0  # its pause over
    assert down.order(2) == [2, 0, 1]
