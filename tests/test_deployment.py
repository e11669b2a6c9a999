"""The container image and the compose file: a slim image that runs as nobody's root and carries no dev tools,
and a deployment that migrates once before its workers start."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEV_TOOLS = ("devtools/", "tests/", "bench/", "scripts/", ".ci/")


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continuation lines joined), as (INSTRUCTION, arguments)."""
    lines: list[str] = []
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        if raw.strip().startswith("#") or not raw.strip():
            continue
        if lines and lines[-1].endswith("\\"):
            lines[-1] = lines[-1][:-1] + " " + raw.strip()
        else:
            lines.append(raw.strip())
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def _tracked() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def _ignored(path: str) -> bool:
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines() if p.strip()]
    patterns = [p for p in patterns if not p.startswith("#")]
    return any(fnmatch.fnmatch(path, p) or path.startswith(p.rstrip("/") + "/") for p in patterns)


def image_files() -> list[str]:
    """What the COPY instructions take into the image from a checkout (the build context less .dockerignore)."""
    taken: list[str] = []
    for instruction, args in _instructions():
        if instruction != "COPY":
            continue
        *sources, _ = args.split()
        for source in sources:
            for path in _tracked():
                if (path == source or path.startswith(source.rstrip("/") + "/")) and not _ignored(path):
                    taken.append(path)
    return taken


def test_the_image_runs_as_a_user_of_its_own_not_root() -> None:
    users = [args for instruction, args in _instructions() if instruction == "USER"]
    assert users and users[-1] not in ("root", "0")
    last_run = max(i for i, (instruction, _) in enumerate(_instructions()) if instruction == "RUN")
    last_user = max(i for i, (instruction, _) in enumerate(_instructions()) if instruction == "USER")
    assert last_user > last_run  # nothing runs as root after the switch


def test_the_image_holds_the_product_its_migrations_and_catalogs_and_no_dev_tools() -> None:
    files = image_files()
    assert [f for f in files if f.startswith(DEV_TOOLS)] == []
    assert any(f.startswith("migrations/versions/") for f in files)
    assert "locales/id/LC_MESSAGES/messages.po" in files and "antrean/cli.py" in files
    installs = [args for instruction, args in _instructions() if instruction == "RUN" and "pip install" in args]
    assert installs and all("[dev]" not in args and "requirements.lock" in args for args in installs)
    assert any("pybabel compile" in args for instruction, args in _instructions() if instruction == "RUN")


def test_no_dev_tool_is_a_dependency_of_the_product() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {d.split(">")[0].split("[")[0].split("=")[0].strip().lower() for d in project["dependencies"]}
    dev = {d.split(">")[0].split("[")[0].split("=")[0].strip().lower() for d in project["optional-dependencies"]["dev"]}
    assert runtime & dev == set()


def test_the_compose_file_migrates_once_before_the_workers_and_never_evicts_conversations() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker"} <= set(services)
    assert services["migrate"]["command"] == ["antrean", "db", "upgrade"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["web"]["deploy"]["replicas"] >= 2
    assert "noeviction" in services["redis"]["command"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


def _docker_usable() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    return subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.skipif(not _docker_usable(), reason="no usable docker here (no daemon); the Dockerfile is checked above")
def test_the_image_builds_and_its_command_line_runs_as_a_non_root_user() -> None:
    tag = "antrean-test:latest"
    subprocess.run(["docker", "build", "-q", "-t", tag, str(ROOT)], check=True, capture_output=True, timeout=1200)
    uid = subprocess.run(["docker", "run", "--rm", tag, "id", "-u"], capture_output=True, text=True, check=True)
    assert uid.stdout.strip() not in ("", "0")
    shown = subprocess.run(["docker", "run", "--rm", tag, "antrean", "--help"], capture_output=True, text=True)
    assert shown.returncode == 0 and "webhook" in shown.stdout
    devtools = subprocess.run(["docker", "run", "--rm", tag, "ls", "/app"], capture_output=True, text=True)
    assert not {"devtools", "tests", "bench"} & set(devtools.stdout.split())
