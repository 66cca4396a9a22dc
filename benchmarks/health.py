"""Health: what one ``python -m bot health`` costs, the check a container runs every 30 s (target < 0.5 s and
< 60 MB max RSS, with warm bytecode).

Each command runs ``--runs`` times as its own process, after one untimed run that warms the bytecode cache, against a
database holding a fresh heartbeat (a temporary SQLite file, or the PostgreSQL database of ``--database``). Figures
per command: the median wall time, the median CPU (user + system) and the largest max RSS (``os.wait4``), and their
ratios to the interpreter doing nothing (``python -c pass``), measured in the same run. The other rows show what the
check would cost loading what the bot loads: the command line with discord.py, SQLAlchemy and pydantic-settings.

    python -m benchmarks.health [--runs 10] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import (
    REPO_ROOT,
    add_database_flag,
    describe_database,
    positive,
    postgres_url,
    print_machine,
    print_table,
    reset_postgres,
    sqlite_url,
    verdict,
    write_results,
)
from bot.db import Database
from bot.runtime.health import write_heartbeats

TARGET_SECONDS = 0.5
TARGET_MB = 60.0
COMMANDS = {
    "python -c pass (baseline)": ["-c", "pass"],
    "python -m bot health": ["-m", "bot", "health"],
    "health with the bot's command line loaded": [
        "-c",
        "import sys, bot.cli.main, bot.__main__; sys.exit(bot.__main__.main())",
        "health",
    ],
}


@dataclass(frozen=True, slots=True)
class Cost:
    """One command's median seconds and CPU seconds, and its largest max RSS in MB."""

    seconds: float
    cpu: float
    max_rss_mb: float


LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
elapsed = time.perf_counter() - started
print(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status))
"""
"""Runs the measured command and reports its wall time, CPU and max RSS: a small process of its own, since a child
forked from the benchmark would count the benchmark's memory, copied before ``exec``, in its max RSS."""


def run_once(arguments: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and max RSS (MB) of one process; it must exit 0 (healthy) or fail the benchmark."""
    report = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, *arguments],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if report[3] != "0":
        raise SystemExit(f"{' '.join(arguments)} exited {report[3]}")
    return float(report[0]), float(report[1]), float(report[2])


def cost_of(arguments: list[str], env: dict[str, str], cwd: Path, runs: int) -> Cost:
    run_once(arguments, env, cwd)  # warm the bytecode cache
    samples = [run_once(arguments, env, cwd) for _ in range(runs)]
    return Cost(
        seconds=statistics.median(sample[0] for sample in samples),
        cpu=statistics.median(sample[1] for sample in samples),
        max_rss_mb=max(sample[2] for sample in samples),
    )


async def prepare(url: str) -> None:
    """A migrated database whose shard 0 beat just now with its gateway connected."""
    db = Database(url)
    try:
        await db.upgrade()
        await db.transact(write_heartbeats, {0: True})
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=positive, default=10)
    add_database_flag(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = postgres_url(args.database) if args.database else sqlite_url(Path(folder) / "debates.db")
        if args.database:
            asyncio.run(reset_postgres(url))
        asyncio.run(prepare(url))
        env = {**os.environ, "DATABASE_URL": url, "HEARTBEAT_SECONDS": "3600", "PYTHONPATH": str(REPO_ROOT)}
        env.pop("SHARD_ID", None)
        costs = {name: cost_of(arguments, env, Path(folder), args.runs) for name, arguments in COMMANDS.items()}
    baseline = costs["python -c pass (baseline)"]
    print_machine()
    print(f"database: {describe_database(args.database)} · {args.runs} runs each after a warm-up")
    rows = [
        [
            name,
            f"{cost.seconds:.3f}",
            f"{cost.seconds / baseline.seconds:.1f}×",
            f"{cost.cpu:.3f}",
            f"{cost.max_rss_mb:.1f}",
            f"{cost.max_rss_mb / baseline.max_rss_mb:.1f}×",
        ]
        for name, cost in costs.items()
    ]
    print_table("health", ["command", "median s", "× baseline", "CPU s", "max RSS MB", "× baseline"], rows)
    check = costs["python -m bot health"]
    met = check.seconds < TARGET_SECONDS and check.max_rss_mb < TARGET_MB
    print(f"target < {TARGET_SECONDS} s and < {TARGET_MB:.0f} MB: {verdict(met)}")
    settings = {"runs": args.runs, "database": describe_database(args.database)}
    figures = {name: cost_fields(cost) for name, cost in costs.items()}
    print(f"results: {write_results('health', settings, figures)}")


def cost_fields(cost: Cost) -> dict[str, float]:
    """A cost as the result file keeps it."""
    return {"seconds": cost.seconds, "cpu_seconds": cost.cpu, "max_rss_mb": cost.max_rss_mb}


if __name__ == "__main__":
    main()
