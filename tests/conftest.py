"""Every scenario runs on SQLite and on PostgreSQL; PostgreSQL must be reachable unless --sqlite-only."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from projections.store import MessageStore
from tests.support.databases import DatabaseFactory
from tests.support.keys import TEST_MASTER_KEY, TEST_MASTER_KEY_TEXT

BACKENDS = ("sqlite", "postgres")

pytest_plugins = [  # each before the plugins that import it
    "tests.support.private_postgres",
    "tests.support.topology",
    "tests.support.servers",
    "tests.support.fuzzing",
    "tests.support.lean",
]


def pytest_configure(config: pytest.Config) -> None:
    """Every process the tests start (servers, CLI commands) shares one master key, as a deployment's do."""
    os.environ.setdefault("MSGSTORE_MASTER_KEY", TEST_MASTER_KEY_TEXT)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres-url",
        default=None,
        help="PostgreSQL server for test databases (default: MSGSTORE_TEST_POSTGRES_URL or local)",
    )
    parser.addoption("--sqlite-only", action="store_true", help="leave the PostgreSQL scenarios out (never in CI)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--sqlite-only"):
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        uses_postgres = callspec is not None and callspec.params.get("backend") == "postgres"
        (dropped if uses_postgres or item.get_closest_marker("postgres") else kept).append(item)
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database the scenario runs on."""
    return str(request.param)


@pytest.fixture(scope="session")
def new_database(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], str]]:
    """A factory of empty databases of the scenario's backend (dropped at the end of the session)."""
    factory = DatabaseFactory(backend, request.config, tmp_path_factory)
    cleanup = factory.cleanup()
    next(cleanup)
    yield factory
    next(cleanup, None)


@pytest.fixture(scope="session")
def database_url(new_database: Callable[[], str]) -> str:
    """One database per backend shared by the session (tests use their own threads)."""
    return new_database()


@pytest.fixture
def store(database_url: str) -> Iterator[MessageStore]:
    """A store on the session's database."""
    opened = MessageStore.open(database_url, master_key=TEST_MASTER_KEY)
    yield opened
    opened.close()


@pytest.fixture
def fresh(new_database: Callable[[], str]) -> Iterator[MessageStore]:
    """A store on a database of its own, so that whole views and tables can be compared."""
    opened = MessageStore.open(new_database(), master_key=TEST_MASTER_KEY)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Async tests run on asyncio (anyio's pytest plugin)."""
    return "asyncio"
