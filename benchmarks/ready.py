"""Start to READY: from starting one bot process serving several shards (``SHARD_IDS``, ``SHARD_COUNT``) until
every shard is ready and the bot has handled every guild, with discord.py's 5 s between IDENTIFYs and without.

Each run has a fresh sim of ``--guilds`` guilds of the shape of ``benchmarks.fleet`` (no debates) and a fresh
SQLite file. *Spaced* is ``python -m bot`` as an operator runs it: discord.py's ``AutoShardedClient`` launches the
shards one after the other and ``Client.before_identify_hook`` sleeps 5 s before each IDENTIFY but the first (it
does not read ``max_concurrency``). *Unspaced* is ``benchmarks.unspaced_bot``, the same bot with that hook a no-op:
what a ``max_concurrency`` of the shard count would allow. Three moments are timed from the process's start: the
sim has sent READY and every GUILD_CREATE on every shard; the bot has answered a command in the last guild of every
shard (the gateway is ordered per shard, so every guild was handled); and the bot's CPU seconds until then.

    python -m benchmarks.ready [--guilds 10000] [--shards 4] [--channels 5] [--members 50]
"""

from __future__ import annotations

import argparse
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
    write_results,
)
from benchmarks.fleet import add_shape_flags, build_world, describe_shape, shard_settings
from benchmarks.memory import probe_every_shard
from sim import DiscordSim

#: The bots compared: as run by an operator, and without discord.py's spacing of IDENTIFYs.
BOTS = {"spaced (discord.py, 5 s)": DEBATE_BOT, "unspaced": ("-m", "benchmarks.unspaced_bot")}
IDENTIFY_SPACING_S = 5.0


async def measure(module: tuple[str, ...], args: argparse.Namespace) -> dict[str, Any]:
    """One start of ``module`` against a fresh sim; the three moments, in seconds from the process's start."""
    with tempfile.TemporaryDirectory(prefix="bench-ready-") as tmp:
        async with DiscordSim(shard_count=args.shards) as sim:
            world = build_world(sim, args)
            settings = shard_settings(args.shards)
            process = BotProcess(sim, module, sqlite_url(Path(tmp) / "d.db"), Path(tmp), settings=settings)
            async with process:
                everyone = set(range(args.shards))
                await sim.wait_for(lambda: sim.ready_shards == everyone, READY_TIMEOUT, "every shard ready")
                sent = time.perf_counter() - process.started_at
                answers = await probe_every_shard(sim, world, args.shards)
                handled = time.perf_counter() - process.started_at
                cpu = process.cpu_seconds()
                rss = process.rss_mib()
    return {
        "sim_sent_every_shard_s": round(sent, 2),
        "bot_handled_every_guild_s": round(handled, 2),
        "bot_cpu_s": round(cpu, 2),
        "bot_cpu_share_of_wall": round(cpu / handled, 2),
        "rss_mib": round(rss, 1),
        "probe_answers": answers,
    }


def report(runs: dict[str, dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    """Print the table, the spacing's cost against its prediction, and what bounds the unspaced start."""
    print_table(
        f"start to READY, one process over {args.shards} shards, {describe_shape(args)}",
        ["bot", "sim sent every shard s", "bot handled every guild s", "bot CPU s", "CPU / wall", "VmRSS MiB"],
        [[name, r["sim_sent_every_shard_s"], r["bot_handled_every_guild_s"], r["bot_cpu_s"],
          r["bot_cpu_share_of_wall"], r["rss_mib"]] for name, r in runs.items()],
    )  # fmt: skip
    spaced, unspaced = (runs[name]["bot_handled_every_guild_s"] for name in BOTS)
    predicted = (args.shards - 1) * IDENTIFY_SPACING_S
    cost = spaced - unspaced
    gaps = f"{args.shards - 1} × {IDENTIFY_SPACING_S:g} s"
    print(f"\nthe spacing costs {cost:.1f} s (predicted: {gaps} = {predicted:g} s)")
    share = runs["unspaced"]["bot_cpu_share_of_wall"]
    bound = "the bot's CPU (one core)" if share >= 0.9 else "waiting (the sim, the start-up's fixed steps)"
    print(f"bottleneck of the unspaced start: {bound} — the bot used {share:.2f} of a core from start to READY")
    return {"spacing_cost_s": round(cost, 2), "spacing_predicted_s": predicted}


async def main_async(args: argparse.Namespace) -> None:
    print_machine()
    runs = {}
    for name, module in BOTS.items():
        print(f"starting the {name} bot …", flush=True)
        runs[name] = await measure(module, args)
    figures = report(runs, args) | {"runs": runs}
    path = write_results("ready", vars(args), figures)
    print(f"\nresults: {path}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ready", description=__doc__.split("\n\n")[0])
    add_shape_flags(parser, guilds=10_000)  # --debate-every and the like are ignored
    parser.add_argument("--shards", type=int, default=4, help="shards served by the one bot process (default 4)")
    args = parser.parse_args(argv)
    args.debate_every = 0  # the start is measured before any debate
    return args


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    run_benchmark(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
