"""Scale-out: claims per second with 1, 2 and 4 shard processes of the real bot on one PostgreSQL database.

For each shard count the database's ``public`` schema is emptied and migrated, the sim (lean) starts with that
many shards and one guild per shard, the debates (4 by default, whatever the shard count) are spread evenly over
the guilds with an equal share of the users each, and a bot process per shard (``SHARD_ID``, ``SHARD_COUNT``, as an
operator runs them) serves its guild. The users send ``/claim`` in a closed loop, as in ``benchmarks.throughput``.
Each process's CPU use is printed (the bots, the sim, the PostgreSQL server, the rest of the machine), and
afterwards every acknowledged claim must be stored.

    python -m benchmarks.shards --database postgresql://user@host/name [--shards 1,2,4] [--duration 6]
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from benchmarks.common import (
    DEBATE_BOT,
    READY_TIMEOUT,
    BotProcess,
    CpuMeter,
    Outcome,
    add_database_flag,
    add_logging_rate_flag,
    add_members,
    add_similar_records_flag,
    describe_database,
    logging_rate_setting,
    print_machine,
    print_table,
    reset_postgres,
    run_benchmark,
    similar_records_settings,
    start_debate,
    verdict,
    write_results,
)
from benchmarks.throughput import Place, Run, closed_loop
from bot.db import Database
from schema import Claim
from sim import DiscordSim, SimGuild


def guild_per_shard(sim: DiscordSim, shards: int) -> list[SimGuild]:
    """One guild served by each shard (Discord's rule: shard ``(guild_id >> 22) % shards``, the creation millisecond
    of the id), in shard order."""
    found: dict[int, SimGuild] = {}
    for attempt in range(10_000):
        guild = sim.add_guild(f"Benchmark {attempt}")
        found.setdefault((guild.id >> 22) % shards, guild)
        if len(found) == shards:
            return [found[shard] for shard in range(shards)]
    raise RuntimeError(f"could not make a guild for each of {shards} shards")


async def count_claims(url: str) -> int:
    """Rows in the claim table."""
    db = Database(url)
    try:
        async with db.read() as session:
            return int((await session.execute(select(func.count(col(Claim.id))))).scalar_one())
    finally:
        await db.dispose()


async def migrate(url: str) -> None:
    """An empty, migrated database (before the bots start, so they do not race to migrate it)."""
    await reset_postgres(url)
    db = Database(url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()


async def measure(shards: int, args: argparse.Namespace) -> Run:
    """``shards`` bot processes under the closed loop; the run with every process's CPU use."""
    await migrate(args.database)
    run = Run(bot=f"{shards} shard{'s' if shards > 1 else ''}", duration=args.duration)
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
        async with DiscordSim(lean=True, shard_count=shards) as sim, contextlib.AsyncExitStack() as stack:
            guilds = guild_per_shard(sim, shards)
            debates = max(args.debates, shards)
            homes = [guilds[i % shards] for i in range(debates)]
            channels = [sim.add_text_channel(guild, f"debates-{i}") for i, guild in enumerate(homes)]
            per_debate = max(1, args.users // debates)
            members = [add_members(sim, guild, per_debate, prefix=f"d{i}u") for i, guild in enumerate(homes)]
            processes = [
                BotProcess(
                    sim,
                    DEBATE_BOT,
                    args.database,
                    Path(tmp),
                    logging_rate=logging_rate_setting(args.logging_rate),
                    settings={"SHARD_ID": str(shard), "SHARD_COUNT": str(shards)} | similar_records_settings(args),
                )
                for shard in range(shards)
            ]
            for process in processes:
                await stack.enter_async_context(process)
            await sim.wait_for(lambda: sim.ready_shards == set(range(shards)), READY_TIMEOUT, "every shard ready")
            threads = [await start_debate(sim, c, m) for c, m in zip(channels, members, strict=True)]
            places: list[Place] = list(zip(members, threads, strict=True))
            meter = CpuMeter(*processes, postgres=True)
            await closed_loop(sim, places, run, args.warmup, meter)
            run.cpu = meter.as_dict()
            if sim.errors:
                print(f"  the sim answered {len(sim.errors)} REST calls with 4xx, e.g. {sim.errors[0]}")
        for process in processes:
            if process.returncode:
                print(f"  shard {process.settings['SHARD_ID']} exited {process.returncode}:\n{process.stderr_tail()}")
    run.stored = await count_claims(args.database)
    return run


def report(runs: list[Run], args: argparse.Namespace) -> dict[str, Any]:
    """Print the table and return the figures for the results file."""
    rows = []
    for run in runs:
        cpu = run.cpu
        rows.append(
            [
                run.bot,
                f"{run.rate:.1f}",
                f"{run.latency.p50_ms:.1f}",
                f"{run.latency.p99_ms:.1f}",
                run.window.outcomes[Outcome.ERROR] + run.window.outcomes[Outcome.TIMEOUT],
                " + ".join(f"{share:.2f}" for share in cpu["bot_processes_cores"]),
                cpu["sim_process_cores"],
                cpu["postgres_cores"],
                cpu["other_processes_cores"],
                f"{run.acknowledged} = {run.stored}"
                if run.acknowledged == run.stored
                else f"{run.acknowledged} ≠ {run.stored}",
            ]
        )
    print_table(
        f"/claim, {args.users} users in {args.debates} debates spread over the shards' guilds, closed loop, "
        f"{args.duration:g} s window after {args.warmup:g} s warm-up "
        "(CPU in cores; postgres = every process of the PostgreSQL server)",
        ["shards", "claims/s", "p50 ms", "p99 ms", "errors+timeouts", "bot CPU", "sim CPU", "postgres CPU",
         "other CPU", "acknowledged = stored"],
        rows,
    )  # fmt: skip
    for run in runs:
        print(f"{run.bot}: bottleneck: {run.cpu['bottleneck']}")
    figures: dict[str, Any] = {"database": describe_database(args.database)}
    figures |= {run.bot: run.as_dict() for run in runs}
    base = runs[0].rate
    if base > 0:
        figures["speedup"] = {run.bot: round(run.rate / base, 2) for run in runs}
        print("\nspeed-up over the first: " + ", ".join(f"{run.bot} ×{run.rate / base:.2f}" for run in runs))
    stored = all(run.acknowledged == run.stored for run in runs)
    figures["acknowledged_equals_stored"] = stored
    print(f"every acknowledged claim stored: {verdict(stored)}")
    return figures


async def main_async(args: argparse.Namespace) -> None:
    print_machine()
    print(f"database: {describe_database(args.database)}")
    runs = []
    for shards in (int(n) for n in args.shards.split(",")):
        print(f"running {shards} shard process(es) …", flush=True)
        runs.append(await measure(shards, args))
    figures = report(runs, args)
    path = write_results("shards", {**vars(args), "database": describe_database(args.database)}, figures)
    print(f"\nresults: {path}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.shards", description=__doc__.split("\n\n")[0])
    add_database_flag(parser)
    parser.add_argument("--shards", default="1,2,4", help="comma-separated shard counts (default 1,2,4)")
    parser.add_argument("--duration", type=float, default=6.0, help="measured seconds per count (default 6)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before the window (default 2)")
    parser.add_argument("--users", type=int, default=64, help="simulated users in all (default 64)")
    parser.add_argument("--debates", type=int, default=4, help="debates in all, at least one per shard (default 4)")
    add_logging_rate_flag(parser)
    add_similar_records_flag(parser)
    args = parser.parse_args(argv)
    if not args.database:
        parser.error("--database is required: shard processes share one PostgreSQL database")
    return args


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    run_benchmark(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
