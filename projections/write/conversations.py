"""The commands of the Conversations API: a conversation and its items are a thread and its messages and items."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from domain.errors import IdTaken
from domain.ids import canonical_thread_id, conversation_id, new_conversation_id
from domain.states import Actor
from domain.thread import Thread
from projections.conversations.view import ItemsView
from projections.messages.view import MessagesView
from projections.storage.columns import seconds
from projections.storage.database import Database
from projections.storage.sql import Cursor
from projections.write.command import Idempotency, Outcome
from projections.write.commands import Commands, Render
from projections.write.writer import Writer

NewItem = tuple[str, dict[str, Any]]
"""An item to append: its id, and the item as the API answers it, without the id."""


class ConversationCommands(Commands):
    """Every change the Conversations API makes, on the same thread aggregates as the Threads API's."""

    def __init__(self, database: Database, writer: Writer, view: MessagesView, items: ItemsView) -> None:
        super().__init__(database, writer, view)
        self.items = items

    def create_conversation(
        self, actor: Actor, *, metadata: dict[str, str], items: list[NewItem], idempotency: Idempotency | None = None
    ) -> Future[Outcome]:
        """Create a conversation with its first items, in one transaction; answers with the conversation."""
        public_id = new_conversation_id()
        thread_id = canonical_thread_id(public_id)
        created: list[Any] = []

        def create() -> Thread:
            thread = Thread(
                thread_id=thread_id, tenant=actor["tenant"], metadata=metadata, tool_resources=None, actor=actor
            )
            create_items(thread, items, actor)
            created[:] = thread.pending_events[:1]
            return thread

        def render(_: Cursor) -> tuple[int, Any]:
            event = created[0]
            body = {"id": public_id, "object": "conversation", "created_at": seconds(event), "metadata": metadata}
            return 200, body

        return self._submit(thread_id, self._new(thread_id, create), render, idempotency, creates=True)

    def add_items(
        self, actor: Actor, thread_id: str, items: list[NewItem], *, idempotency: Idempotency | None = None
    ) -> Future[Outcome]:
        """Append up to 20 items in one transaction; answers with the list of the created items, in order."""

        def add(thread: Thread) -> None:
            create_items(thread, items, actor)

        def render(_: Cursor) -> tuple[int, Any]:
            data = [{"id": item_id, **item} for item_id, item in items]
            body = {"object": "list", "data": data, "first_id": data[0]["id"], "last_id": data[-1]["id"]}
            return 200, {**body, "has_more": False}

        return self._change(actor, thread_id, add, render, idempotency)

    def update_conversation(
        self, actor: Actor, thread_id: str, metadata: dict[str, str], *, idempotency: Idempotency | None = None
    ) -> Future[Outcome]:
        """Replace a conversation's metadata; answers with the conversation."""
        render = self._render_conversation(actor, thread_id)
        return self._change(actor, thread_id, lambda t: t.modify(metadata, None, actor), render, idempotency)

    def delete_item(
        self, actor: Actor, thread_id: str, item_id: str, *, idempotency: Idempotency | None = None
    ) -> Future[Outcome]:
        """Delete an item (a message of any role, or another item); answers with the conversation."""
        render = self._render_conversation(actor, thread_id)
        return self._change(actor, thread_id, lambda t: t.delete_item(item_id, actor), render, idempotency)

    def delete_conversation(
        self, actor: Actor, thread_id: str, *, idempotency: Idempotency | None = None
    ) -> Future[Outcome]:
        """Delete a conversation (its thread)."""
        body = {"id": conversation_id(thread_id), "object": "conversation.deleted", "deleted": True}
        return self._change(actor, thread_id, lambda t: t.delete(actor), lambda _: (200, body), idempotency)

    def _render_conversation(self, actor: Actor, thread_id: str) -> Render:
        def render(curs: Cursor) -> tuple[int, Any]:
            return 200, self.items.conversation(curs, actor["tenant"], thread_id)

        return render


def create_items(thread: Thread, items: list[NewItem], actor: Actor) -> None:
    """Append the items in order; an id the thread already holds is refused naming the request's field."""
    for index, (item_id, item) in enumerate(items):
        try:
            thread.create_item(item_id, item, actor)
        except IdTaken as taken:
            param = f"items[{index}].id"
            message = f"Invalid '{param}': '{item_id}' is already the id of an item or message of this conversation."
            raise IdTaken(message, item_id, param) from taken
