"""The container files, checked without a Docker daemon: what compose.yaml and the Dockerfile must contain.
(``.ci/run`` also lints the Dockerfile with hadolint.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

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
    for service in (migrate, bot):
        assert service["build"] == "."
        assert service["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://debates:")
        assert service["environment"]["DATABASE_URL"].endswith("@postgres:5432/debates")
    assert bot["env_file"] == ".env" and bot["restart"] == "unless-stopped"
    assert "postgres-data" in _compose()["volumes"]


def test_the_image_is_slim_runs_as_a_user_keeps_data_in_a_volume_and_checks_health() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [line for line in dockerfile.splitlines() if line and not line.startswith(("#", " "))]
    assert re.fullmatch(r"FROM python:3\.1[1-9]-slim\S*", instructions[0])
    assert "apt-get install -y --no-install-recommends graphviz" in dockerfile
    user = next(line for line in instructions if line.startswith("USER "))
    assert user.split()[1].split(":")[0] not in ("0", "root")
    assert 'VOLUME ["/data"]' in instructions
    assert "ENV DATABASE_URL=sqlite+aiosqlite:////data/debates.db" in instructions
    health = next(line for line in instructions if line.startswith("HEALTHCHECK "))
    assert health.endswith('CMD ["debate-bot", "health"]')
    assert instructions[-1] == 'CMD ["debate-bot"]'


def test_the_build_context_leaves_out_secrets_databases_and_the_virtual_environment() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", "*.db", ".venv", ".git"} <= set(ignored)
