"""The eventsourcing application that records thread events."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application


class ThreadsApplication(Application[UUID]):
    """Stores thread events (and snapshots of long threads) in one event log."""

    name = "msgstore"
    is_snapshotting_enabled = True
