"""A mix of commands offered on a schedule (open loop) to shard processes of the real bot on one PostgreSQL
database, with many servers (issue 32: 2,500 servers over 3 processes at 50 commands/s, target p95 < 500 ms).

The database's ``public`` schema is emptied and migrated; the sim holds ``--guilds`` guilds of the shape of
``benchmarks.fleet`` (by default 5 channels and 50 members a guild, a debate in one of 10 with 20 claims and 5
cruxes, filled through the bot before the measurement); a bot process per shard (``SHARD_ID``, ``SHARD_COUNT``, as
an operator runs them) serves its guilds. Then commands are sent on a fixed schedule whether or not earlier ones
were answered — claims, credences, summaries and crux lists in the shares of ``MIX``, each in a debate and by a
member drawn at random (seeded) — first at a tenth of ``--rate`` (the baseline, in the same run), then at
``--rate``. An answer's time runs from the moment it was scheduled to the moment the user sees it. Each process's
CPU is printed (every bot, the sim, PostgreSQL, the rest of the machine), and the bottleneck named.

    python -m benchmarks.mix --database postgresql://user@host/name [--guilds 2500] [--shards 3] [--rate 50]
                             [--duration 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DEBATE_BOT,
    READY_TIMEOUT,
    BotProcess,
    CpuMeter,
    Latency,
    Outcome,
    Tally,
    add_database_flag,
    claim_text,
    describe_database,
    percentile,
    print_machine,
    print_table,
    run_benchmark,
    verdict,
    write_results,
)
from benchmarks.fleet import Debate, add_shape_flags, build_world, describe_shape, fill_debates
from benchmarks.shards import migrate
from sim import DiscordSim, SimChannel, SimMember

TARGET_P95_MS = 500.0
BASELINE_SHARE = 0.1  # the baseline leg is offered this share of --rate
WARMUP_S = 2.0
SEED = 32


@dataclass(frozen=True)
class Command:
    """One command of the mix: its name, its options, and how its answer starts when it worked."""

    name: str
    options: dict[str, object]
    answer_starts: str


def draw_command(rng: random.Random, n: int, cruxes: int) -> Command:
    """A command in the shares of the mix: 40 % claims, 30 % credences, 15 % summaries, 15 % crux lists."""
    roll = rng.random()
    if roll < 0.40:
        return Command("claim", {"text": claim_text(n, n), "side": rng.choice(["for", "against"])}, "Claim #")
    if roll < 0.70 and cruxes:
        return Command("crux credence", {"crux": rng.randint(1, cruxes), "value": rng.randint(1, 99)}, "<@")
    if roll < 0.85:
        return Command("debate summary", {}, "**Debate #")
    return Command("crux list", {}, "Cruxes")


MIX = "40 % /claim, 30 % /crux credence, 15 % /debate summary, 15 % /crux list"


async def send_one(sim: DiscordSim, member: SimMember, thread: SimChannel, command: Command) -> tuple[Outcome, str]:
    """Run ``command``; OK when its answer starts as a working one does (crux lists answer privately)."""
    try:
        result = await sim.invoke(member, thread, command.name, **command.options)
    except AssertionError as error:  # the sim's "no user-visible answer within answer_timeout"
        return Outcome.TIMEOUT, str(error)
    return (Outcome.OK if result.text.startswith(command.answer_starts) else Outcome.ERROR), result.text


async def open_loop(
    sim: DiscordSim, debates: list[Debate], rate: float, duration: float, cruxes: int, rng: random.Random
) -> tuple[Tally, dict[str, Tally]]:
    """Send ``rate × duration`` commands of the mix on schedule; the tally of all and of each command."""
    loop = asyncio.get_running_loop()
    tally: Tally = Tally()
    by_command: dict[str, Tally] = {}
    start = loop.time() + 0.1

    async def send(due: float, debate: Debate, member: SimMember, command: Command) -> None:
        outcome, text = await send_one(sim, member, debate.thread, command)
        for record in (tally, by_command.setdefault(command.name, Tally())):
            record.record(outcome, loop.time() - due, text)

    tasks = []
    for i in range(round(rate * duration)):
        due = start + i / rate
        debate = rng.choice(debates)
        member, command = rng.choice(debate.server.members), draw_command(rng, i, cruxes)
        await asyncio.sleep(max(0.0, due - loop.time()))
        tasks.append(asyncio.create_task(send(due, debate, member, command)))
    await asyncio.gather(*tasks)
    return tally, by_command


def latency_figures(tally: Tally) -> dict[str, Any]:
    """p50, p95, p99 and max of the OK answers, and the outcomes."""
    ms = [s * 1000 for s in tally.latencies]
    return Latency.of(tally.latencies).as_dict() | {"p95_ms": round(percentile(ms, 95), 2), "outcomes": tally.counts()}


async def measure_leg(
    sim: DiscordSim, processes: list[BotProcess], debates: list[Debate], rate: float, args: argparse.Namespace
) -> dict[str, Any]:
    """A warm-up, then ``args.duration`` seconds at ``rate`` under the CPU meter."""
    rng = random.Random(f"{SEED}-{rate}")
    await open_loop(sim, debates, rate, WARMUP_S, args.cruxes, rng)
    meter = CpuMeter(*processes, postgres=True)
    meter.start()
    tally, by_command = await open_loop(sim, debates, rate, args.duration, args.cruxes, rng)
    meter.stop()
    return {
        "rate": rate,
        "all": latency_figures(tally),
        "by_command": {name: latency_figures(t) for name, t in sorted(by_command.items())},
        "non_ok_samples": {k.value: v for k, v in tally.samples.items()},
        "cpu": meter.as_dict(),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate, build the world, start the shard processes, fill the debates, then the two legs."""
    await migrate(args.database)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-mix-") as tmp:
        async with DiscordSim(lean=True, shard_count=args.shards) as sim, contextlib.AsyncExitStack() as stack:
            world = build_world(sim, args)
            processes = [
                BotProcess(sim, DEBATE_BOT, args.database, Path(tmp),
                           settings={"SHARD_ID": str(shard), "SHARD_COUNT": str(args.shards)})
                for shard in range(args.shards)
            ]  # fmt: skip
            began = time.perf_counter()
            for process in processes:
                await stack.enter_async_context(process)
            everyone = set(range(args.shards))
            await sim.wait_for(lambda: sim.ready_shards == everyone, READY_TIMEOUT, "every shard ready")
            figures["ready_s"] = round(time.perf_counter() - began, 2)
            debates, seconds = await fill_debates(sim, world, args)
            figures |= {"debates_filled": len(debates), "fill_s": round(seconds, 2)}
            print(f"  {len(debates)} debates filled in {seconds:.1f} s", flush=True)
            legs = {}
            for rate in (round(args.rate * BASELINE_SHARE, 1), args.rate):
                print(f"  offering {rate:g} commands/s for {args.duration:g} s …", flush=True)
                legs[f"{rate:g}/s"] = await measure_leg(sim, processes, debates, rate, args)
            figures["legs"] = legs
            figures["rss_mib"] = [round(process.rss_mib(), 1) for process in processes]
            figures["sim_rest_4xx"] = len(sim.errors)
        figures["exit_status"] = [process.returncode for process in processes]
        figures["stderr_tails"] = [process.stderr_tail(5) for process in processes]
    return figures


