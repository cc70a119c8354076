"""The eventsourcing application that records thread events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Transcoder, Transcoding

from domain.ids import thread_uuid
from projections.crypto.keyring import Keyring
from projections.crypto.sealing import SEALED_TYPE, EventSealer, Sealed, unseal
from projections.storage.transcoder import FastJSONTranscoder


class EncryptedContent(Exception):
    """A stored event holds sealed content, and this store was opened without its master key."""


class SealedTranscoding(Transcoding):
    """A sealed content field: stored as its ciphertext, read back through the store's data keys."""

    type = Sealed
    name = SEALED_TYPE

    def __init__(self, keyring: Keyring | None) -> None:
        self.keyring = keyring

    def encode(self, obj: Any) -> str:
        return str(obj.text)

    def decode(self, data: Any) -> Any:
        if self.keyring is None:
            msg = "This store holds encrypted content: configure its master key (MSGSTORE_MASTER_KEY)."
            raise EncryptedContent(msg)
        return unseal(str(data), self.keyring.find)


class ThreadsApplication(Application[UUID]):
    """Stores thread events (and snapshots of long threads) in one event log; with a keyring, content sealed."""

    name = "msgstore"
    is_snapshotting_enabled = True

    def __init__(self, env: Mapping[str, str] | None = None, keyring: Keyring | None = None) -> None:
        self.keyring = keyring
        super().__init__(env=env)
        if keyring is not None:  # an erased thread's history is derived again from its events
            keyring.thread_events = lambda thread_id: list(self.events.get(thread_uuid(thread_id)))

    def construct_transcoder(self) -> Transcoder:
        keyring = self.keyring
        sealing = keyring is not None and keyring.seals
        transcoder = FastJSONTranscoder(EventSealer(keyring).seal_state if keyring is not None and sealing else None)
        self.register_transcodings(transcoder)
        transcoder.register(SealedTranscoding(keyring))
        return transcoder
