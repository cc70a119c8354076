"""Public identifiers (``thread_…``, ``msg_…``) and the aggregate ids derived from them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from uuid import NAMESPACE_URL, UUID, uuid5

THREAD_PREFIX = "thread_"
MESSAGE_PREFIX = "msg_"
_RANDOM_BYTES = 18  # 24 URL-safe characters
_KEY_ID_HEX = 16  # 64 bits: unique among any realistic number of keys, short in a log line


def new_thread_id() -> str:
    """Return a fresh public thread id."""
    return THREAD_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def new_message_id() -> str:
    """Return a fresh public message id."""
    return MESSAGE_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def thread_uuid(thread_id: str) -> UUID:
    """Return the aggregate id of the thread with this public id."""
    return uuid5(NAMESPACE_URL, "msgstore:" + thread_id)


def key_identifier(api_key: str, secret: bytes | None = None) -> str:
    """Return a stable identifier of an API key for audit records: HMAC-SHA256 of the key under ``secret``.

    Without the secret nobody holding the audit trail can test guesses of a key against its id. With
    ``secret=None`` it is the unkeyed SHA-256 earlier versions recorded (old events keep those ids).
    """
    if secret is None:
        return "key_" + hashlib.sha256(api_key.encode()).hexdigest()[:_KEY_ID_HEX]
    return "key_" + hmac.new(secret, api_key.encode(), hashlib.sha256).hexdigest()[:_KEY_ID_HEX]
