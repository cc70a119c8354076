"""History without a database: instants, event ids, event type names, and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.thread import Thread
from projections.history.projector import event_type
from projections.history.queries import InvalidPointInTime, instant_us
from projections.history.render import event_id, event_version, rfc3339

NOON = int(datetime(2024, 5, 1, 12, tzinfo=UTC).timestamp()) * 1_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1714564800", NOON),
        ("1714564800.25", NOON + 250_000),
        ("2024-05-01T12:00:00Z", NOON),
        ("2024-05-01T14:00:00+02:00", NOON),
        ("2024-05-01T14:00:00 02:00", NOON),  # "+" sent unencoded in a query string
        ("2024-05-01T12:00:00.000001Z", NOON + 1),
        (" 1714564800 ", NOON),
    ],
)
def test_instants_in_seconds_or_rfc3339(text: str, expected: int) -> None:
    assert instant_us(text) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "-5", "1e9", "2024-05-01T12:00:00", "2024-13-01T00:00:00Z"])
def test_unreadable_instants_name_the_parameter(text: str) -> None:
    with pytest.raises(InvalidPointInTime) as raised:
        instant_us(text)
    assert raised.value.param == "as_of" and "as_of" in str(raised.value)


def test_far_future_instants_are_clamped_to_a_column_value() -> None:
    assert instant_us("9" * 20) < 2**63


def test_event_ids_name_thread_and_version() -> None:
    thread_id = "thread_Ab_c-1"
    assert event_id(thread_id, 12) == "event_Ab_c-1_12"
    assert event_version(thread_id, "event_Ab_c-1_12") == 12
    for wrong in ("event_Ab_c-1_", "event_Ab_c-1_012", "event_Ab_c-1_1x", "event_Other_12", "event_Ab_c-1_²"):
        assert event_version(thread_id, wrong) is None


def test_event_types_are_named_after_the_event() -> None:
    assert event_type(Thread.MessageDeltaAppended.__new__(Thread.MessageDeltaAppended)) == "thread.message.delta"

    class MessageRated:
        pass

    class Archived:
        pass

    assert event_type(MessageRated()) == "thread.message.rated"
    assert event_type(Archived()) == "thread.archived"


def test_recorded_at_is_rfc3339_with_microseconds() -> None:
    assert rfc3339(NOON + 7) == "2024-05-01T12:00:00.000007Z"
