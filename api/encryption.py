"""The master key from the settings (or a key file kept in the data directory), as the store's options."""

from __future__ import annotations

from typing import Any

from api.auth import _kept
from api.settings import Settings
from projections.crypto.master import MasterKey, new_master_key

MASTER_KEY_FILE = "master.key"


def master_key(settings: Settings) -> MasterKey:
    """The configured master key, else the one kept in the data directory (generated on first use)."""
    configured = settings.master_key.get_secret_value()
    if configured:
        return MasterKey.parse(configured)
    value, _ = _kept(settings.data_dir / MASTER_KEY_FILE, new_master_key)
    return MasterKey.parse(value)


def previous_master_keys(settings: Settings) -> list[MasterKey]:
    """The master keys being rotated away from (their data keys still unwrap until re-wrapped)."""
    text = settings.previous_master_keys.get_secret_value()
    return [MasterKey.parse(part) for part in text.split(",") if part.strip()]


def encryption_options(settings: Settings) -> dict[str, Any]:
    """``MessageStore`` keyword arguments: the master keys, and whether new content is encrypted.

    With encryption off, a master key configured or kept in the data directory still reads (and erases)
    what was written encrypted before; with none, there is nothing encrypted to read.
    """
    kept = (settings.data_dir / MASTER_KEY_FILE).exists()
    if not settings.encryption and not settings.master_key.get_secret_value() and not kept:
        return {}
    keys = {"master_key": master_key(settings), "previous_master_keys": previous_master_keys(settings)}
    return {**keys, "encrypt": settings.encryption}
