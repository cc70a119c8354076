"""The app as served beside the same app without its lean path, on one database: their answers compared."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


