"""API keys: each maps to a tenant (and optional scopes); requests under /v1 must carry one."""

from __future__ import annotations

import hmac
import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from api.settings import Settings
from domain.ids import key_identifier

GENERATED_KEY_FILE = "api_key"
KEY_ID_SECRET_FILE = "key_id_secret"  # noqa: S105 - a file name, not a secret
DEFAULT_TENANT = "default"
EXPLICIT_ID = "id="
MIN_SECRET_CHARACTERS = 16
_ID_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


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
    def parse(cls, spec: str, secret: bytes | None = None) -> KeyRing:
        """Parse ``key:tenant[:scope…][:id=NAME][,…]``; ids not named are keyed hashes under ``secret``."""
        keys: dict[str, Principal] = {}
        for raw in spec.split(","):
            item = raw.strip()
            if not item:
                continue
            key, *rest = item.split(":")
            if len(rest) < 1 or not key or not rest[0]:
                msg = f"MSGSTORE_API_KEYS: expected key:tenant, got {item[:4]}… (check the separators)"
                raise ValueError(msg)
            named = [part[len(EXPLICIT_ID) :] for part in rest[1:] if part.startswith(EXPLICIT_ID)]
            if len(named) > 1 or (named and not _ID_PATTERN.fullmatch(named[0])):
                msg = f"MSGSTORE_API_KEYS: the key {mask(key)} needs one id=NAME of letters, digits, '_', '.', '-'"
                raise ValueError(msg)
            scopes = frozenset(part for part in rest[1:] if not part.startswith(EXPLICIT_ID))
            keys[key] = Principal(rest[0], named[0] if named else key_identifier(key, secret), scopes)
        return cls(keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[tuple[str, Principal]]:
        return iter(self._keys.items())

    def lookup(self, key: str) -> Principal | None:
        """Return the principal of a key, or None."""
        found = None
        for candidate, principal in self._keys.items():
            if hmac.compare_digest(candidate.encode(), key.encode()):
                found = principal
        return found


def _kept(path: Path, make: Callable[[], str]) -> tuple[str, bool]:
    """Return the value kept in ``path`` (owner-only), writing ``make()`` there first if there is none yet.

    Written to a private file and linked into place: two processes starting at once both read the
    one value that won, never a half-written file.
    """
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(make() + "\n")
    try:
        os.link(draft, path)
        created = True
    except FileExistsError:
        created = False
    finally:
        draft.unlink()
    return path.read_text().strip(), created


def generated_key(data_dir: Path) -> tuple[str, bool]:
    """Return the key kept in the data directory, creating it on first use; and whether it is new."""
    return _kept(data_dir / GENERATED_KEY_FILE, lambda: "sk-msgstore-" + secrets.token_urlsafe(24))


def key_id_secret(settings: Settings) -> bytes:
    """Return the secret key ids are derived with: the setting, else the one kept in the data directory."""
    configured = settings.key_id_secret.get_secret_value()
    if configured:
        if len(configured) < MIN_SECRET_CHARACTERS:  # a guessable secret would make the ids guessable again
            msg = f"MSGSTORE_KEY_ID_SECRET: use at least {MIN_SECRET_CHARACTERS} random characters"
            raise ValueError(msg)
        return configured.encode()
    value, _ = _kept(settings.data_dir / KEY_ID_SECRET_FILE, lambda: secrets.token_hex(32))
    return value.encode()


def keyring_for(settings: Settings) -> KeyRing:
    """Return the configured keys, or the generated key for the default tenant if none are."""
    secret = key_id_secret(settings)
    ring = KeyRing.parse(settings.api_keys, secret)
    if len(ring):
        return ring
    key, _ = generated_key(settings.data_dir)
    return KeyRing({key: Principal(DEFAULT_TENANT, key_identifier(key, secret))})


def mask(key: str) -> str:
    """Show enough of a key to recognise it, never the key."""
    return (key[:4] + "*" * 4 + key[-2:]) if len(key) > 8 else "*" * len(key)
