"""``python -m bot`` without discord.py's 5 s wait before each IDENTIFY but the first (``Client.before_identify_hook``):
the start of a process serving several shards as it would be if discord.py honoured a ``max_concurrency`` of the
shard count (it does not read it; see docs/scaling.md). Used by ``benchmarks.ready`` as the unspaced run.

    python -m benchmarks.unspaced_bot
"""

from __future__ import annotations

import runpy

import discord


async def identify_at_once(self: discord.Client, shard_id: int | None, *, initial: bool = False) -> None:
    """No wait: every shard identifies as soon as it has connected."""


if __name__ == "__main__":
    discord.Client.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
