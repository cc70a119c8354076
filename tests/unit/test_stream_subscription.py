"""A stream's subscription: the events the process's log reader hands over, and when the stream must read the log."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from api.wakeups import HELD, Subscription


def events(*versions: int) -> list[Any]:
    return [SimpleNamespace(originator_version=v) for v in versions]


def versions(taken: list[Any] | None) -> list[int] | None:
    return None if taken is None else [e.originator_version for e in taken]


@pytest.mark.anyio
async def test_the_events_after_the_streams_position_are_handed_over_once() -> None:
    woken = Subscription()
    woken.deliver(events(3, 4))
    woken.deliver(events(5))
    assert woken.is_set()
    assert versions(woken.take(2)) == [3, 4, 5]
    assert versions(woken.take(5)) == []


@pytest.mark.anyio
async def test_events_the_stream_already_read_from_the_log_are_dropped() -> None:
    woken = Subscription()
    woken.deliver(events(3, 4, 5))
    assert versions(woken.take(4)) == [5]


@pytest.mark.anyio
async def test_a_gap_before_the_first_event_sends_the_stream_to_the_log() -> None:
    woken = Subscription()
    woken.deliver(events(5, 6))
    assert woken.take(3) is None
    woken.deliver(events(7))
    assert versions(woken.take(6)) == [7]  # complete again once taken


@pytest.mark.anyio
async def test_too_many_held_or_a_failed_read_sends_the_stream_to_the_log() -> None:
    woken = Subscription()
    woken.deliver(events(*range(1, HELD + 2)))
    assert woken.take(0) is None
    woken.deliver(events(1))
    woken.lose()
    assert woken.is_set()
    assert woken.take(0) is None
