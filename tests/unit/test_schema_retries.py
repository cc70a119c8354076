"""Schema creation that PostgreSQL ends as a deadlock victim is run again; other failures are not."""

from __future__ import annotations

import pytest

from projections.storage.database import DEADLOCK, retry_deadlocks


class Failure(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_a_deadlocked_schema_transaction_is_run_again() -> None:
    calls: list[int] = []

    def create() -> None:
        calls.append(1)
        if len(calls) < 3:
            raise Failure(DEADLOCK)

    retry_deadlocks(create)
    assert len(calls) == 3


def test_other_failures_and_a_deadlock_that_persists_are_raised() -> None:
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise Failure("42P01")

    with pytest.raises(Failure):
        retry_deadlocks(broken)
    assert len(calls) == 1

    def stuck() -> None:
        raise Failure(DEADLOCK)

    with pytest.raises(Failure):
        retry_deadlocks(stuck, attempts=2)
