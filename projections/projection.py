"""What a projection is: a named read model, its tables, its projector, and how it is kept up to date."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from projections.storage.generations import Generation
from projections.storage.sql import Cursor, Dialect

INLINE: Literal["inline"] = "inline"
ASYNC: Literal["async"] = "async"


class Projector(Protocol):
    """Applies events to one generation of tables and records its position, in the caller's transaction."""

    def apply(self, curs: Cursor, events: Sequence[Any], position: int | None, now: int) -> None:
        """Apply ``events``; ``position`` is the log position they reach."""


@dataclass(frozen=True)
class Projection:
    """A read model: its name, how it is kept up to date, its tables and its projector.

    ``mode`` is ``inline`` (applied by the writer in the transaction that records the events:
    read-your-writes) or ``async`` (applied by the worker, in batches, shortly after).
    ``serves_api`` makes /readyz fail while the projection lags more than ``max_lag`` events.
    The projector's optional ``handles`` (event classes) lets readers skip other events.
    """

    name: str
    mode: Literal["inline", "async"]
    tables: Callable[[Dialect, str], Generation]
    projector: Callable[[Any, str], Projector]
    serves_api: bool = True
    max_lag: int = 0
    description: str = ""

    def generation(self, dialect: Dialect, suffix: str = "") -> Generation:
        """The tables of one generation (live when ``suffix`` is empty)."""
        return self.tables(dialect, suffix)

    def build(self, dialect: Dialect, suffix: str = "") -> Any:
        """A projector writing into one generation, recording its position under ``name + suffix``."""
        return self.projector(self.tables(dialect, suffix), self.name + suffix)

    def handles(self, dialect: Dialect) -> frozenset[type[Any]] | None:
        """The event classes the projector needs, or None for all of them."""
        found = getattr(self.build(dialect), "handles", None)
        return None if found is None else frozenset(found)

    def table_names(self, dialect: Dialect, suffix: str = "") -> tuple[str, ...]:
        """Every table of one generation."""
        return self.tables(dialect, suffix).names
