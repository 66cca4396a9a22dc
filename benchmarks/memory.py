"""Memory: the real bot's resident memory with 1,000 guilds and 100 open debates (target < 150 MB).

The sim (in this process) holds ``--guilds`` guilds, each with a text channel and ``--members`` members besides its
owner; the bot runs as ``python -m bot`` on a temporary SQLite file and receives them all as GUILD_CREATE at
IDENTIFY. Its VmRSS (``/proc/<pid>/status``) is read once it has processed every guild and settled, and again after
``--debates`` debates were started with ``/debate start``, spread evenly over the guilds.

    python -m benchmarks.memory [--guilds 1000] [--members 2] [--debates 100]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DEBATE_BOT,
    TOPIC,
    BotProcess,
    gather_limited,
    print_machine,
    print_table,
    sqlite_url,
    verdict,
    write_results,
)
from sim import DiscordSim, SimChannel, SimGuild, SimMember

TARGET_MIB = 150e6 / 2**20  # 150 MB = 143.1 MiB
SETTLE_S = 3.0  # longer than discord.py's guild_ready_timeout (2 s) after the last GUILD_CREATE


def build_world(sim: DiscordSim, guilds: int, members: int) -> list[tuple[SimGuild, SimChannel, list[SimMember]]]:
    """``guilds`` guilds, each with a text channel and ``members`` members (besides the owner)."""
    world = []
    for g in range(guilds):
        guild = sim.add_guild(f"Guild {g}")
        channel = sim.add_text_channel(guild, "debates")
        world.append((guild, channel, [sim.add_member(guild, f"g{g}-user{m}") for m in range(members)]))
    return world


async def start_debates(
    sim: DiscordSim, world: list[tuple[SimGuild, SimChannel, list[SimMember]]], count: int
) -> tuple[int, float]:
    """Start ``count`` debates spread evenly over the guilds (8 at a time); how many started, and the seconds taken."""
    step = max(1, len(world) // max(count, 1))
    chosen = [world[(i * step) % len(world)] for i in range(count)]
    started = time.perf_counter()
    results = await gather_limited(
        [sim.invoke(members[0], channel, "debate start", topic=f"{TOPIC} ({i})") for i, (_, channel, members) in
         enumerate(chosen)],
        8,
    )  # fmt: skip
    return sum("started" in result.text for result in results), time.perf_counter() - started


async def main_async(args: argparse.Namespace) -> None:
    print_machine()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        async with DiscordSim() as sim:
            began = time.perf_counter()
            world = build_world(sim, args.guilds, args.members)
            figures["sim_build_s"] = round(time.perf_counter() - began, 2)
            process = BotProcess(sim, DEBATE_BOT, sqlite_url(Path(tmp) / "debates.db"), Path(tmp), logging_rate=None)
            async with process:
                figures["sim_sent_all_guilds_s"] = round(process.ready_after, 2)
                # The gateway is ordered: an answer from the last guild means every GUILD_CREATE was processed.
                _, last_channel, last_members = world[-1]
                probe = await sim.invoke(last_members[0], last_channel, "debate summary")
                figures["first_answer_s"] = round(time.perf_counter() - process.started_at, 2)
                figures["probe_answer"] = probe.text[:100]
                await asyncio.sleep(SETTLE_S)
                figures["rss_after_ready_mib"] = round(process.rss_mib(), 1)
                figures["bot_cpu_s_to_ready"] = round(process.cpu_seconds(), 2)
                started, seconds = await start_debates(sim, world, args.debates)
                figures["debates_started"] = started
                figures["debates_s"] = round(seconds, 2)
                await asyncio.sleep(1.0)
                figures["rss_after_debates_mib"] = round(process.rss_mib(), 1)
                figures["peak_rss_mib"] = round(process.peak_rss_mib(), 1)
                figures["sim_rest_4xx"] = len(sim.errors)
            figures["bot_exit_status"] = process.returncode
    figures["sim_process_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["target_mib"] = TARGET_MIB
    met = figures["rss_after_debates_mib"] < TARGET_MIB and figures["debates_started"] == args.debates
    figures["target_met"] = met
    print_table(
        f"bot process memory, {args.guilds:,} guilds × (1 channel, {args.members + 1} members), {args.debates} debates",
        ["moment", "VmRSS MiB", "seconds"],
        [
            ["sim built its world", "", figures["sim_build_s"]],
            ["sim sent READY + every GUILD_CREATE", "", figures["sim_sent_all_guilds_s"]],
            ["bot answered in the last guild", "", figures["first_answer_s"]],
            [f"after ready (+{SETTLE_S:g} s settle)", figures["rss_after_ready_mib"], ""],
            [
                f"after {figures['debates_started']} × /debate start",
                figures["rss_after_debates_mib"],
                figures["debates_s"],
            ],
            ["peak (VmHWM)", figures["peak_rss_mib"], ""],
            ["(sim + users process peak)", figures["sim_process_peak_rss_mib"], ""],
        ],
    )
    print(
        f"\nbot after debates: {figures['rss_after_debates_mib']} MiB "
        f"(target < 150 MB = {TARGET_MIB:.1f} MiB): {verdict(met)}"
    )
    path = write_results("memory", vars(args), figures)
    print(f"\nresults: {path}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--guilds", type=int, default=1000, help="guilds in the sim (default 1000)")
    parser.add_argument("--members", type=int, default=2, help="members per guild besides the owner (default 2)")
    parser.add_argument("--debates", type=int, default=100, help="debates to start (default 100)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
