"""The locks pin every package with its hashes, agree with pyproject.toml, and are what the image and CI install."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(lock: str) -> dict[str, str]:
    """Each package of a lock and its version; every one must be pinned exactly and carry hashes."""
    found: dict[str, str] = {}
    lines = (ROOT / lock).read_text().splitlines()
    for number, line in enumerate(lines):
        if not line or line.startswith((" ", "#")):
            continue
        match = PIN.match(line)
        assert match, f"{lock}:{number + 1}: not an exact pin: {line}"
        assert lines[number + 1].strip().startswith("--hash=sha256:"), f"{lock}:{number + 1}: no hash"
        found[canonicalize_name(match[1])] = match[2]
    return found


def wanted(*extras: str) -> list[Requirement]:
    listed = [*PROJECT["dependencies"], *(r for extra in extras for r in PROJECT["optional-dependencies"][extra])]
    return [Requirement(r) for r in listed if canonicalize_name(Requirement(r).name) != PROJECT["name"]]


@pytest.mark.parametrize(("lock", "extras"), [("requirements.lock", ()), ("requirements-dev.lock", ("test", "dev"))])
def test_a_lock_pins_what_pyproject_asks_for_within_its_bounds(lock: str, extras: tuple[str, ...]) -> None:
    pinned = pins(lock)
    for requirement in wanted(*extras):
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement} is not in {lock}: run .ci/lock"
        assert requirement.specifier.contains(version, prereleases=True), f"{lock} pins {requirement.name} {version}"


def test_the_image_runs_the_versions_ci_tests() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_the_image_and_ci_install_from_the_locks_checking_hashes() -> None:
    assert "pip install --require-hashes --no-deps -r requirements.lock" in (ROOT / "Dockerfile").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    install = "pip install --quiet --require-hashes -r requirements-dev.lock\n"
    assert install in ci
    assert "--no-deps" in ci.split(install, 1)[1].split("\n", 1)[0]  # then the project alone


def test_dev_adds_the_linters_to_the_test_extra() -> None:
    dev = {canonicalize_name(Requirement(r).name) for r in PROJECT["optional-dependencies"]["dev"]}
    test = {canonicalize_name(Requirement(r).name) for r in PROJECT["optional-dependencies"]["test"]}
    assert {"mypy", "ruff"} <= dev and not {"mypy", "ruff"} & test
    assert "msgstore[test]" in PROJECT["optional-dependencies"]["dev"]
