"""A store opened in the test's own process, closed when the block ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from projections.store import MessageStore
from tests.support.keys import TEST_MASTER_KEY


@contextmanager
def opened(database_url: str) -> Iterator[MessageStore]:
    """The store at ``database_url``, to read or check it directly; closed when the block ends."""
    store = MessageStore.open(database_url, master_key=TEST_MASTER_KEY)
    try:
        yield store
    finally:
        store.close()
