"""Tenant shards: the open store of each database of the shard map, and the one a tenant's requests go to."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator

from projections.shard_map import EVERY_OTHER, Shard, ShardMap
from projections.store import MessageStore
from projections.tenant_fence import moved_away

OPEN: weakref.WeakSet[Shards] = weakref.WeakSet()  # this process's open shard sets (one per app)


def learn_move(tenant: str, url: str) -> bool:
    """Send ``tenant``'s requests to the shard at ``url`` from now on, in every open shard set of this process."""
    return any([shards.learn(tenant, url) for shards in list(OPEN)])


class Shards:
    """The open store of every shard, and the one a tenant's requests go to."""

    def __init__(self, shard_map: ShardMap, open_store: Callable[[Shard], MessageStore]) -> None:
        self.map = shard_map
        self._stores: dict[str, MessageStore] = {}
        OPEN.add(self)
        self.shards = shard_map.shards()
        try:
            for shard in self.shards:
                self._stores[shard.url] = open_store(shard)
            for shard in self.shards:  # tenants moved away from the shard the map names for them
                with self._stores[shard.url].database.read() as curs:
                    for tenant, url in moved_away(curs).items():
                        self.learn(tenant, url)
        except BaseException:
            self.close()
            raise

    def learn(self, tenant: str, url: str) -> bool:
        """Send ``tenant``'s requests to the shard at ``url`` from now on (it moved there); False: no such shard."""
        if url not in self._stores:
            return False
        self.map = self.map.moved(tenant, url)
        return True

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
