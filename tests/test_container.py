"""The container files, checked without a Docker daemon: what compose.yaml and the Dockerfile must contain, and that
the lock files they install from hold every requirement of pyproject.toml, hashed. (``.ci/run`` also lints the
Dockerfile with hadolint.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).parents[1]


def _compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_compose_runs_the_bot_on_postgres_after_it_is_healthy_and_migrated() -> None:
    services = _compose()["services"]
    postgres, migrate, bot = services["postgres"], services["migrate"], services["bot"]
    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])

    assert migrate["command"][-2:] == ["db", "upgrade"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert bot["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert migrate["build"] == "." and "build" not in bot  # one image, built once, for both
    assert migrate["image"] == bot["image"] and bot["pull_policy"] == "never"
    for service in (migrate, bot):
        assert service["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://debates:")
        assert service["environment"]["DATABASE_URL"].endswith("@postgres:5432/debates")
    assert bot["env_file"] == ".env" and bot["restart"] == "unless-stopped"
    assert "postgres-data" in _compose()["volumes"]


def _stages() -> list[list[str]]:
    """The Dockerfile's stages, each a list of its instructions (continuation lines joined)."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    stages: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("FROM "):
            stages.append([])
        if line and not line.startswith("#") and stages:
            stages[-1].append(" ".join(line.split()))
    return stages


def test_the_image_is_built_from_the_lock_file_in_a_stage_of_its_own_on_an_exact_base() -> None:
    build, final = _stages()
    for stage in (build, final):
        assert re.fullmatch(r"FROM python:3\.11\.\d+-slim-\w+( AS build)?", stage[0])  # a version, not 3.11
    assert build[0].split()[1] == final[0].split()[1]
    install = next(line for line in build if "pip install" in line)
    assert "--require-hashes" in install and "-r /tmp/image.lock" in install and "--only-binary=:all:" in install
    assert "COPY requirements/image.lock /tmp/image.lock" in build
    assert "COPY --from=build /opt/venv /opt/venv" in final
    assert not any("pip install" in line or "build-essential" in line or "gcc" in line for line in final)
    assert any("pip uninstall --yes pip setuptools wheel" in line for line in final)  # no build tools left


def test_the_image_is_slim_runs_as_a_user_keeps_data_in_a_volume_and_checks_health() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = _stages()[-1]
    assert "apt-get install -y --no-install-recommends graphviz" in dockerfile
    user = next(line for line in instructions if line.startswith("USER "))
    assert user.split()[1].split(":")[0] not in ("0", "root")
    assert 'VOLUME ["/data"]' in instructions
    assert "ENV DATABASE_URL=sqlite+aiosqlite:////data/debates.db" in instructions
    health = next(line for line in instructions if line.startswith("HEALTHCHECK "))
    assert health.endswith('CMD ["python", "-m", "bot", "health"]')
    assert instructions[-1] == 'CMD ["python", "-m", "bot"]'


def test_the_build_context_leaves_out_secrets_databases_and_the_virtual_environment() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", "*.db", ".venv", ".git"} <= set(ignored)


def _locked(lock: str) -> dict[str, dict[Version, int]]:
    """The packages a lock file pins: canonical name → each version pinned (one per Python or platform, where they
    differ) → how many hashes it has."""
    pins: dict[str, dict[Version, int]] = {}
    name, version = "", Version("0")
    for line in (ROOT / "requirements" / lock).read_text(encoding="utf-8").splitlines():
        if pinned := re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", line):
            name, version = canonicalize_name(pinned[1]), Version(pinned[2])
            pins.setdefault(name, {})[version] = 0
        elif line.strip().startswith("--hash=sha256:"):
            pins[name][version] += 1
    return pins


def _required(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    return [requirement for requirement in map(Requirement, wanted) if requirement.name != project["name"]]


def _every_extra() -> tuple[str, ...]:
    """The extras the ``all`` extra names: what CI installs (a test below checks that it names each)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    [everything] = project["optional-dependencies"]["all"]
    return tuple(sorted(Requirement(everything).extras))


@pytest.mark.parametrize(("lock", "extras"), [("all.lock", _every_extra()), ("image.lock", ("postgres",))])
def test_each_lock_file_pins_every_requirement_within_its_range_with_hashes(lock: str, extras: tuple[str, ...]) -> None:
    """pyproject.toml keeps ranges; the lock files, exact versions. A requirement added or moved without
    `bash .ci/lock` fails here (and `pip install --require-hashes` would refuse what is not hashed)."""
    pins = _locked(lock)
    stale = [
        str(requirement)
        for requirement in _required(*extras)
        if not any(
            requirement.specifier.contains(version, prereleases=True)
            for version in pins.get(canonicalize_name(requirement.name), {})
        )
    ]
    assert stale == [], f"regenerate the lock files (bash .ci/lock): {lock} does not satisfy {stale}"
    assert all(all(versions.values()) for versions in pins.values())  # every pin hashed


def test_the_all_extra_names_every_extra_so_that_ci_installs_them() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert set(_every_extra()) == set(project["optional-dependencies"]) - {"all"}
