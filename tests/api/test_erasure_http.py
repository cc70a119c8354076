"""Erasure over HTTP: admin keys of the owning tenant only; the SDK still parses what erased content answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from openai import NotFoundError, OpenAI

from domain.erasure import ERASED_MARK
from projections.crypto.keyring import DATA_KEYS_TABLE
from projections.store import MessageStore
from tests.support.keys import TEST_MASTER_KEY
from tests.support.servers import Server, StartServer

KEYS = "sk-gamma:gamma,sk-gamma-admin:gamma:admin,sk-delta-admin:delta:admin"


@pytest.fixture(scope="module")
def erasing(start_server: StartServer, new_database: Callable[[], str]) -> Server:
    """A server of its own (tenants erased here touch no other test) with admin keys."""
    return start_server(new_database(), env={"MSGSTORE_API_KEYS": KEYS})


@pytest.fixture
def gamma(erasing: Server) -> Iterator[OpenAI]:
    with OpenAI(base_url=erasing.base_url, api_key="sk-gamma", max_retries=0) as c:
        yield c


def admin(server: Server, key: str = "sk-gamma-admin") -> httpx.Client:
    return httpx.Client(base_url=server.root, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def test_only_an_admin_key_of_the_owner_erases(erasing: Server, gamma: OpenAI) -> None:
    thread = gamma.beta.threads.create()
    message = gamma.beta.threads.messages.create(thread.id, role="user", content="secret")
    path = f"/v1/threads/{thread.id}/messages/{message.id}/erase"
    with httpx.Client(base_url=erasing.root, headers={"Authorization": "Bearer sk-gamma"}) as plain:
        refused = plain.post(path, json={"reason": "gdpr"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_permissions"
    with admin(erasing, "sk-delta-admin") as other:
        assert other.post(path, json={"reason": "gdpr"}).status_code == 404
    with admin(erasing) as mine:
        missing = mine.post(path, json={})
        assert missing.status_code == 400 and missing.json()["error"]["param"] == "reason"
        done = mine.post(path, json={"reason": "gdpr"})
    assert done.status_code == 200
    assert done.json() == {"id": message.id, "object": "thread.message.erased", "erased": True}
    erased = gamma.beta.threads.messages.retrieve(message.id, thread_id=thread.id)
    assert erased.content == [] and erased.metadata is not None and ERASED_MARK in erased.metadata
    assert gamma.beta.threads.messages.list(thread.id).data[0].content == []


def test_a_conversation_and_then_the_tenant_are_erased(erasing: Server, gamma: OpenAI) -> None:
    conversation = gamma.conversations.create(items=[{"type": "message", "role": "user", "content": "hi"}])
    kept = gamma.beta.threads.create()
    with admin(erasing) as mine:
        assert mine.post(f"/v1/conversations/{conversation.id}/erase", json={"reason": "r"}).status_code == 200
        with pytest.raises(NotFoundError):
            gamma.conversations.retrieve(conversation.id)
        answer = mine.post("/v1/tenant/erase", json={"reason": "contract ended"})
    assert answer.status_code == 200 and answer.json()["erased_threads"] >= 1
    with pytest.raises(NotFoundError):
        gamma.beta.threads.retrieve(kept.id)
    store = MessageStore.open(erasing.database_url, master_key=TEST_MASTER_KEY)
    try:
        with store.database.read() as curs:
            sql = f"SELECT COUNT(*) AS n FROM {DATA_KEYS_TABLE} WHERE tenant = %s"
            curs.execute(store.database.dialect.q(sql), ("gamma",))
            assert curs.fetchone()["n"] == 0
    finally:
        store.close()
