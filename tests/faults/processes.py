"""The processes the fault suite starts and kills: servers on one data directory, and standalone workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.processes import launch, wait_ready
from tests.support.servers import KEYS, Server


@dataclass
class ModuleServer(Server):
    """``python -m <module> serve``: a server whose process a module prepares first (tests/faults/page_limit.py)."""

    module: str = "api.cli.main"

    def start(self) -> Server:
        settings = {
            "MSGSTORE_DATABASE_URL": self.database_url,
            "MSGSTORE_API_KEYS": ",".join(f"{k}:{v}" for k, v in KEYS.items()),
            "MSGSTORE_DATA_DIR": str(self.data_dir),
        }
        command = [sys.executable, "-m", self.module, "serve", "--port", str(self.port)]
        self.log_path = self.data_dir / f"server-{self.port}.log"
        self.process = launch(command, settings | self.env, self.log_path)
        wait_ready(self.process, self.root + "/readyz", self.log_path, timeout=30)
        return self


def kill(process: subprocess.Popen[bytes] | None) -> None:
    """``kill -9``: no handler runs, nothing is flushed or closed."""
    assert process is not None and process.poll() is None, "the process to kill is not running"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


class Servers:
    """Servers and workers on one data directory (one key id secret), stopped at the end of the test."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.started: list[Server] = []
        self.workers: list[subprocess.Popen[bytes]] = []

    def start(self, database_url: str, env: dict[str, str] | None = None, module: str = "api.cli.main") -> Server:
        """Start ``msgstore serve`` and wait until it is ready."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        server = ModuleServer(database_url, self.data_dir, env=env or {}, module=module)
        self.started.append(server)
        return server.start()

    def start_worker(self, database_url: str, batch_size: int) -> subprocess.Popen[bytes]:
        """Start ``msgstore worker`` (its log appended to ``worker.log``)."""
        env = {"MSGSTORE_DATABASE_URL": database_url, "MSGSTORE_DATA_DIR": str(self.data_dir)}
        command = [sys.executable, "-m", "api.cli.main", "worker", "--batch-size", str(batch_size)]
        worker = launch(command, env | {"MSGSTORE_LOG_LEVEL": "info"}, self.worker_log, append=True)
        self.workers.append(worker)
        return worker

    @property
    def worker_log(self) -> Path:
        return self.data_dir / "worker.log"

    def stop(self) -> None:
        for server in self.started:
            server.stop()
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
