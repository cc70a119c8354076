"""Property: for every prefix of a random history, the point-in-time view equals a simple model's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import ThreadNotFound
from domain.ids import key_identifier
from projections.history.queries import PointInTime, instant_us
from projections.store import MessageStore, NewMessage

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-model")}

metadata = st.dictionaries(st.sampled_from("abc"), st.sampled_from(["1", "2", ""]), max_size=2)
words = st.text(alphabet="xyz ", min_size=1, max_size=6).filter(str.strip)
operation = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(["user", "assistant"]), words, metadata),
    st.tuples(st.just("modify"), st.integers(0, 5), st.none() | metadata),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(st.just("thread"), metadata),
)


@dataclass
class Model:
    """What a client should see: the thread's metadata and live messages after each version."""

    metadata: dict[str, str]
    live: dict[str, tuple[str, str, dict[str, str]]] = field(default_factory=dict)  # id -> role, text, metadata
    order: list[str] = field(default_factory=list)
    states: dict[int, tuple[dict[str, str], list[tuple[str, str, str, dict[str, str]]]]] = field(default_factory=dict)
    versions: dict[str, list[tuple[int, bool, dict[str, str]]]] = field(default_factory=dict)

    def record(self, version: int) -> None:
        listed = [(m, *self.live[m]) for m in self.order if m in self.live]
        self.states[version] = (dict(self.metadata), listed)

    def version_of(self, message_id: str, version: int, *, deleted: bool = False) -> None:
        self.versions.setdefault(message_id, []).append((version, deleted, dict(self.live[message_id][2])))


def message(role: str, value: str, meta: dict[str, str]) -> NewMessage:
    return NewMessage(role=role, content=[{"type": "text", "text": {"value": value, "annotations": []}}], metadata=meta)


def text_of(m: dict[str, Any]) -> str:
    return str(m["content"][0]["text"]["value"])


def play(
    store: MessageStore, first: list[tuple[str, str, dict[str, str]]], ops: list[tuple[Any, ...]]
) -> tuple[str, Model]:
    """Apply the operations to the store and to the model; return the thread id and the model."""
    body = (
        store.create_thread(ALPHA, metadata={"a": "0"}, tool_resources=None, messages=[message(*m) for m in first])
        .result(timeout=30)
        .body
    )
    thread_id = body["id"]
    model = Model(metadata={"a": "0"})
    model.record(1)
    listed = store.messages("alpha", thread_id, limit=100, order="asc").data
    version = 1
    for m, (role, value, meta) in zip(listed, first, strict=True):
        version += 1
        model.order.append(m["id"])
        model.live[m["id"]] = (role, value, meta)
        model.version_of(m["id"], version)
        model.record(version)
    for op in ops:
        live = [m for m in model.order if m in model.live]
        if op[0] == "create":
            created = store.create_message(ALPHA, thread_id, message(op[1], op[2], op[3])).result(timeout=30).body
            version += 1
            model.order.append(created["id"])
            model.live[created["id"]] = (op[1], op[2], op[3])
            model.version_of(created["id"], version)
        elif op[0] == "modify" and live:
            target = live[op[1] % len(live)]
            store.modify_message(ALPHA, thread_id, target, metadata=op[2]).result(timeout=30)
            version += 1
            if op[2] is not None:
                role, value, _ = model.live[target]
                model.live[target] = (role, value, op[2])
            model.version_of(target, version)
        elif op[0] == "delete" and live:
            target = live[op[1] % len(live)]
            store.delete_message(ALPHA, thread_id, target).result(timeout=30)
            version += 1
            model.version_of(target, version, deleted=True)
            del model.live[target]
        elif op[0] == "thread":
            store.modify_thread(ALPHA, thread_id, metadata=op[1], tool_resources=None).result(timeout=30)
            version += 1
            model.metadata = op[1]
        else:
            continue
        model.record(version)
    return thread_id, model


def seen(
    store: MessageStore, thread_id: str, at: PointInTime, order: str
) -> list[tuple[str, str, str, dict[str, str]]]:
    """Every message at a point in time, paged 3 at a time as a client would."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = store.history.messages_at("alpha", thread_id, at, limit=3, order=order, after=after)
        found.extend(page.data)
        if not page.has_more:
            break
        after = page.data[-1]["id"]
    return [(m["id"], m["role"], text_of(m), m["metadata"]) for m in found]


@pytest.mark.parametrize("end_deleted", [False, True])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.lists(st.tuples(st.sampled_from(["user", "assistant"]), words, metadata), max_size=2),
    ops=st.lists(operation, max_size=10),
)
def test_every_prefix_matches_the_model(
    store: MessageStore, first: list[tuple[str, str, dict[str, str]]], ops: list[tuple[Any, ...]], end_deleted: bool
) -> None:
    thread_id, model = play(store, first, ops)
    last = max(model.states)
    if end_deleted:
        store.delete_thread(ALPHA, thread_id).result(timeout=30)
    events = store.history.events("alpha", thread_id, limit=100, order="asc").data
    assert [e["version"] for e in events] == list(range(1, last + 1 + end_deleted))
    recorded = {e["version"]: e["recorded_at"] for e in events}
    for version, (meta, messages) in model.states.items():
        at = PointInTime(version=version)
        assert store.history.thread_at("alpha", thread_id, at)["metadata"] == meta
        assert seen(store, thread_id, at, "asc") == messages
        assert seen(store, thread_id, at, "desc") == messages[::-1]
        # The same moment named by time: the latest version recorded by then.
        stamp = recorded[version]
        by_time = max(v for v, r in recorded.items() if r <= stamp and v in model.states)
        at_time = PointInTime(at_us=instant_us(stamp))
        assert seen(store, thread_id, at_time, "asc") == model.states[by_time][1]
    for message_id, expected in model.versions.items():
        versions = store.history.versions("alpha", thread_id, message_id, limit=100, order="asc").data
        assert [(v["version"], v["deleted"], v["message"]["metadata"]) for v in versions] == expected
    if end_deleted:
        with pytest.raises(ThreadNotFound):
            store.history.thread_at("alpha", thread_id, PointInTime(version=last + 1))
    else:
        live = store.messages("alpha", thread_id, limit=100, order="asc").data
        assert [(m["id"], m["role"], text_of(m), m["metadata"]) for m in live] == model.states[last][1]
