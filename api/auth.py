"""API keys: each maps to a tenant (and optional scopes); requests under /v1 must carry one."""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from domain.ids import key_identifier

GENERATED_KEY_FILE = "api_key"
DEFAULT_TENANT = "default"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant, an identifier of the key (never the key), and its scopes."""

    tenant: str
    key_id: str
    scopes: frozenset[str] = frozenset()

    @property
    def actor(self) -> dict[str, str]:
        """The actor recorded on every event this caller causes."""
        return {"tenant": self.tenant, "key_id": self.key_id}


class KeyRing:
    """The configured keys, looked up in constant time per key."""

    def __init__(self, keys: dict[str, Principal]) -> None:
        self._keys = keys

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """Parse ``key:tenant[:scope…][,key:tenant…]``."""
        keys: dict[str, Principal] = {}
        for raw in spec.split(","):
            item = raw.strip()
            if not item:
                continue
            parts = item.split(":")
            if len(parts) < 2 or not parts[0] or not parts[1]:
                msg = f"MSGSTORE_API_KEYS: expected key:tenant, got {item[:4]}… (check the separators)"
                raise ValueError(msg)
            keys[parts[0]] = Principal(parts[1], key_identifier(parts[0]), frozenset(parts[2:]))
        return cls(keys)

    def __len__(self) -> int:
        return len(self._keys)

    def lookup(self, key: str) -> Principal | None:
        """Return the principal of a key, or None."""
        found = None
        for candidate, principal in self._keys.items():
            if hmac.compare_digest(candidate.encode(), key.encode()):
                found = principal
        return found


def generated_key(data_dir: Path) -> tuple[str, bool]:
    """Return the key kept in the data directory, creating it on first use; and whether it is new."""
    path = data_dir / GENERATED_KEY_FILE
    if path.exists():
        return path.read_text().strip(), False
    data_dir.mkdir(parents=True, exist_ok=True)
    key = "sk-msgstore-" + secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key, True


def keyring_for(api_keys: str, data_dir: Path) -> KeyRing:
    """Return the configured keys, or the generated key for the default tenant if none are."""
    ring = KeyRing.parse(api_keys)
    if len(ring):
        return ring
    key, _ = generated_key(data_dir)
    return KeyRing({key: Principal(DEFAULT_TENANT, key_identifier(key))})


def mask(key: str) -> str:
    """Show enough of a key to recognise it, never the key."""
    return (key[:4] + "*" * 4 + key[-2:]) if len(key) > 8 else "*" * len(key)
