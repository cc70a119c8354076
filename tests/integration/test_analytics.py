"""The analytics projection against a hand-counted history spanning two UTC days and two tenants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from domain.thread import Thread
from projections.analytics.projector import AnalyticsProjector, AnalyticsTables
from projections.analytics.view import AnalyticsView, daily_for_all
from projections.store import MessageStore

ALPHA = {"tenant": "alpha", "key_id": "key_a"}
BETA = {"tenant": "beta", "key_id": "key_b"}


def at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=UTC)


class History:
    """Builds thread events with chosen times, as the aggregate would record them."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.versions: dict[str, int] = {}
        self.ids: dict[str, Any] = {}

    def add(self, cls: type[Any], when: datetime, thread_id: str, actor: dict[str, str], **fields: Any) -> None:
        self.ids.setdefault(thread_id, uuid4())
        version = self.versions[thread_id] = self.versions.get(thread_id, 0) + 1
        extra = {"originator_topic": "domain.thread:Thread"} if cls is Thread.Created else {}
        self.events.append(
            cls(
                originator_id=self.ids[thread_id],
                originator_version=version,
                timestamp=when,
                thread_id=thread_id,
                actor=actor,
                **extra,
                **fields,
            )
        )

    def thread(self, when: datetime, thread_id: str, actor: dict[str, str]) -> None:
        self.add(Thread.Created, when, thread_id, actor, tenant=actor["tenant"], metadata={}, tool_resources=None)

    def message(
        self, when: datetime, thread_id: str, actor: dict[str, str], message_id: str, role: str, text: str
    ) -> None:
        content = [{"type": "text", "text": {"value": text, "annotations": []}}] if text else []
        self.add(
            Thread.MessageCreated,
            when,
            thread_id,
            actor,
            message_id=message_id,
            seq=self.versions.get(thread_id, 0),
            role=role,
            content=content,
            attachments=[],
            metadata={},
            assistant_id=None,
            run_id=None,
            status="completed" if text else "in_progress",
        )


def hand_counted_history() -> History:
    h = History()
    h.thread(at(1, 23, 0), "thread_1", ALPHA)
    h.message(at(1, 23, 10), "thread_1", ALPHA, "msg_1", "user", "hello")  # 5 characters
    h.message(at(1, 23, 20), "thread_1", ALPHA, "msg_2", "assistant", "hi there")  # 8
    h.thread(at(1, 23, 30), "thread_3", BETA)
    h.message(at(1, 23, 31), "thread_3", BETA, "msg_b", "user", "x")  # 1
    h.message(at(2, 0, 5), "thread_1", ALPHA, "msg_3", "user", "again")  # 5, on the next UTC day
    h.add(Thread.MessageModified, at(2, 0, 10), "thread_1", ALPHA, message_id="msg_1", metadata={"k": "v"})
    h.add(Thread.MessageDeleted, at(2, 0, 15), "thread_1", ALPHA, message_id="msg_2")
    h.thread(at(2, 1, 0), "thread_2", ALPHA)
    h.add(Thread.Deleted, at(2, 1, 5), "thread_2", ALPHA)
    h.message(at(2, 2, 0), "thread_1", ALPHA, "msg_4", "assistant", "")  # streamed: starts empty
    delta = [{"index": 0, "type": "text", "text": {"value": "abc"}}]  # 3
    h.add(Thread.MessageDeltaAppended, at(2, 2, 1), "thread_1", ALPHA, message_id="msg_4", content=delta)
    h.add(Thread.MessageCompleted, at(2, 2, 2), "thread_1", ALPHA, message_id="msg_4")
    return h


def day(date: str, *counts: int) -> dict[str, Any]:
    """A row of the daily numbers: the day, then one count for each of COUNTS, in that order."""
    return {"day": date} | dict(zip(COUNTS, counts, strict=True))


# A table, its columns aligned by hand.
# fmt: off
COUNTS = ("messages_created", "user_messages_created", "assistant_messages_created", "messages_modified",
          "messages_deleted", "threads_created", "threads_deleted", "text_characters", "active_threads")

# The hand count; the columns are COUNTS.
#                     ----------------- messages ----------------  --- threads ----     text     active
#                     created  user  assistant  modified  deleted  created  deleted  characters  threads
ALPHA_DAYS = [
    day("2024-05-01",       2,    1,         1,        0,       0,       1,       0,         13,       1),
    day("2024-05-02",       2,    1,         1,        1,       1,       1,       1,          8,       2),
]
BETA_DAYS = [
    day("2024-05-01",       1,    1,         0,        0,       0,       1,       0,          1,       1),
]
# fmt: on


@pytest.mark.parametrize("split", [0, 7, 12], ids=["one-batch", "split-mid-day", "split-mid-stream"])
def test_daily_and_thread_numbers_match_the_hand_count(fresh: MessageStore, split: int) -> None:
    tables = AnalyticsTables(fresh.database.dialect)
    projector = AnalyticsProjector(tables, name="analytics_test")
    events = hand_counted_history().events
    batches = [events[:split], events[split:]] if split else [events]
    for number, batch in enumerate(batches, start=1):
        with fresh.database.transaction() as curs:
            projector.apply(curs, batch, number, 0)
    view = AnalyticsView(tables)
    with fresh.database.read() as curs:
        assert view.daily(curs, "alpha") == ALPHA_DAYS
        assert view.daily(curs, "beta") == BETA_DAYS
        assert view.daily(curs, "alpha", "2024-05-02", "2024-05-02") == ALPHA_DAYS[1:]
        assert view.daily(curs, "alpha", None, "2024-05-01") == ALPHA_DAYS[:1]
        assert [r["tenant"] for r in daily_for_all(fresh.database.dialect, curs)] == ["alpha", "alpha", "beta"]
        curs.execute(f"SELECT * FROM {tables.threads} ORDER BY thread_id")
        threads = {row["thread_id"]: dict(row) for row in curs.fetchall()}

    def stamp(day: int, hour: int, minute: int) -> int:
        return int(at(day, hour, minute).timestamp())

    assert threads["thread_1"] == {
        "thread_id": "thread_1",
        "tenant": "alpha",
        "created_at": stamp(1, 23, 0),
        "deleted_at": None,
        "messages_created": 4,
        "messages_deleted": 1,
        "first_activity": stamp(1, 23, 0),
        "last_activity": stamp(2, 2, 2),
    }
    assert threads["thread_2"]["deleted_at"] == stamp(2, 1, 5)
    assert threads["thread_2"]["messages_created"] == 0
    assert (threads["thread_3"]["tenant"], threads["thread_3"]["messages_created"]) == ("beta", 1)
