"""Memory: the real bot's resident memory with many guilds and open debates (target < 150 MB with one shard at
1,000 guilds; < 300 MB for 10,000 guilds over 4 shards in one process, issue 32).

The sim (in this process) holds ``--guilds`` guilds of the shape of ``benchmarks.fleet`` (by default 5 text
channels and 50 members a guild besides its owner); the bot runs as ``python -m bot`` on a temporary SQLite file,
serving ``--shards`` shards in one process (``SHARD_IDS``, ``SHARD_COUNT``), and receives every guild as
GUILD_CREATE at IDENTIFY. Its VmRSS (``/proc/<pid>/status``) is read once it has processed every guild and settled,
and again after a debate was started in one guild of ``--debate-every`` with ``--claims`` claims and ``--cruxes``
cruxes each.

    python -m benchmarks.memory [--guilds 1000] [--shards 1] [--channels 5] [--members 50] [--debate-every 10]
                                [--claims 20] [--cruxes 5]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DEBATE_BOT,
    READY_TIMEOUT,
    BotProcess,
    print_machine,
    print_table,
    run_benchmark,
    sqlite_url,
    verdict,
    write_results,
)
from benchmarks.fleet import (
    Server,
    add_shape_flags,
    build_world,
    describe_shape,
    fill_debates,
    last_server_per_shard,
    shard_settings,
)
from benchmarks.profiled_bot import PROFILE_FILE
from sim import DiscordSim

SETTLE_S = 3.0  # longer than discord.py's guild_ready_timeout (2 s) after the last GUILD_CREATE


PROFILED_BOT = ("-m", "benchmarks.profiled_bot")
PROFILE_WAIT_S = 30.0
PROFILE_POLL_S = 0.5


async def profile(process: BotProcess) -> str:
    """Ask the profiled bot for its live memory by allocating line (SIGUSR1); the text it writes."""
    written = process.workdir / PROFILE_FILE
    assert process.process is not None, "not started"
    process.process.send_signal(signal.SIGUSR1)
    for _ in range(int(PROFILE_WAIT_S / PROFILE_POLL_S)):
        if written.exists():
            break
        await asyncio.sleep(PROFILE_POLL_S)
    return written.read_text() if written.exists() else "(no profile written)"


def target_mib(shards: int) -> float:
    """150 MB for one shard (the first memory target), 300 MB for several in one process (issue 32), in MiB."""
    return (150e6 if shards <= 1 else 300e6) / 2**20


async def probe_every_shard(sim: DiscordSim, world: list[Server], shards: int) -> list[str]:
    """A command in the last guild each shard is sent: answered once the bot has handled all its guilds."""
    last = last_server_per_shard(world, shards)
    answers = await asyncio.gather(*(sim.invoke(s.members[0], s.channel, "debate summary") for s in last))
    return [answer.text[:100] for answer in answers]


async def main_async(args: argparse.Namespace) -> None:
    print_machine()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        async with DiscordSim(shard_count=args.shards) as sim:
            began = time.perf_counter()
            world = build_world(sim, args)
            figures["sim_build_s"] = round(time.perf_counter() - began, 2)
            process = BotProcess(
                sim,
                PROFILED_BOT if args.profile else DEBATE_BOT,
                sqlite_url(Path(tmp) / "debates.db"),
                Path(tmp),
                logging_rate=None,
                settings=shard_settings(args.shards),
            )
            async with process:
                await sim.wait_for(lambda: sim.ready_shards == set(range(args.shards)), READY_TIMEOUT, "all shards")
                figures["sim_sent_all_guilds_s"] = round(time.perf_counter() - process.started_at, 2)
                if args.profile:  # traced, the bot handles the guilds slower than the sim's 5 s answer deadline
                    await asyncio.sleep(PROFILE_WAIT_S)
                figures["probe_answers"] = await probe_every_shard(sim, world, args.shards)
                figures["first_answer_s"] = round(time.perf_counter() - process.started_at, 2)
                await asyncio.sleep(SETTLE_S)
                figures["rss_after_ready_mib"] = round(process.rss_mib(), 1)
                figures["bot_cpu_s_to_ready"] = round(process.cpu_seconds(), 2)
                cpu_before = process.cpu_seconds()
                debates, seconds = await fill_debates(sim, world, args)
                figures["debates_started"] = len(debates)
                figures["debates_s"] = round(seconds, 2)
                figures["bot_cpu_s_filling"] = round(process.cpu_seconds() - cpu_before, 2)
                await asyncio.sleep(1.0)
                figures["rss_after_debates_mib"] = round(process.rss_mib(), 1)
                figures["peak_rss_mib"] = round(process.peak_rss_mib(), 1)
                figures["sim_rest_4xx"] = len(sim.errors)
                if args.profile:
                    figures["profile"] = await profile(process)
            figures["bot_exit_status"] = process.returncode
    figures["sim_process_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report(figures, args)
    path = write_results("memory" if args.shards <= 1 else f"memory-{args.shards}shards-{args.guilds}", vars(args),
                         figures)  # fmt: skip
    print(f"\nresults: {path}")


def report(figures: dict[str, Any], args: argparse.Namespace) -> None:
    """Print the table, the bottleneck of filling the debates and the verdict; the target's figures into
    ``figures``."""
    target = target_mib(args.shards)
    expected = len(range(0, args.guilds, args.debate_every)) if args.debate_every else 0
    met = figures["rss_after_debates_mib"] < target and figures["debates_started"] == expected
    figures |= {"target_mib": round(target, 1), "target_met": met}
    debates_row = f"after {figures['debates_started']} debates filled"
    print_table(
        f"bot process memory, {args.shards} shard(s) in one process, {describe_shape(args)}",
        ["moment", "VmRSS MiB", "seconds", "bot CPU s"],
        [
            ["sim built its world", "", figures["sim_build_s"], ""],
            ["sim sent READY + every GUILD_CREATE on every shard", "", figures["sim_sent_all_guilds_s"], ""],
            ["bot answered in the last guild of every shard", "", figures["first_answer_s"], ""],
            [f"after ready (+{SETTLE_S:g} s)", figures["rss_after_ready_mib"], "", figures["bot_cpu_s_to_ready"]],
            [debates_row, figures["rss_after_debates_mib"], figures["debates_s"], figures["bot_cpu_s_filling"]],
            ["peak (VmHWM)", figures["peak_rss_mib"], "", ""],
            ["(sim + users process peak)", figures["sim_process_peak_rss_mib"], "", ""],
        ],
    )  # fmt: skip
    if args.profile:
        print(f"\nprofile (tracemalloc, live memory by allocating line; tracing adds its own):\n{figures['profile']}")
    per_server = figures["rss_after_debates_mib"] * 1024 / max(args.guilds, 1)
    print(f"\n{per_server:.1f} KiB of the bot's memory per guild (all of it, the interpreter's base included)")
    print(
        f"bot after debates: {figures['rss_after_debates_mib']} MiB (target < {target * 2**20 / 1e6:.0f} MB = "
        f"{target:.1f} MiB, every debate filled): {verdict(met)}"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__.split("\n\n")[0])
    add_shape_flags(parser, guilds=1000)
    parser.add_argument("--shards", type=int, default=1, help="shards served by the one bot process (default 1)")
    parser.add_argument(
        "--profile", action="store_true", help="trace the bot's allocations and print where its memory is (slower)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    run_benchmark(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
