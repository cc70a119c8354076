"""The app as served beside the same app without its lean path, on one database: their answers compared."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.fastpath import FastPath
from api.settings import Settings


@contextmanager
def lean_and_plain(database_url: str, keys: str, data_dir: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Clients of the app as served and of the same app without ``FastPath``."""
    settings = Settings(database_url=database_url, api_keys=keys, data_dir=data_dir, worker=False)
    fast, plain = create_app(settings), create_app(settings)
    lean_path: object = FastPath  # starlette types Middleware.cls with an unsolved ParamSpec: compare as objects
    plain.user_middleware = [m for m in plain.user_middleware if m.cls is not lean_path]
    with TestClient(fast) as a, TestClient(plain) as b:
        yield a, b


@pytest.fixture(scope="module")
def clients(
    request: pytest.FixtureRequest, new_database: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, TestClient]]:
    """The app as served, and the same app without the lean path, on one database (the module's ``KEYS``)."""
    with lean_and_plain(new_database(), request.module.KEYS, tmp_path_factory.mktemp("lean")) as pair:
        yield pair
