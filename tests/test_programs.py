"""Without Graphviz or Node.js, the tests that need them skip and say what to install (a fresh machine's run): each
outside program is hidden in turn, and every test that reaches it (``tests/programs.py`` finds them) is run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.programs import PROGRAMS, path_without, reaching_tests


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_without_each_outside_program_the_tests_that_reach_it_skip_naming_what_to_install(
    name: str, tmp_path: Path
) -> None:
    program = PROGRAMS[name]
    reaching = reaching_tests(program)
    assert reaching, f"no test reaches {name}: the check would run the whole suite"
    environment = {key: value for key, value in os.environ.items() if key != "TEST_DATABASE_URL"}
    environment["PATH"] = path_without(program, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q", *reaching],
        cwd=Path(__file__).parents[1],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr  # none fails for want of the program
    skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert any(program.install in line for line in skipped), result.stdout
