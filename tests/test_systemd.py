"""The README's systemd unit, as an operator copies it: ``systemd-analyze verify`` finds nothing wrong with it, and
``systemd-analyze security`` rates its exposure at most 3.0 ("OK"), with the database's folder made by systemd and
every file in it private. Checked offline: no systemd needs to be running (none runs as PID 1 here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.programs import needs_systemd_analyze

ROOT = Path(__file__).parents[1]
UNIT = "crux-debate-bot.service"
EXPOSURE_AT_MOST = 3.0


def readme_unit() -> str:
    """The ``ini`` block of the README's Deployment section: the unit to copy."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    deployment = readme[readme.index("## Deployment") :]
    found = re.search(r"```ini\n(.*?)```", deployment, re.DOTALL)
    assert found is not None, "the README's Deployment section has no systemd unit"
    return found[1]


def settings(unit: str) -> dict[str, list[str]]:
    """Each key of the unit, with every value it is given."""
    values: dict[str, list[str]] = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def test_the_unit_keeps_the_database_private_in_a_folder_systemd_makes() -> None:
    unit = settings(readme_unit())
    assert unit["UMask"] == ["0077"] and unit["StateDirectory"] == ["crux-debate-bot"]
    assert unit["CapabilityBoundingSet"] == [""]
    assert unit["RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6"]
    assert "@system-service" in unit["SystemCallFilter"]
    assert "ReadWritePaths" not in unit  # StateDirectory= makes the one writable folder


def _written(tmp_path: Path) -> Path:
    """The unit in a file of its name, its ExecStart pointed at this Python (``verify`` checks that it exists)."""
    unit = re.sub(r"^ExecStart=.*$", f"ExecStart={sys.executable} -m bot", readme_unit(), flags=re.MULTILINE)
    path = tmp_path / UNIT
    path.write_text(unit, encoding="utf-8")
    return path


@needs_systemd_analyze
def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", str(_written(tmp_path))], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert UNIT not in result.stderr, result.stderr  # no warning about this unit


@needs_systemd_analyze
def test_systemd_analyze_security_rates_the_unit_at_most_3(tmp_path: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(_written(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(rf"Overall exposure level for {re.escape(UNIT)}: (\d+\.\d+)", result.stdout)
    assert found is not None, result.stdout + result.stderr
    assert float(found[1]) <= EXPOSURE_AT_MOST, result.stdout
