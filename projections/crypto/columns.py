"""The read models' content columns: JSON text, or its ciphertext under the content's data key when encrypting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import orjson

from projections.crypto.keyring import Keyring
from projections.crypto.sealing import COLUMN_MARK, OPENERS, seal, sealed_key_id
from projections.storage.sql import Cursor

# The store whose transaction is being written, where it is known (the writer's): its keys seal the rows.
# Elsewhere (the worker, a rebuild) the key is looked up in every store this process has open.
_WRITING: ContextVar[Keyring | None] = ContextVar("msgstore_writing_keyring", default=None)


@contextmanager
def writing_for(keyring: Keyring | None) -> Iterator[None]:
    """Seal the rows written in this block with ``keyring``'s keys."""
    token = _WRITING.set(keyring)
    try:
        yield
    finally:
        _WRITING.reset(token)


SEALED_FIELDS = ("content", "attachments", "metadata", "tool_resources", "item", "delta")  # of an event's data


@contextmanager
def sealing(curs: Cursor, keyring: Keyring | None) -> Iterator[None]:
    """A writer's transaction: the data keys its events were sealed under written first, its rows sealed with them."""
    if keyring is not None:
        keyring.write_pending(curs)
    with writing_for(keyring):
        yield


def sealed_answer(body: Any, thread_id: str) -> str | None:
    """An answer kept for retries, sealed under its message's or item's key (else its thread's); None: in clear."""
    found = body.get("id") if isinstance(body, dict) else None
    subject = found if isinstance(found, str) and found.split("_", 1)[0] not in ("thread", "conv") else thread_id
    return sealed(body, subject)


def sealed(value: Any, key_id: str) -> str | None:
    """``value`` sealed under the data key ``key_id`` (column text), or None if the store does not encrypt."""
    writing = _WRITING.get()
    if OPENERS.active and value and (writing is None or writing.seals):  # an empty value says nothing
        key = OPENERS.find(key_id, writing)
        if key is not None:
            return COLUMN_MARK + seal(key, value)
    return None


def sealed_json(value: Any, key_id: str) -> str:
    """``value`` as JSON text for a column; sealed under the data key ``key_id`` if the store encrypts."""
    found = sealed(value, key_id)
    return orjson.dumps(value).decode() if found is None else found


def sealed_fields(data: dict[str, Any], key_id: str) -> dict[str, Any]:
    """An event's data with its content fields sealed (each as its column text) if the store encrypts."""
    out = dict(data)
    for f in SEALED_FIELDS:
        if out.get(f) is not None:
            found = sealed(out[f], key_id)
            if found is not None:
                out[f] = found
    return out


def opened_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The data ``sealed_fields`` sealed, opened (erased fields read empty)."""
    return {k: loads(v) if k in SEALED_FIELDS and is_sealed(v) else v for k, v in data.items()}


def opened_piece(piece: str) -> str:
    """A chunk of text stored by ``sealed_piece``."""
    return str(loads(piece)) if is_sealed(piece) else piece


def sealed_piece(piece: str, key_id: str) -> str:
    """A chunk of a content's JSON text for a column, sealed if the store encrypts."""
    found = sealed(piece, key_id)
    return piece if found is None else found


def loads(text: str | bytes) -> Any:
    """The JSON value of a column written by ``sealed_json`` (or plain ``dumps``); erased content reads empty."""
    if isinstance(text, str) and text.startswith(COLUMN_MARK):
        return OPENERS.open(text[1:])
    return orjson.loads(text)


def readable(text: str | bytes) -> bool:
    """Whether a column value is plain JSON or ciphertext whose key still exists."""
    if not is_sealed(text):
        return True
    return OPENERS.find(sealed_key_id(str(text))) is not None


def is_sealed(text: str | bytes | None) -> bool:
    """Whether a column value is ciphertext."""
    return isinstance(text, str) and text.startswith(COLUMN_MARK)
