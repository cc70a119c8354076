"""Content sealed with data keys: the content fields of stored events, and the content columns of the read models."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import orjson

from domain.content import text_characters
from domain.errors import InvalidTransition
from projections.crypto.keyring import DataKey, InvalidTag, Keyring

SEALED_TYPE = "sealed"  # the transcoding's name: a sealed field is stored as {"_type_": "sealed", "_data_": text}
COLUMN_MARK = "~"  # a read model's JSON column holding ciphertext starts with it (JSON text never does)
THREAD_FIELDS = ("metadata", "tool_resources")
MESSAGE_FIELDS = ("content", "attachments", "metadata")
ITEM_PLAIN = frozenset({"type", "role", "status"})  # what an item's rules read: never sealed
KINDS: dict[type, str] = {list: "l", dict: "d", str: "s"}
ERASED_VALUES: dict[str, Callable[[], Any]] = {"l": list, "d": dict, "s": str, "n": lambda: None}


class ContentErased(InvalidTransition):
    """A change names content whose data key was erased: nothing more can be written under it (a 400)."""


class Sealed:
    """A value sealed with a data key, as its stored text ``kind:key_id:ciphertext``."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class ErasedContent(list[Any]):
    """Erased message content: empty, remembering only its size (the characters of its text, kept in clear)."""

    def __init__(self, text_characters: int) -> None:
        super().__init__()
        self.text_characters = text_characters


def seal(key: DataKey, value: Any, size: int | None = None) -> str:
    """``value`` as JSON, encrypted under ``key``; its kind (what it reads as once erased) and ``size`` stay clear."""
    kind = KINDS.get(type(value), "n") + ("" if size is None else str(size))
    return f"{kind}:{key.key_id}:{key.seal(orjson.dumps(value))}"


def unseal(text: str, find: Callable[[str], DataKey | None]) -> Any:
    """The value ``seal`` encrypted; once its key is erased, an empty value of its kind."""
    kind, _, rest = text.partition(":")
    key_id, _, body = rest.rpartition(":")
    key = find(key_id)
    if key is None:
        return ErasedContent(int(kind[1:])) if len(kind) > 1 else ERASED_VALUES[kind]()
    return orjson.loads(key.open(body))


def field_opener(find: Callable[[str], DataKey | None]) -> Callable[[dict[str, Any]], int]:
    """What opens a decoded event state's sealed fields in place (top level, and an item's): returns how many."""

    def open_fields(values: dict[str, Any]) -> int:
        opened = 0
        for name, value in values.items():
            if type(value) is not dict:
                continue
            if value.get("_type_") == SEALED_TYPE and len(value) == 2:
                values[name] = unseal(value["_data_"], find)
                opened += 1
            elif name == "item":
                for field, inner in value.items():
                    if type(inner) is dict and inner.get("_type_") == SEALED_TYPE and len(inner) == 2:
                        value[field] = unseal(inner["_data_"], find)
                        opened += 1
        return opened

    return open_fields


def sealed_key_id(text: str) -> str:
    """The id of the data key a sealed text (a field's or a column's) was sealed with."""
    return text.lstrip(COLUMN_MARK).split(":", 2)[1]


