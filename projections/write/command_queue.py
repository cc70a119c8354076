"""The queue of a thread that takes commands in batches: whatever waits while a batch runs forms the next one."""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future

from projections.write.command import Command, Outcome

log = logging.getLogger("msgstore.writer")


class CommandQueue:
    """Runs ``_process`` on batches of at most ``max_batch`` commands, in a thread of its own, started on demand.

    A command whose request gave up on it before its batch started (its future cancelled) is dropped, so
    the answer the request got (a 503) stays true; a batch that fails answers each command with the error.
    """

    def __init__(self, name: str, max_batch: int) -> None:
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[Command | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False
        self._lock = threading.Lock()

    def submit(self, command: Command) -> Future[Outcome]:
        """Queue a command; the future resolves once its events are committed."""
        with self._lock:
            if not self._started:
                self._started = True
                self._thread.start()
        self._queue.put(command)
        return command.future

    def stop(self) -> None:
        """Finish the queued commands and stop the thread."""
        with self._lock:
            if not self._started:
                return
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            # A command its request gave up on before it ran is dropped: its 503 stays true.
            batch = [c for c in batch if c.future.set_running_or_notify_cancel()]
            if not batch:
                if stop:
                    return
                continue
            try:
                self._process(batch)
            except BaseException as e:  # never let the writer thread die with requests waiting
                log.exception("%s: batch failed", self._thread.name)
                for command in batch:
                    if not command.future.done():
                        command.future.set_exception(e)
            if stop:
                return

    def _process(self, batch: list[Command]) -> None:
        """Run one batch; answer every command's future."""
        raise NotImplementedError
