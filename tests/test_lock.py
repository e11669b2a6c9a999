"""requirements.lock pins every dependency pyproject.toml names, within its range, and this environment matches it."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]


def _locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            assert pinned, f"requirements.lock: {line!r} is not an exact pin"
            pins[canonicalize_name(name)] = pinned
    return pins


def test_every_declared_dependency_is_locked_within_its_range() -> None:
    locked = _locked()
    wrong = [
        f"{r.name}: locked {locked.get(canonicalize_name(r.name))}, declared {r.specifier}"
        for r in _declared()
        if canonicalize_name(r.name) not in locked or locked[canonicalize_name(r.name)] not in r.specifier
    ]
    assert wrong == []


def test_the_environment_runs_the_locked_versions() -> None:
    def installed(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    differ = {name: (pinned, installed(name)) for name, pinned in _locked().items() if installed(name) != pinned}
    assert differ == {}, "run scripts/setup (or scripts/lock after changing a dependency)"
