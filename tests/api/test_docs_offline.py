"""/docs and /redoc work offline: their pages name only the app's own URLs, which answer; /metrics names them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings

URLS = re.compile(r"""(?:src|href|url)\s*[=:]\s*["']([^"']+)["']""")


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The app in this process: no server, no network."""
    settings = Settings(database_url=database_url, api_keys="sk-test-alpha:alpha", data_dir=tmp_path)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_a_docs_page_loads_only_local_assets(app: TestClient, page: str) -> None:
    response = app.get(page)
    assert response.status_code == 200
    assert "http://" not in response.text and "https://" not in response.text and "//cdn" not in response.text
    urls = URLS.findall(response.text)
    assert "/openapi.json" in urls
    assets = [url for url in urls if url != "/openapi.json"]
    assert len(assets) >= 2  # the script and the favicon (and Swagger UI's stylesheet)
    for url in assets:
        assert url.startswith("/docs/assets/"), url
        asset = app.get(url)
        assert asset.status_code == 200 and len(asset.content) > 1000, url


def test_metrics_name_the_documentation_routes(app: TestClient) -> None:
    for path in ("/openapi.json", "/docs", "/redoc", "/docs/assets/swagger-ui.css"):
        assert app.get(path).status_code == 200
    metrics = app.get("/metrics").text
    for route in ("/openapi.json", "/docs", "/redoc", "/docs/assets"):
        assert f'msgstore_http_requests_total{{method="GET",route="{route}",status="200"}}' in metrics, route
