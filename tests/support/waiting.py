"""Waiting for a condition in tests that watch a worker or a server come back, timed."""

from __future__ import annotations

import time
from collections.abc import Callable


def seconds_until(
    condition: Callable[[], bool],
    what: str,
    timeout: float = 60,
    not_yet: tuple[type[BaseException], ...] = (Exception,),
) -> float:
    """Wait for ``condition`` (raising one of ``not_yet`` counts as not yet); return the seconds it took."""
    start = time.monotonic()
    while True:
        try:
            if condition():
                return time.monotonic() - start
        except not_yet:  # the database or server may still be coming back
            pass
        assert time.monotonic() - start < timeout, f"gave up waiting ({timeout:.0f} s): {what}"
        time.sleep(0.05)
