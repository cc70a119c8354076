"""Public identifiers (``thread_…``/``conv_…``, ``msg_…``, items' ids) and the aggregate ids derived from them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from uuid import NAMESPACE_URL, UUID, uuid5

THREAD_PREFIX = "thread_"
CONVERSATION_PREFIX = "conv_"  # the same aggregate as ``thread_`` + the same suffix
MESSAGE_PREFIX = "msg_"
ITEM_PREFIXES = {
    "message": "msg_",
    "function_call": "fc_",
    "function_call_output": "fco_",
    "reasoning": "rs_",
    "file_search_call": "fs_",
    "web_search_call": "ws_",
    "computer_call": "cu_",
    "computer_call_output": "cuo_",
    "image_generation_call": "ig_",
    "code_interpreter_call": "ci_",
    "local_shell_call": "lsh_",
    "local_shell_call_output": "lsho_",
    "shell_call": "sh_",
    "shell_call_output": "sho_",
    "apply_patch_call": "apc_",
    "apply_patch_call_output": "apco_",
    "mcp_list_tools": "mcpl_",
    "mcp_approval_request": "mcpr_",
    "mcp_approval_response": "mcpa_",
    "mcp_call": "mcp_",
    "custom_tool_call": "ctc_",
    "custom_tool_call_output": "ctco_",
}
"""The id prefix of each item type (OpenAI's where it uses one); any other type's items get ``item_``."""
_RANDOM_BYTES = 18  # 24 URL-safe characters
_KEY_ID_HEX = 16  # 64 bits: unique among any realistic number of keys, short in a log line


def new_thread_id() -> str:
    """Return a fresh public thread id."""
    return THREAD_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def new_message_id() -> str:
    """Return a fresh public message id."""
    return MESSAGE_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def new_conversation_id() -> str:
    """Return a fresh public conversation id (its thread is ``thread_`` + the same suffix)."""
    return CONVERSATION_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def new_item_id(item_type: str) -> str:
    """Return a fresh id for an item of this type."""
    return ITEM_PREFIXES.get(item_type, "item_") + secrets.token_urlsafe(_RANDOM_BYTES)


def canonical_thread_id(public_id: str) -> str:
    """The thread id events and views use for a thread or conversation id (``conv_X`` is ``thread_X``)."""
    if public_id.startswith(CONVERSATION_PREFIX):
        return THREAD_PREFIX + public_id[len(CONVERSATION_PREFIX) :]
    return public_id


def conversation_id(thread_id: str) -> str:
    """The Conversations API's id of a thread (``thread_X`` is ``conv_X``)."""
    if thread_id.startswith(THREAD_PREFIX):
        return CONVERSATION_PREFIX + thread_id[len(THREAD_PREFIX) :]
    return thread_id


def thread_uuid(thread_id: str) -> UUID:
    """Return the aggregate id of the thread with this public id (a conversation id names the same one)."""
    return uuid5(NAMESPACE_URL, "msgstore:" + canonical_thread_id(thread_id))


def key_identifier(api_key: str, secret: bytes | None = None) -> str:
    """Return a stable identifier of an API key for audit records: HMAC-SHA256 of the key under ``secret``.

    Without the secret nobody holding the audit trail can test guesses of a key against its id. With
    ``secret=None`` it is the unkeyed SHA-256 earlier versions recorded (old events keep those ids).
    """
    if secret is None:
        return "key_" + hashlib.sha256(api_key.encode()).hexdigest()[:_KEY_ID_HEX]
    return "key_" + hmac.new(secret, api_key.encode(), hashlib.sha256).hexdigest()[:_KEY_ID_HEX]
