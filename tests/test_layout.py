"""Imports point one way: the core never loads Discord, the cogs, the simulator or the runtime; the running bot never
loads the simulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
OWN = ("bot", "cogs", "schema", "sim", "migrations")


def loaded_after_importing(modules: list[str]) -> set[str]:
    """The packages and modules loaded by a fresh interpreter after importing ``modules``, each with its parents."""
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as missing:  # an optional extra not installed\n"
        f"        assert missing.name.split('.')[0] not in {OWN!r}, missing\n"
        "print('\\n'.join(sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return set(result.stdout.split())


def modules_of(package: str) -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / package).rglob("*.py")
    )


def test_a_running_bot_never_loads_the_simulator() -> None:
    runtime = [name for name in modules_of("bot") if name not in ("bot.cli.demo", "bot.local")]
    loaded = loaded_after_importing([*runtime, *modules_of("cogs")])
    assert "discord" in loaded  # the check would see an import
    assert not {"sim", "bot.sim"} & loaded


@pytest.mark.parametrize("forbidden", ["discord", "cogs", "sim", "bot.runtime", "bot.cli", "bot.db", "bot.client"])
def test_the_core_never_loads_discord_cogs_the_simulator_or_the_runtime(forbidden: str) -> None:
    assert forbidden not in loaded_after_importing([*modules_of("bot/core"), *modules_of("schema")])
