"""A reply's rows kept by the writer between transactions: never stale, whichever process writes next."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.ids import key_identifier
from projections.store import MessageStore, NewMessage
from tests.support.keys import TEST_MASTER_KEY

RUNTIME = {"tenant": "alpha", "key_id": key_identifier("sk-runtime")}
REPLY = NewMessage(role="assistant", content=[], assistant_id="asst_1", status="in_progress")


def text(index: int, value: str) -> dict[str, Any]:
    return {"index": index, "type": "text", "text": {"value": value}}


def test_deltas_from_two_writers_to_one_reply_keep_every_part(new_database: Callable[[], str]) -> None:
    url = new_database()
    one, two = (
        MessageStore.open(url, master_key=TEST_MASTER_KEY),
        MessageStore.open(url, master_key=TEST_MASTER_KEY),
    )  # two writers, as two processes have
    try:
        thread_id = one.create_thread(RUNTIME, metadata={}, tool_resources=None, messages=[]).result(30).body["id"]
        reply = one.create_message(RUNTIME, thread_id, REPLY).result(30).body["id"]
        other = one.create_message(RUNTIME, thread_id, REPLY).result(30).body["id"]
        words = [f"w{i} " for i in range(12)]
        for i, word in enumerate(words):
            writer = two if i % 3 == 2 else one  # one keeps its row; two's deltas make one's kept row stale
            answer = writer.append_to_message(RUNTIME, thread_id, reply, [text(0, word)]).result(30).body
            assert answer["content"][0]["text"]["value"] == "".join(words[: i + 1])
            if i == 5:  # another reply of the thread moves its version on too
                one.append_to_message(RUNTIME, thread_id, other, [text(0, "x")]).result(30)
        for store in (one, two):
            message = store.message(RUNTIME["tenant"], thread_id, reply)
            assert message["content"][0]["text"]["value"] == "".join(words)
            item = store.item(RUNTIME["tenant"], thread_id, reply)
            assert item["content"][0]["text"] == "".join(words)
        one.complete_message(RUNTIME, thread_id, reply).result(30)
        assert two.message(RUNTIME["tenant"], thread_id, reply)["status"] == "completed"
    finally:
        one.close()
        two.close()
