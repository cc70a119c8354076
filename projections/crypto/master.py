"""The master key: wraps and unwraps data keys with AES-GCM, never stored beside them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12


class BadMasterKey(ValueError):
    """The master key is malformed, or is not the key the data keys were wrapped with."""


class MasterKey:
    """A 256-bit key that wraps data keys; ``key_id`` names it without revealing it."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != KEY_BYTES:
            raise BadMasterKey(f"a master key is {KEY_BYTES} bytes (44 characters of base64), not {len(secret)}")
        self.key_id = hashlib.sha256(b"msgstore master key id:" + secret).hexdigest()[:16]
        self._aead = AESGCM(secret)

    @classmethod
    def parse(cls, text: str) -> MasterKey:
        """Read a key written as base64 (standard or URL-safe) or 64 hexadecimal digits."""
        text = text.strip()
        try:
            secret = bytes.fromhex(text) if len(text) == 2 * KEY_BYTES else base64.urlsafe_b64decode(
                text.replace("+", "-").replace("/", "_")
            )
        except (ValueError, binascii.Error):
            raise BadMasterKey("a master key is 32 random bytes as base64 or hexadecimal") from None
        return cls(secret)

    def wrap(self, key_id: str, data_key: bytes) -> bytes:
        """Encrypt a data key, bound to its id (a wrapped key moved to another id does not unwrap)."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, key_id.encode())

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        """Decrypt a data key wrapped by ``wrap``."""
        try:
            return self._aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise BadMasterKey(f"data key {key_id!r} was not wrapped by master key {self.key_id}") from None


def new_master_key() -> str:
    """A fresh random master key as URL-safe base64 (what ``MasterKey.parse`` reads)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()
