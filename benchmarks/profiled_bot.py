"""``python -m bot`` with its allocations traced (``tracemalloc``): on SIGUSR1 it writes the live memory by the line
that allocated it (the 25 largest, and the total) to ``memory-profile.txt`` in its working directory. Used by
``benchmarks.memory --profile`` to show where the bot's memory goes; tracing slows the bot and adds its own memory,
so the figures of a profiled run are not the benchmark's.

    python -m benchmarks.profiled_bot
"""

from __future__ import annotations

import runpy
import signal
import tracemalloc
from pathlib import Path
from types import FrameType

PROFILE_FILE = "memory-profile.txt"
TOP = 25


def write_profile(signum: int, frame: FrameType | None) -> None:
    """The live allocations grouped by the line that made them, largest first."""
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    stats = snapshot.statistics("lineno")
    total = sum(stat.size for stat in stats)
    lines = [f"traced live memory: {total / 2**20:.1f} MiB in {sum(s.count for s in stats):,} blocks"]
    lines += [f"{stat.size / 2**20:8.1f} MiB {stat.count:>10,} blocks  {stat.traceback[0]}" for stat in stats[:TOP]]
    partial = Path(PROFILE_FILE + ".part")
    partial.write_text("\n".join(lines) + "\n")
    partial.rename(PROFILE_FILE)  # whole, or not there yet, for the reader


if __name__ == "__main__":
    tracemalloc.start()
    signal.signal(signal.SIGUSR1, write_profile)
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
