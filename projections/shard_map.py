"""The shard map: which database holds each tenant's threads (each database a complete store of its own)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

EVERY_OTHER = "*"  # the shard of every tenant the map does not name


class UnplacedTenant(LookupError):
    """A tenant the shard map places nowhere (it names no ``*`` shard)."""


@dataclass(frozen=True)
class Shard:
    """One database of a sharded store: its URL, the replicas it may be read from, the tenants it is named for."""

    url: str
    read_urls: tuple[str, ...] = ()
    tenants: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        """How people name the shard: the tenants it is named for (``*``: every other)."""
        return ",".join(self.tenants)


@dataclass(frozen=True)
class ShardMap:
    """Which database holds each tenant: tenants named one by one, and ``*`` for every other."""

    placements: Mapping[str, str]  # tenant (or ``*``) -> database URL
    read_urls: Mapping[str, Sequence[str]] = field(default_factory=dict)  # database URL -> its replicas

    def url(self, tenant: str) -> str:
        """The database URL holding ``tenant``'s threads."""
        found = self.placements.get(tenant) or self.placements.get(EVERY_OTHER)
        if found is None:
            raise UnplacedTenant(f"Tenant {tenant!r} is in no shard: name it in the shard map, or add a '*' shard.")
        return found

    def shards(self) -> list[Shard]:
        """Every database of the map once, in the order the map first names it."""
        tenants: dict[str, list[str]] = {}
        for tenant, url in self.placements.items():
            tenants.setdefault(url, []).append(tenant)
        return [Shard(url, tuple(self.read_urls.get(url, ())), tuple(named)) for url, named in tenants.items()]

    def moved(self, tenant: str, url: str) -> ShardMap:
        """The same map with ``tenant`` placed in the database at ``url``."""
        return ShardMap({**self.placements, tenant: url}, self.read_urls)


class TenantMoved(Exception):
    """The tenant's threads moved to another shard: the request belongs there (nothing was done here)."""

    def __init__(self, tenant: str, url: str) -> None:
        super().__init__(f"Tenant {tenant!r} moved to another shard.")
        self.tenant = tenant
        self.url = url
