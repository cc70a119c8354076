"""The Dockerfile and docker-compose.yml, read (no engine needed): non-root, health-checked, one image, cached."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML comes with uvicorn[standard], without stubs

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    users = [argument for name, argument in instructions() if name == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}


def test_the_image_checks_its_health_on_readyz() -> None:
    checks = [argument for name, argument in instructions() if name == "HEALTHCHECK"]
    assert len(checks) == 1 and "/readyz" in checks[0]


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    steps = instructions()
    first_code = next(i for i, (name, argument) in enumerate(steps) if name == "COPY" and argument.startswith("api"))
    installs = [i for i, (name, argument) in enumerate(steps) if name == "RUN" and "pip install" in argument]
    assert installs[0] < first_code  # the dependency layer, cached while only the code changes
    assert all(argument.split()[0] == "requirements.lock" for name, argument in steps[: installs[0]] if name == "COPY")
    assert "--require-hashes -r requirements.lock" in steps[installs[0]][1].replace("--no-deps ", "")
    assert "--no-deps" in steps[installs[-1]][1]  # the code's layer installs nothing else


def test_api_and_worker_share_one_image_built_once() -> None:
    services = compose()["services"]
    api, worker = services["api"], services["worker"]
    assert api["image"] == worker["image"]
    assert "build" in api and "build" not in worker


def test_every_service_restarts_and_the_worker_checks_its_own_health() -> None:
    services = compose()["services"]
    assert {name: s.get("restart") for name, s in services.items()} == dict.fromkeys(services, "unless-stopped")
    assert "/readyz" not in str(services["worker"]["healthcheck"])  # the image's check is the API's


def test_the_worker_reads_the_apis_keys_once_the_api_has_made_them() -> None:
    """Content is encrypted by default: the worker must open it with the master key the API generated."""
    services = compose()["services"]
    api, worker = services["api"], services["worker"]
    data_volume = next(v for v in api["volumes"] if v.endswith(":/data"))
    assert data_volume in worker["volumes"] and worker["depends_on"]["api"]["condition"] == "service_healthy"
    named = ["MSGSTORE_MASTER_KEY" in str(service.get("environment")) for service in (api, worker)]
    assert named[0] == named[1]  # a key given to one is given to the other
