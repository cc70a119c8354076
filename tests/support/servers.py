"""Real API servers in subprocesses (``msgstore serve``), and SDK clients pointed at them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypedDict, Unpack

import httpx
import pytest

from bench.processes import free_port, launch, stop, wait_ready
from tests.support.topology import scaled

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI

KEYS = {"sk-test-alpha": "alpha", "sk-test-beta": "beta", "sk-test-runtime": "alpha:runtime"}


@dataclass
class Server:
    """A running ``msgstore serve`` process."""

    database_url: str
    data_dir: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    workers: int = 1
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        settings = {
            "MSGSTORE_DATABASE_URL": self.database_url,
            "MSGSTORE_API_KEYS": ",".join(f"{k}:{v}" for k, v in KEYS.items()),
            "MSGSTORE_DATA_DIR": str(self.data_dir),
        }
        command = [sys.executable, "-m", "api.cli.main", "serve"]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        self.log_path = self.data_dir / f"server-{self.port}.log"
        self.process = launch(command, settings | self.env, self.log_path)
        wait_ready(self.process, self.root + "/readyz", self.log_path, timeout=30)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, timeout=15)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path else ""


class ServerOptions(TypedDict, total=False):
    """What a test may set on a server besides its database."""

    env: dict[str, str]
    workers: int


class StartServer(Protocol):
    """The ``start_server`` fixture: start a server on a database URL."""

    def __call__(self, database_url: str, **options: Unpack[ServerOptions]) -> Server: ...


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartServer]:
    """Start servers on a database URL; all are stopped at the end of the session."""
    started: list[Server] = []

    def start(database_url: str, **options: Unpack[ServerOptions]) -> Server:
        server = Server(database_url, tmp_path_factory.mktemp("server"), **options)
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def server(start_server: StartServer, database_url: str, request: pytest.FixtureRequest) -> Server:
    """One server per backend, shared by the API tests (PostgreSQL: the scaled topology if asked, topology.py)."""
    if scaled() and database_url.startswith("postgres"):
        return start_server("", env=request.getfixturevalue("scaled_env"), workers=2)
    return start_server(database_url)


@pytest.fixture
def client(server: Server) -> Iterator[OpenAI]:
    """The official sync SDK client, as tenant alpha."""
    from openai import OpenAI

    with OpenAI(base_url=server.base_url, api_key="sk-test-alpha", max_retries=0) as c:
        yield c


@pytest.fixture
def other_client(server: Server) -> Iterator[OpenAI]:
    """The official sync SDK client, as tenant beta."""
    from openai import OpenAI

    with OpenAI(base_url=server.base_url, api_key="sk-test-beta", max_retries=0) as c:
        yield c


@pytest.fixture
def runtime(server: Server) -> Iterator[OpenAI]:
    """The official sync SDK client with tenant alpha's runtime key (it writes assistant messages)."""
    from openai import OpenAI

    with OpenAI(base_url=server.base_url, api_key="sk-test-runtime", max_retries=0) as c:
        yield c


@pytest.fixture
async def async_client(server: Server) -> AsyncIterator[AsyncOpenAI]:
    """The official async SDK client, as tenant alpha (closed before its event loop is)."""
    from openai import AsyncOpenAI

    async with AsyncOpenAI(base_url=server.base_url, api_key="sk-test-alpha", max_retries=0) as c:
        yield c


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    """Raw HTTP to the server's root, with tenant alpha's key unless a test sets its own headers."""
    with httpx.Client(base_url=server.root, headers={"Authorization": "Bearer sk-test-alpha"}, timeout=30) as c:
        yield c


@pytest.fixture
def beta(server: Server) -> Iterator[httpx.Client]:
    """Raw HTTP to the server's root as tenant beta."""
    with httpx.Client(base_url=server.root, headers={"Authorization": "Bearer sk-test-beta"}, timeout=30) as c:
        yield c
