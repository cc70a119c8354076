"""The projections this store maintains: adding one is one module and one line in ``PROJECTIONS``."""

from __future__ import annotations

from projections.analytics.items import ITEM_TYPES_PROJECTION, ItemTypesProjector, ItemTypeTables
from projections.analytics.projector import ANALYTICS_PROJECTION, AnalyticsProjector, AnalyticsTables
from projections.conversations.projector import ItemsProjector
from projections.conversations.tables import ITEMS_PROJECTION, ItemsTables
from projections.history.projector import HistoryProjector
from projections.history.tables import HISTORY_PROJECTION, HistoryTables
from projections.messages.projector import MESSAGES_PROJECTION, MessagesProjector
from projections.messages.tables import ViewTables
from projections.projection import ASYNC, INLINE, Projection

PROJECTIONS: tuple[Projection, ...] = (
    Projection(
        MESSAGES_PROJECTION,
        INLINE,
        tables=ViewTables,
        projector=MessagesProjector,
        description="Threads and messages as the API serves them.",
    ),
    Projection(
        ITEMS_PROJECTION,
        INLINE,
        tables=ItemsTables,
        projector=ItemsProjector,
        description="Conversations' items as the Conversations API serves them.",
    ),
    # Asynchronous: the writer's transactions stay short; a history read first applies whatever the
    # worker has not yet (projections/runners/up_to_date.py), so audit reads still see every earlier write.
    Projection(
        HISTORY_PROJECTION,
        ASYNC,
        tables=HistoryTables,
        projector=HistoryProjector,
        serves_api=False,  # its reads never see it behind: a lag costs them time, not correctness
        max_lag=10_000,
        description="Audit trail.",
    ),
    Projection(
        ANALYTICS_PROJECTION,
        ASYNC,
        tables=AnalyticsTables,
        projector=AnalyticsProjector,
        max_lag=10_000,
        description="Daily activity per tenant, and per-thread totals.",
    ),
    Projection(
        ITEM_TYPES_PROJECTION,
        ASYNC,
        tables=ItemTypeTables,
        projector=ItemTypesProjector,
        max_lag=10_000,
        description="Conversation items created and deleted per day, by type.",
    ),
)


class UnknownProjection(Exception):
    """No projection has this name."""

    def __init__(self, name: str) -> None:
        known = ", ".join(p.name for p in PROJECTIONS)
        super().__init__(f"Unknown projection {name!r}. Known: {known}.")


def projection(name: str) -> Projection:
    """The projection called ``name``."""
    for found in PROJECTIONS:
        if found.name == name:
            return found
    raise UnknownProjection(name)


def inline_projections() -> list[Projection]:
    """The projections the writer applies in its transactions."""
    return [p for p in PROJECTIONS if p.mode == INLINE]


def async_projections() -> list[Projection]:
    """The projections the worker keeps up to date."""
    return [p for p in PROJECTIONS if p.mode == ASYNC]
