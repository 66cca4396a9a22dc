"""Latency under a steady offered load: ``/claim`` sent on a fixed schedule (open loop), whether or not earlier
ones have been answered, against the real bot in its own process (target: p99 ≤ 50 ms at half the do-nothing bot's
capacity, measured first in the same run).

Latency is measured from the moment an interaction was *scheduled* to be sent until the user sees the answer, so
any lag of the sender counts against the result rather than hiding it.

    python -m benchmarks.latency [--rate N] [--duration 10] [--users 64] [--bot debate|null]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import throughput
from benchmarks.common import (
    DEBATE_BOT,
    NULL_BOT,
    BotProcess,
    CpuMeter,
    Latency,
    Outcome,
    Tally,
    add_logging_rate_flag,
    add_members,
    add_similar_records_flag,
    claim_text,
    count_rows,
    logging_rate_setting,
    print_machine,
    print_table,
    run_benchmark,
    similar_records_settings,
    sqlite_url,
    start_debate,
    timed_invoke,
    verdict,
    write_results,
)
from sim import DiscordSim, SimChannel, SimMember

TARGET_P99_MS = 50.0
#: Without ``--rate``, the load offered is this share of the do-nothing bot's capacity, measured in the same run.
SHARE_OF_NULL = 0.5
CAPACITY_SECONDS = 4.0
SLOW_S = 3.0  # Discord's deadline for the first answer to an interaction
BOTS = {"debate": DEBATE_BOT, "null": NULL_BOT}


async def open_loop(
    sim: DiscordSim, members: list[SimMember], channel: SimChannel, rate: float, duration: float
) -> tuple[Tally, list[float]]:
    """Send ``rate × duration`` claims on schedule (users in turn); the tally and each send's lag behind schedule."""
    loop = asyncio.get_running_loop()
    tally, lags = Tally(), []
    count = round(rate * duration)
    start = loop.time() + 0.1

    async def send(i: int, due: float) -> None:
        lag = loop.time() - due
        lags.append(lag)
        outcome, latency, text = await timed_invoke(
            sim, members[i % len(members)], channel, "claim", text=claim_text(i % len(members), i)
        )
        tally.record(outcome, lag + latency, text)

    tasks = []
    for i in range(count):
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        tasks.append(asyncio.create_task(send(i, due)))
    await asyncio.gather(*tasks)
    return tally, lags


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """A fresh sim and bot, a debate with ``args.users`` participants, then the scheduled load."""
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        database = Path(tmp) / "debates.db"
        async with DiscordSim(lean=True) as sim:
            guild = sim.add_guild("Benchmark")
            channel = sim.add_text_channel(guild, "debates")
            members = add_members(sim, guild, args.users)
            process = BotProcess(
                sim,
                BOTS[args.bot],
                sqlite_url(database),
                Path(tmp),
                logging_rate=logging_rate_setting(args.logging_rate),
                settings=similar_records_settings(args),
            )
            async with process:
                target = await start_debate(sim, channel, members) if args.bot == "debate" else channel
                # A short unmeasured warm-up, so first-use costs (statement caches, connections) are not counted.
                await open_loop(sim, members, target, args.rate, min(2.0, args.duration))
                meter = CpuMeter(process)
                meter.start()
                tally, lags = await open_loop(sim, members, target, args.rate, args.duration)
                meter.stop()
                rest_errors = len(sim.errors)
            tail = process.stderr_tail(5)
        stored = count_rows(database, "claim") if args.bot == "debate" else None
    slow = sum(1 for latency in tally.latencies if latency > SLOW_S)
    return {
        "latency_ms": Latency.of(tally.latencies).as_dict(),
        "over_3s": slow + tally.outcomes[Outcome.TIMEOUT],
        "outcomes": tally.counts(),
        "non_ok_samples": {k.value: v for k, v in tally.samples.items()},
        "send_lag_ms": Latency.of(lags).as_dict(),
        "cpu": meter.as_dict(),
        "sim_rest_4xx": rest_errors,
        "claims_stored_incl_warmup": stored,
        "bot_stderr_tail": tail,
    }


def report(figures: dict[str, Any], args: argparse.Namespace) -> None:
    lat, counts = figures["latency_ms"], figures["outcomes"]
    print_table(
        f"/claim at {args.rate:g}/s offered for {args.duration:g} s (open loop, {args.users} users), {args.bot} bot",
        ["sent", "ok", "p50 ms", "p99 ms", "max ms", "over 3 s", "slow down", "errors", "timeouts", "send lag p99 ms",
         "sim CPU", "bot CPU", "other CPU"],
        [[sum(counts.values()), counts["ok"], f"{lat['p50_ms']:.1f}", f"{lat['p99_ms']:.1f}", f"{lat['max_ms']:.1f}",
          figures["over_3s"], counts["slow_down"], counts["error"], counts["timeout"],
          f"{figures['send_lag_ms']['p99_ms']:.1f}", figures["cpu"]["sim_process_cores"],
          figures["cpu"]["bot_process_cores"], figures["cpu"]["other_processes_cores"]]],
    )  # fmt: skip
    print(f"bottleneck: {figures['cpu']['bottleneck']}")
    met = lat["p99_ms"] <= TARGET_P99_MS and counts["ok"] == sum(counts.values())
    print(f"\np99 {lat['p99_ms']:.1f} ms (target ≤ {TARGET_P99_MS:g} ms, every interaction answered): {verdict(met)}")
    if counts["slow_down"]:
        print(f"note: {counts['slow_down']} cooldown answers (“Slow down”), excluded from the latencies")
    if figures["bot_stderr_tail"] and (counts["error"] or counts["timeout"]):
        print(f"bot stderr (last lines):\n{figures['bot_stderr_tail']}")


async def null_capacity(args: argparse.Namespace) -> float:
    """The do-nothing bot's answers per second under the throughput benchmark's closed loop (a short run)."""
    closed = argparse.Namespace(**vars(args) | {"duration": CAPACITY_SECONDS, "warmup": 2.0, "only": "null"})
    run = await throughput.measure("null", closed)
    print(
        f"do-nothing bot: {run.rate:.1f} answers/s closed loop over {CAPACITY_SECONDS:g} s "
        f"(sim CPU {run.cpu['sim_process_cores']}, bot CPU {run.cpu['bot_process_cores']}, "
        f"other {run.cpu['other_processes_cores']}; bottleneck: {run.cpu['bottleneck']})",
        flush=True,
    )
    return run.rate


async def main_async(args: argparse.Namespace) -> None:
    print_machine()
    default = args.rate is None and args.bot == "debate"
    capacity = None
    if args.rate is None:
        capacity = await null_capacity(args)
        args.rate = round(SHARE_OF_NULL * capacity, 1)
    figures = await measure(args)
    figures |= {"target_p99_ms": TARGET_P99_MS, "null_capacity_per_s": capacity and round(capacity, 1)}
    report(figures, args)
    path = write_results("latency" if default else f"latency-{args.bot}-{args.rate:g}per_s", vars(args), figures)
    print(f"\nresults: {path}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.latency", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rate", type=float, help="offered per second (default: half the do-nothing bot's capacity, measured first)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load (default 10)")
    parser.add_argument("--users", type=int, default=64, help="simulated users taking turns (default 64)")
    parser.add_argument("--bot", choices=sorted(BOTS), default="debate", help="the bot under test (default debate)")
    add_logging_rate_flag(parser)
    add_similar_records_flag(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    run_benchmark(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