def report(figures: dict[str, Any], args: argparse.Namespace) -> None:
    """The table of each leg and command, the CPU split, the bottleneck and the verdict."""
    rows = []
    for leg, result in figures["legs"].items():
        for name, lat in [("all", result["all"]), *result["by_command"].items()]:
            outcomes = lat["outcomes"]
            rows.append([leg, name, outcomes["ok"], outcomes["error"] + outcomes["timeout"], f"{lat['p50_ms']:.0f}",
                         f"{lat['p95_ms']:.0f}", f"{lat['p99_ms']:.0f}", f"{lat['max_ms']:.0f}"])  # fmt: skip
    print_table(
        f"{MIX}, open loop, {args.shards} shard processes on PostgreSQL, {describe_shape(args)}",
        ["offered", "command", "ok", "errors+timeouts", "p50 ms", "p95 ms", "p99 ms", "max ms"],
        rows,
    )
    print_table(
        "CPU over each measured window, in cores (postgres = every process of the PostgreSQL server)",
        ["offered", "bot processes", "sim", "postgres", "other", "bottleneck"],
        [[leg, " + ".join(f"{s:.2f}" for s in r["cpu"]["bot_processes_cores"]), r["cpu"]["sim_process_cores"],
          r["cpu"]["postgres_cores"], r["cpu"]["other_processes_cores"], r["cpu"]["bottleneck"]]
         for leg, r in figures["legs"].items()],
    )  # fmt: skip
    base, full = (figures["legs"][leg]["all"] for leg in figures["legs"])
    if base["p95_ms"] > 0:
        print(f"\np95 at the full rate is ×{full['p95_ms'] / base['p95_ms']:.2f} the baseline's (a tenth of the rate)")
    answered = full["outcomes"]["ok"] == sum(full["outcomes"].values())
    met = full["p95_ms"] < TARGET_P95_MS and answered
    figures |= {"target_p95_ms": TARGET_P95_MS, "target_met": met}
    print(f"p95 {full['p95_ms']:.0f} ms at {args.rate:g}/s (target < {TARGET_P95_MS:g} ms, every command answered): "
          f"{verdict(met)}")  # fmt: skip
    if not answered:
        print(f"not OK, e.g.: {figures['legs'][list(figures['legs'])[-1]]['non_ok_samples']}")


async def main_async(args: argparse.Namespace) -> None:
    print_machine()
    print(f"database: {describe_database(args.database)}")
    figures = await run(args)
    report(figures, args)
    path = write_results("mix", {**vars(args), "database": describe_database(args.database)}, figures)
    print(f"\nresults: {path}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mix", description=__doc__.split("\n\n")[0])
    add_database_flag(parser)
    add_shape_flags(parser, guilds=2500)
    parser.add_argument("--shards", type=int, default=3, help="shard processes, one shard each (default 3)")
    parser.add_argument("--rate", type=float, default=50.0, help="commands offered per second (default 50)")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per leg (default 20)")
    args = parser.parse_args(argv)
    if not args.database:
        parser.error("--database is required: shard processes share one PostgreSQL database")
    if not args.debate_every:
        parser.error("--debate-every 0 leaves no debate to send commands in")
    return args


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    run_benchmark(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
