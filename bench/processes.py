"""Servers in subprocesses: a free port, a start with the output in a log file, a readiness probe, a gentle stop.

Shared by the benchmark's servers and the test suite's (``tests/support/servers.py``); it needs no pytest.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def launch(command: list[str], env: dict[str, str], log: Path, *, append: bool = False) -> subprocess.Popen[bytes]:
    """Start ``command`` with ``env`` over this process's environment, its output going to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab" if append else "wb") as out:
        return subprocess.Popen(command, env=dict(os.environ) | env, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(process: subprocess.Popen[bytes], probe: str, log: Path, *, timeout: float) -> None:
    """Return once ``probe`` answers 200; raise if the process exits first, stop it and raise if time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited (log {log}): {log.read_text()}")
        try:
            if httpx.get(probe, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop(process)  # not left running when nobody will stop it
    raise RuntimeError(f"server did not become ready (log {log}): {log.read_text()}")


def stop(process: subprocess.Popen[bytes], *, timeout: float = 20) -> None:
    """Terminate the process, and kill it if it has not exited within ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
