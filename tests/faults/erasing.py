"""A process that erases one thread and can be killed with -9 while it does: ``python -m tests.faults.erasing``."""

from __future__ import annotations

import sys
import time

from projections.crypto.master import MasterKey
from projections.store import MessageStore
from projections.write.erasures import operator_of


def main(url: str, key: str, thread_id: str, tenant: str) -> None:
    """Open the store, say so, erase the thread, say how long it took."""
    store = MessageStore.open(url, master_key=MasterKey.parse(key))
    print("erasing", flush=True)
    started = time.monotonic()
    store.erase_thread(operator_of(tenant), thread_id, "killed or not").result(120)
    print(f"erased {time.monotonic() - started:.4f}", flush=True)
    store.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])
