"""Outside programs some tests need. Each such test skips, naming what to install, when its program is missing;
no test installs anything or reaches the network (``.ci/run`` installs them all).

:data:`PROGRAMS` says, for each program, what in a test reaches it; :func:`reaching_tests` finds those tests, so that
``tests/test_programs.py`` can hide the program and check that each of them skips (or passes without it)."""

from __future__ import annotations

import ast
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).parent

ARGDOWN_CLI_VERSION = "1.7.5"
"""The Argdown parser ``.ci/run`` installs (keep the two in step)."""

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's dot is not on PATH (apt-get install graphviz / brew install graphviz)",
)


def argdown_cli() -> Path | None:
    """The Argdown command-line parser: ``$ARGDOWN_CLI`` if set, else ``argdown`` on PATH; ``None`` without Node."""
    if shutil.which("node") is None:
        return None
    found = os.environ.get("ARGDOWN_CLI") or shutil.which("argdown")
    return Path(found) if found and Path(found).is_file() else None


needs_argdown = pytest.mark.skipif(
    argdown_cli() is None,
    reason=f"the Argdown parser is not installed (Node.js, then npm install -g @argdown/cli@{ARGDOWN_CLI_VERSION}, "
    "or set ARGDOWN_CLI to its argdown executable)",
)


needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not on PATH (apt-get install systemd)",
)


@dataclass(frozen=True)
class Program:
    """An outside program, and how to tell a test that reaches it."""

    executables: tuple[str, ...]
    """The names hidden from PATH to take it away."""
    install: str
    """Part of the reason its tests give when they skip: what to install."""
    modules: tuple[str, ...]
    """Modules that run it: a test that uses a name imported from one of them reaches it."""
    words: re.Pattern[str]
    """Text that reaches it from a test's own code: its marker, a command or option that runs it."""


PROGRAMS = {
    "dot": Program(
        executables=("dot",),
        install="apt-get install graphviz",
        modules=("bot.core.exports.argmap", "bot.cli.demo"),
        words=re.compile(r"\bneeds_dot\b|debate map|['\"](?:png|svg)['\"]"),  # ast.unparse quotes with '…'
    ),
    "node": Program(
        executables=("node",),
        install=f"npm install -g @argdown/cli@{ARGDOWN_CLI_VERSION}",
        modules=(),
        words=re.compile(r"\bneeds_argdown\b|\bargdown_cli\b"),
    ),
    "systemd-analyze": Program(
        executables=("systemd-analyze",),
        install="apt-get install systemd",
        modules=(),
        words=re.compile(r"\bneeds_systemd_analyze\b"),
    ),
}


def reaching_tests(program: Program) -> list[str]:
    """The node ids of the test functions (every test file's) whose code reaches ``program``: the function itself,
    its decorators, and the module's functions it calls, transitively."""
    found: list[str] = []
    for path in sorted(TESTS.rglob("test_*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        source = path.relative_to(TESTS.parent).as_posix()
        reaching = _reaching_names(module, program)
        for name in _functions(module):
            if name.startswith("test_") and name in reaching:
                found.append(f"{source}::{name}")
    return found


def _functions(module: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {node.name: node for node in module.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def _reaching_names(module: ast.Module, program: Program) -> set[str]:
    """The module's functions that reach ``program``, directly or through another of its functions."""
    imported = {
        alias.asname or alias.name
        for node in module.body
        if isinstance(node, ast.ImportFrom) and node.module in program.modules
        for alias in node.names
    }
    functions = _functions(module)
    uses = {name: _names_in(function) for name, function in functions.items()}
    reaching = {
        name
        for name, function in functions.items()
        if uses[name] & imported or any(program.words.search(text) for text in _texts_in(function))
    }
    grown = True
    while grown:
        more = {name for name in functions if name not in reaching and uses[name] & reaching}
        reaching |= more
        grown = bool(more)
    return reaching


def _names_in(function: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(function) if isinstance(node, ast.Name)} | {
        node.attr for node in ast.walk(function) if isinstance(node, ast.Attribute)
    }


def _texts_in(function: ast.AST) -> list[str]:
    """The function's names and string literals (its decorators' included), as a test would spell them."""
    return [ast.unparse(node) for node in ast.walk(function) if isinstance(node, ast.Constant | ast.Name)]


def path_without(program: Program, shadows: Path) -> str:
    """``$PATH`` with each folder that holds one of the program's executables replaced by a folder of links to
    everything else in it."""
    folders = []
    for index, folder in enumerate(os.environ.get("PATH", "").split(os.pathsep)):
        if folder and any((Path(folder) / name).exists() for name in program.executables):
            shadow = shadows / str(index)
            shadow.mkdir(parents=True)
            for entry in Path(folder).iterdir():
                if entry.name not in program.executables:
                    (shadow / entry.name).symlink_to(entry)
            folder = str(shadow)
        folders.append(folder)
    return os.pathsep.join(folders)
