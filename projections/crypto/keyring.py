"""Data keys: one per thread and one per message or item, wrapped by the master key, in their own table."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from projections.crypto.master import KEY_BYTES, NONCE_BYTES, BadMasterKey, MasterKey
from projections.storage.sql import Cursor, Dialect

if TYPE_CHECKING:
    from projections.storage.database import Database

DATA_KEYS_TABLE = "data_keys"
CACHE_SIZE = 100_000  # unwrapped keys kept in memory (about 200 bytes each)


class DataKey:
    """An unwrapped data key: seals and opens values bound to its id.

    The nonce is synthetic (a keyed hash of the plaintext, as in AES-SIV): the same value sealed twice
    under one key gives the same text, so a rebuilt read model equals the live one byte for byte and a
    nonce is never reused for two different values; what it reveals is that two values under one key
    are equal.
    """

    __slots__ = ("_aead", "_nonces", "key_id", "thread_id")

    def __init__(self, key_id: str, secret: bytes, thread_id: str = "") -> None:
        self.key_id = key_id
        self.thread_id = thread_id
        self._aead = AESGCM(secret)
        self._nonces = hashlib.sha256(b"msgstore synthetic nonce:" + secret).digest()

    def seal(self, plaintext: bytes) -> str:
        """The ciphertext of ``plaintext`` (its nonce first), as base64."""
        nonce = hmac.digest(self._nonces, plaintext, "sha256")[:NONCE_BYTES]
        sealed = nonce + self._aead.encrypt(nonce, plaintext, self.key_id.encode())
        return binascii.b2a_base64(sealed, newline=False).decode()

    def open(self, sealed: str) -> bytes:
        """The plaintext ``seal`` encrypted; raises ``InvalidTag`` for anything else."""
        raw = binascii.a2b_base64(sealed)
        return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], self.key_id.encode())


@dataclass(frozen=True)
class KeyRow:
    """A data key as stored: wrapped by the master key ``master_id``."""

    key_id: str
    thread_id: str
    tenant: str
    master_id: str
    wrapped: str
    created_at: int


def keys_ddl(dialect: Dialect) -> list[str]:
    """The data keys' table and the indexes erasure deletes by."""
    return [
        f"CREATE TABLE IF NOT EXISTS {DATA_KEYS_TABLE} ("
        " key_id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, tenant TEXT NOT NULL,"
        f" master_id TEXT NOT NULL, wrapped TEXT NOT NULL, created_at {dialect.bigint} NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {DATA_KEYS_TABLE}_thread ON {DATA_KEYS_TABLE} (thread_id)",
        f"CREATE INDEX IF NOT EXISTS {DATA_KEYS_TABLE}_tenant ON {DATA_KEYS_TABLE} (tenant)",
    ]


