"""Without Graphviz or Node.js, the tests that need them skip and say what to install (a fresh machine's run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

NEEDING_PROGRAMS = (
    "tests/e2e/test_records.py::test_map_is_a_png_picture_and_an_svg",
    "tests/core/test_argmap.py::test_a_small_debate_is_one_picture_and_an_svg",
    "tests/core/test_exports.py::test_the_argdown_parser_accepts_the_export_of_tricky_text",
)


def test_without_dot_or_node_on_path_their_tests_skip_naming_what_to_install(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if key not in ("ARGDOWN_CLI", "TEST_DATABASE_URL")}
    environment["PATH"] = str(tmp_path)  # neither dot, nor node, nor argdown
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q", *NEEDING_PROGRAMS],
        cwd=Path(__file__).parents[1],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == len(NEEDING_PROGRAMS), result.stdout
    assert sum("apt-get install graphviz" in line for line in skipped) == 2, result.stdout
    assert sum("npm install -g @argdown/cli@" in line for line in skipped) == 1, result.stdout
