"""Encodes events and snapshots with orjson: the same JSON as eventsourcing's transcoder, several times faster."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder

from projections.storage.eventsourcing_internals import custom_type_encoder

# Dates and times go through the transcodings, as the library's encoder sends them (``{"_type_": …}``),
# not as orjson's own ISO strings; dataclasses likewise. Subclasses of str, int, dict and list are written
# as their base type by both.
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class FastJSONTranscoder(JSONTranscoder):
    """eventsourcing's JSON transcoder with orjson encoding; decoding (and every stored format) unchanged.

    A long thread's snapshot is megabytes of JSON: the library's encoder holds the interpreter lock for
    all of it, stalling the requests being served. What orjson would encode differently goes through the
    library's encoder: a UUID among the top-level fields (orjson writes UUIDs as plain strings; the
    thread's events and state hold none deeper down), a key that is not a string (orjson refuses it).
    """

    def __init__(self, seal: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        super().__init__()
        self._encode_custom = custom_type_encoder(self)
        self._seal = seal  # seals an event's content fields before it is encoded (encryption at rest)

    def encode(self, obj: Any) -> bytes:
        if self._seal is not None and isinstance(obj, dict):
            obj = self._seal(obj)
        if isinstance(obj, dict) and not any(isinstance(value, UUID) for value in obj.values()):
            try:
                return orjson.dumps(obj, default=self._encode_custom, option=OPTIONS)
            except TypeError:  # e.g. a key that is not a string
                pass
        return super().encode(obj)
