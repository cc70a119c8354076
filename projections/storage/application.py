"""The eventsourcing application that records thread events."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Transcoder

from projections.storage.transcoder import FastJSONTranscoder


class ThreadsApplication(Application[UUID]):
    """Stores thread events (and snapshots of long threads) in one event log."""

    name = "msgstore"
    is_snapshotting_enabled = True

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder
