"""The stores a server process opens: one database, or one store per shard of ``MSGSTORE_SHARDS``."""

from __future__ import annotations

from typing import Any

from api.auth import KeyRing
from api.encryption import encryption_options
from api.metrics import observe_batch
from api.settings import Settings
from projections.shard_map import Shard, ShardMap
from projections.shards import Shards
from projections.store import MessageStore


def store_options(settings: Settings) -> dict[str, Any]:
    """What every store of this process is opened with, whatever its database."""
    return {
        "max_batch": settings.max_batch,
        "pool_size": settings.db_pool_size,
        "db_timeout": settings.db_timeout,
        "pool_mode": settings.pool_mode,
        "on_batch": observe_batch,
        "outcome_timeout": settings.outcome_timeout,
        "retry_window": settings.retry_window,
        **encryption_options(settings),
    }


def check_placements(shard_map: ShardMap, keys: KeyRing) -> None:
    """Fail at start-up, naming it, if a configured key's tenant is in no shard (raises ``UnplacedTenant``)."""
    for _, principal in keys:
        shard_map.url(principal.tenant)


def open_shards(settings: Settings, shard_map: ShardMap) -> Shards:
    """Open the store of every shard (each creates its schema if it is new)."""
    options = store_options(settings)

    def open_store(shard: Shard) -> MessageStore:
        return MessageStore.open(shard.url, read_urls=shard.read_urls, sharded=True, **options)

    return Shards(shard_map, open_store)


def open_single(settings: Settings) -> MessageStore:
    """Open the one database's store (no shards)."""
    return MessageStore.open(
        settings.resolved_database_url(), read_urls=settings.read_url_list(), **store_options(settings)
    )


def combined_readiness(reports: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``/readyz`` of a sharded process: ready when every shard is; each projection as its furthest-behind shard has
    it, the names behind or stalled on any shard, and every shard's own report under ``shards``."""
    projections: dict[str, dict[str, Any]] = {}
    for report in reports.values():
        for name, found in report.get("projections", {}).items():
            if name not in projections or found["lag"] > projections[name]["lag"]:
                projections[name] = found
    return {
        "ready": all(r["ready"] for r in reports.values()),
        "database": "ok" if all(r["database"] == "ok" for r in reports.values()) else "unreachable",
        "behind": sorted({name for r in reports.values() for name in r.get("behind", [])}),
        "stalled": sorted({name for r in reports.values() for name in r.get("stalled", [])}),
        "worker": _worst_worker(reports),
        "projections": projections,
        "shards": reports,
    }


def _worst_worker(reports: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The worker of the first shard whose worker is not running (else the first shard's)."""
    workers = [r["worker"] for r in reports.values() if "worker" in r]
    if not workers:
        return {"state": "unknown"}
    return next((w for w in workers if w.get("state") != "running"), workers[0])
