"""Erasures recorded by other processes: their keys are dropped from this process's memory as soon as it wakes."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from eventsourcing.utils import get_topic

from domain.thread import Thread
from projections.crypto.keyring import Keyring
from projections.storage.signal import EventSignal

log = logging.getLogger("msgstore.keys")

ERASURES = [get_topic(Thread.MessageErased), get_topic(Thread.Erased)]
PAGE = 1000


class ErasureWatch:
    """Wakes with the store's event signal (which also moves on other processes' commits) and reads the erasure
    events recorded since it last looked, forgetting the keys they destroyed (a cached key would otherwise
    still open an erased message's events in a stream replay or its old history rows, until a restart).
    """

    def __init__(self, app: Any, keyring: Keyring, signal: EventSignal) -> None:
        self.app, self.keyring, self.signal = app, keyring, signal
        self._seen = int(app.recorder.max_notification_id() or 0)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="msgstore-erasure-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stopping.set()
        self.signal.notify()
        self._thread.join(timeout=10)

    def check(self) -> int:
        """Forget the keys of erasures recorded since the last check; return how many erasures were found."""
        head = int(self.app.recorder.max_notification_id() or 0)
        found = 0
        while self._seen < head:
            page = self.app.recorder.select_notifications(
                start=self._seen, limit=PAGE, stop=head, topics=ERASURES, inclusive_of_start=False
            )
            for notification in page:
                erased = json.loads(bytes(notification.state))
                if erased.get("message_id"):
                    self.keyring.forget([erased["message_id"]])
                else:
                    self.keyring.forget_thread(erased["thread_id"])
            found += len(page)
            self._seen = page[-1].id if len(page) == PAGE else head
        return found

    def _run(self) -> None:
        generation = self.signal.generation
        while not self._stopping.is_set():
            generation = self.signal.wait(generation, 1.0)
            if self._stopping.is_set():
                return
            try:
                self.check()
            except Exception as e:  # the database is away: the next wake tries again
                log.debug("erasure watch: %s", e)
