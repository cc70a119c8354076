"""Two server processes reading from a streaming replica: every SDK read sees the writes acknowledged before it."""

from __future__ import annotations

import re

import httpx
import pytest
from openai import OpenAI

from tests.support import waiting
from tests.support.private_postgres import PrivatePostgres
from tests.support.replica import StreamingReplica
from tests.support.servers import Server, StartServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_reads_through_either_process_see_every_acknowledged_write(
    private_postgres: PrivatePostgres, replica: StreamingReplica, start_server: StartServer
) -> None:
    url = private_postgres.create_database()
    server = start_server(url, env={"MSGSTORE_READ_URLS": replica.database(url)}, workers=2)
    with OpenAI(base_url=server.base_url, api_key="sk-test-alpha", max_retries=0) as client:
        thread = client.beta.threads.create()
        conversation_id = thread.id.replace("thread_", "conv_")
        for n in range(30):  # each request may land on either process; the replica may lag any of them
            created = client.beta.threads.messages.create(thread.id, role="user", content=f"m{n}")
            assert client.beta.threads.messages.retrieve(created.id, thread_id=thread.id).id == created.id
            listed = client.beta.threads.messages.list(thread.id, order="desc", limit=1)
            assert listed.data[0].id == created.id
            items = client.conversations.items.list(conversation_id, order="desc", limit=1)
            assert items.data[0].id == created.id
        replica.pause()
        try:
            created = client.beta.threads.messages.create(thread.id, role="user", content="while it waits")
            assert client.beta.threads.messages.list(thread.id, order="desc", limit=1).data[0].id == created.id
            assert client.beta.threads.retrieve(thread.id).id == thread.id
        finally:
            replica.resume()

    def replica_answers() -> bool:  # once it has replayed everything, a read is the replica's
        with OpenAI(base_url=server.base_url, api_key="sk-test-alpha", max_retries=0) as client:
            client.beta.threads.messages.list(thread.id, limit=1)
        served = re.search(r'msgstore_view_reads_total\{served_by="replica"\} (\d+)', metrics(server))
        return served is not None and int(served.group(1)) > 0

    waiting.seconds_until(replica_answers, "a read is answered by the caught-up replica")
    assert re.search(r'msgstore_view_reads_total\{served_by="primary"\} [1-9]', metrics(server))


def metrics(server: Server) -> str:
    return httpx.get(server.root + "/metrics", timeout=30).text
