"""Errors raised by the domain when a command breaks a rule."""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused by the thread aggregate."""


class ThreadNotFound(DomainError):
    """The thread does not exist, was deleted, or belongs to another tenant."""

    def __init__(self, thread_id: str) -> None:
        super().__init__(f"No thread found with id '{thread_id}'.")
        self.thread_id = thread_id


class MessageNotFound(DomainError):
    """The message does not exist in this thread, or was deleted."""

    def __init__(self, message_id: str) -> None:
        super().__init__(f"No message found with id '{message_id}'.")
        self.message_id = message_id


class ItemNotFound(DomainError):
    """The item does not exist in this conversation, or was deleted."""

    def __init__(self, item_id: str) -> None:
        super().__init__(f"No item found with id '{item_id}'.")
        self.item_id = item_id


class InvalidTransition(DomainError):
    """The message is in a state that does not allow the command."""


class IdTaken(InvalidTransition):
    """A new message or item would take an id the thread already holds (``param``: the request's field, if known)."""

    def __init__(self, message: str, taken: str, param: str | None = None) -> None:
        super().__init__(message)
        self.taken = taken
        self.param = param