class Keyring:
    """The data keys of one store: made by the writer, written in its transactions, found by id, erased.

    A key made for a new thread, message or item is *pending* until the writer's transaction that
    records its first event commits; every transaction writes the pending keys (a failed one leaves
    them pending for the next), so no event is ever recorded under a key the table lacks.
    """

    def __init__(
        self, database: Database, master: MasterKey, previous: Sequence[MasterKey] = (), *, seals: bool = True
    ) -> None:
        self.database = database
        self.seals = seals  # False: content written before is read (and erased), new content is written in clear
        self.thread_events: Callable[[str], list[Any]] | None = None  # set by the application it serves
        self.master = master
        self._masters = {m.key_id: m for m in (*previous, master)}
        self._cache: OrderedDict[str, DataKey] = OrderedDict()
        self._pending: dict[str, KeyRow] = {}
        self._lock = threading.Lock()
        q = database.dialect.q
        self._insert = q(
            f"INSERT INTO {DATA_KEYS_TABLE} (key_id, thread_id, tenant, master_id, wrapped, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (key_id) DO NOTHING"
        )
        self._select = q(f"SELECT thread_id, master_id, wrapped FROM {DATA_KEYS_TABLE} WHERE key_id = %s")

    def check_master(self) -> None:
        """Refuse a master key the table's data keys were not wrapped by (another process's generated one, say)."""
        with self.database.read() as curs:
            curs.execute(f"SELECT master_id FROM {DATA_KEYS_TABLE} LIMIT 1")
            row = curs.fetchone()
        if row is not None and row["master_id"] not in self._masters:
            raise BadMasterKey(
                f"This database's content is encrypted under master key {row['master_id']}, and this process has"
                f" {self.master.key_id}: give every process the same MSGSTORE_MASTER_KEY (or the same data"
                " directory, where a generated one is kept)."
            )

    def create(self, key_id: str, thread_id: str, tenant: str) -> DataKey:
        """A new random data key for ``key_id``, pending until a transaction writes it (``write_pending``)."""
        secret = os.urandom(KEY_BYTES)
        wrapped = base64.b64encode(self.master.wrap(key_id, secret)).decode()
        key = DataKey(key_id, secret, thread_id)
        with self._lock:
            self._pending[key_id] = KeyRow(key_id, thread_id, tenant, self.master.key_id, wrapped, int(time.time()))
            self._remember(key)
        return key

    def cached(self, key_id: str) -> DataKey | None:
        """The data key ``key_id`` if this process holds it (made here or found before), without asking the table."""
        with self._lock:
            return self._cache.get(key_id)

    def find(self, key_id: str) -> DataKey | None:
        """The data key ``key_id``, or None once it is erased (or never was)."""
        key = self._cache.get(key_id)  # no lock, no reordering: the cache forgets its oldest entries first
        if key is not None:
            return key
        with self.database.read() as curs:
            curs.execute(self._select, (key_id,))
            row = curs.fetchone()
        if row is None:
            return None
        key = DataKey(key_id, self._unwrap(key_id, row["master_id"], row["wrapped"]), str(row["thread_id"]))
        with self._lock:
            self._remember(key)
        return key

    def write_pending(self, curs: Cursor) -> None:
        """Write the pending keys in the caller's transaction (those written already are left alone)."""
        with self._lock:
            rows = list(self._pending.values())
        if rows:
            params = [(r.key_id, r.thread_id, r.tenant, r.master_id, r.wrapped, r.created_at) for r in rows]
            curs.executemany(self._insert, params)

    def saved(self) -> None:
        """The writer's transaction committed: its pending keys are in the table."""
        with self._lock:
            self._pending.clear()

    def erase(
        self,
        curs: Cursor,
        *,
        key_ids: Iterable[str] = (),
        thread_ids: Iterable[str] = (),
        tenants: Iterable[str] = (),
    ) -> list[str]:
        """Delete keys by id and every key of the given threads or tenants (caller's transaction); return their ids."""
        q = self.database.dialect.q
        erased: list[str] = []
        for column, values in (("key_id", list(key_ids)), ("thread_id", list(thread_ids)), ("tenant", list(tenants))):
            for value in values:
                curs.execute(q(f"DELETE FROM {DATA_KEYS_TABLE} WHERE {column} = %s RETURNING key_id"), (value,))
                erased.extend(row["key_id"] for row in curs.fetchall())
        self.forget(erased)
        return erased

    def forget(self, key_ids: Iterable[str]) -> None:
        """Drop keys from memory (erased here or by another process)."""
        with self._lock:
            for key_id in key_ids:
                self._cache.pop(key_id, None)
                self._pending.pop(key_id, None)

    def forget_thread(self, thread_id: str) -> None:
        """Drop every key of a thread from memory."""
        with self._lock:
            for key_id in [k for k, key in self._cache.items() if key.thread_id == thread_id]:
                del self._cache[key_id]

    def rotate(self, batch: int = 1000) -> int:
        """Re-wrap every key not wrapped by the current master key; return how many (events are not rewritten)."""
        q = self.database.dialect.q
        done = 0
        while True:
            with self.database.transaction() as curs:
                curs.execute(
                    q(f"SELECT key_id, master_id, wrapped FROM {DATA_KEYS_TABLE} WHERE master_id <> %s LIMIT %s"),
                    (self.master.key_id, batch),
                )
                rows = curs.fetchall()
                for row in rows:
                    secret = self._unwrap(row["key_id"], row["master_id"], row["wrapped"])
                    wrapped = base64.b64encode(self.master.wrap(row["key_id"], secret)).decode()
                    curs.execute(
                        q(f"UPDATE {DATA_KEYS_TABLE} SET master_id = %s, wrapped = %s WHERE key_id = %s"),
                        (self.master.key_id, wrapped, row["key_id"]),
                    )
            done += len(rows)
            if len(rows) < batch:
                return done

    def _unwrap(self, key_id: str, master_id: str, wrapped: str) -> bytes:
        master = self._masters.get(master_id)
        if master is None:
            raise BadMasterKey(
                f"data key {key_id!r} is wrapped by master key {master_id}, which is not configured"
                " (set it as MSGSTORE_PREVIOUS_MASTER_KEYS while rotating)"
            )
        return master.unwrap(key_id, base64.b64decode(wrapped))

    def _remember(self, key: DataKey) -> None:
        self._cache[key.key_id] = key
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


__all__ = ["DataKey", "InvalidTag", "KeyRow", "Keyring", "keys_ddl"]
