"""Snapshots of a thread grow with it, so long threads are snapshotted less often."""

from __future__ import annotations

from types import SimpleNamespace

from projections.write.aggregates import SNAPSHOT_INTERVAL, SNAPSHOT_SHARE, snapshot_interval


def thread_of(messages: int) -> SimpleNamespace:
    return SimpleNamespace(messages=dict.fromkeys(range(messages), "completed"))


def test_short_threads_are_snapshotted_at_the_fixed_interval() -> None:
    assert snapshot_interval(thread_of(0)) == SNAPSHOT_INTERVAL
    assert snapshot_interval(thread_of(SNAPSHOT_INTERVAL * SNAPSHOT_SHARE)) == SNAPSHOT_INTERVAL


def test_long_threads_are_snapshotted_in_proportion_to_their_length() -> None:
    assert snapshot_interval(thread_of(100_000)) == 100_000 // SNAPSHOT_SHARE
    assert snapshot_interval(thread_of(200_000)) == 2 * snapshot_interval(thread_of(100_000))
