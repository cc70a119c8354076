"""Public identifiers (``thread_…``, ``msg_…``) and the aggregate ids derived from them."""

from __future__ import annotations

import hashlib
import secrets
from uuid import NAMESPACE_URL, UUID, uuid5

THREAD_PREFIX = "thread_"
MESSAGE_PREFIX = "msg_"
_RANDOM_BYTES = 18  # 24 URL-safe characters


def new_thread_id() -> str:
    """Return a fresh public thread id."""
    return THREAD_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def new_message_id() -> str:
    """Return a fresh public message id."""
    return MESSAGE_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def thread_uuid(thread_id: str) -> UUID:
    """Return the aggregate id of the thread with this public id."""
    return uuid5(NAMESPACE_URL, "msgstore:" + thread_id)


def key_identifier(api_key: str) -> str:
    """Return a stable, non-reversible identifier of an API key for audit records."""
    return "key_" + hashlib.sha256(api_key.encode()).hexdigest()[:16]
