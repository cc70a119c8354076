"""Tenant shards: the open store of each database of the shard map, and the one a tenant's requests go to."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from projections.shard_map import EVERY_OTHER, Shard, ShardMap
from projections.store import MessageStore


class Shards:
    """The open store of every shard, and the one a tenant's requests go to."""

    def __init__(self, shard_map: ShardMap, open_store: Callable[[Shard], MessageStore]) -> None:
        self.map = shard_map
        self._stores: dict[str, MessageStore] = {}
        self.shards = shard_map.shards()
        try:
            for shard in self.shards:
                self._stores[shard.url] = open_store(shard)
        except BaseException:
            self.close()
            raise

    def store(self, tenant: str) -> MessageStore:
        """The store holding ``tenant``'s threads."""
        return self._stores[self.map.url(tenant)]

    def default(self) -> MessageStore:
        """The store of every tenant the map does not name (the first shard if none is ``*``)."""
        url = self.map.placements.get(EVERY_OTHER, self.shards[0].url)
        return self._stores[url]

    def __iter__(self) -> Iterator[tuple[Shard, MessageStore]]:
        """Each shard with its store, in the map's order."""
        return iter([(shard, self._stores[shard.url]) for shard in self.shards])

    def __len__(self) -> int:
        return len(self.shards)

    def close(self) -> None:
        """Close every shard's store."""
        for store in self._stores.values():
            store.close()
        self._stores.clear()