class EventSealer:
    """Seals the content fields of an event's state before it is stored (types, ids, actors and times stay clear).

    Thread fields are sealed with the thread's key; a message's or an item's with its own, so that one of
    them can be erased alone. The key of a new thread, message or item is made by its creating event.
    """

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def seal_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """A copy of an event's stored state with its content sealed (a snapshot's state is returned as is)."""
        if "actor" not in state or "thread_id" not in state:
            return state
        subject = state.get("message_id") or state.get("item_id")
        item = state.get("item")
        fields = MESSAGE_FIELDS if subject else THREAD_FIELDS
        creates = "seq" in state if subject else "tenant" in state and "originator_topic" in state
        if not creates and not any(state.get(f) for f in fields) and not item:
            return state  # nothing to seal, and no key to make (a creating event makes one even when empty)
        key = self._key(state, subject, creates)
        sealed = dict(state)
        for f in fields:
            if sealed.get(f):  # an empty value ([], {}, "") says nothing: left as it is
                size = text_characters(sealed[f]) if f == "content" else None  # what analytics count, erased or not
                sealed[f] = Sealed(seal(key, sealed[f], size))
        if isinstance(item, dict):
            sealed["item"] = {k: v if k in ITEM_PLAIN or not v else Sealed(seal(key, v)) for k, v in item.items()}
        return sealed

    def _key(self, state: dict[str, Any], subject: str | None, creates: bool) -> DataKey:
        key_id = subject or state["thread_id"]
        if creates:
            cached = self.keyring.cached(key_id)
            if cached is not None:  # the same event encoded again (a retried transaction)
                return cached
            tenant = state.get("tenant") or state["actor"]["tenant"]
            return self.keyring.create(key_id, state["thread_id"], tenant)
        key = self.keyring.find(key_id)
        if key is None:
            raise ContentErased(f"'{key_id}' was erased: its content can no longer change.")
        return key


def erased_value(value: Any) -> Any:
    """What a sealed value reads as once its key is erased (an empty value was never sealed: it stays)."""
    return value if not value else ERASED_VALUES[KINDS.get(type(value), "n")]()


def erased_item(item: dict[str, Any]) -> dict[str, Any]:
    """An item as it reads once its key is erased: its type, role and status, every other field emptied."""
    return {k: v if k in ITEM_PLAIN else erased_value(v) for k, v in item.items()}


def _kind_default(text: str) -> Any:
    return ERASED_VALUES[text[0]]()


class Openers:
    """The keyrings of the stores open in this process, which the read models' columns are opened with."""

    def __init__(self) -> None:
        self._rings: list[Keyring] = []
        self._active = False  # kept with the list: read for every sealed column of every event
        self._lock = threading.Lock()

    def add(self, keyring: Keyring) -> None:
        with self._lock:
            self._rings.append(keyring)
            self._active = any(ring.seals for ring in self._rings)

    def remove(self, keyring: Keyring) -> None:
        with self._lock:
            if keyring in self._rings:
                self._rings.remove(keyring)
            self._active = any(ring.seals for ring in self._rings)

    @property
    def active(self) -> bool:
        """Whether any store open in this process encrypts what it writes (a keyring's ``seals`` is fixed)."""
        return self._active

    def find(self, key_id: str, preferred: Keyring | None = None) -> DataKey | None:
        """The data key ``key_id`` of ``preferred``, else of whichever open store holds one."""
        for ring in [preferred] if preferred is not None else list(self._rings):
            key = ring.find(key_id)
            if key is not None:
                return key
        return None

    def thread_events(self, thread_id: str) -> list[Any]:
        """A thread's events, decoded by the first open store that knows them (its erased content empty)."""
        for ring in list(self._rings):
            if ring.thread_events is not None:
                found = ring.thread_events(thread_id)
                if found:
                    return found
        return []

    def forget(self, key_ids: list[str]) -> None:
        """Drop erased keys from every open store's memory."""
        for ring in list(self._rings):
            ring.forget(key_ids)

    def forget_thread(self, thread_id: str) -> None:
        """Drop an erased thread's keys from every open store's memory."""
        for ring in list(self._rings):
            ring.forget_thread(thread_id)

    def open(self, text: str) -> Any:
        """The value of a sealed text, under whichever open store's key opens it (stores may share ids)."""
        key_id = text.partition(":")[2].rpartition(":")[0]
        for ring in list(self._rings):
            key = ring.find(key_id)
            if key is None:
                continue
            try:
                return orjson.loads(key.open(text.rpartition(":")[2]))
            except InvalidTag:
                continue
        return _kind_default(text)


OPENERS = Openers()
