"""Throughput: simulated users issuing ``/claim`` in one debate thread as fast as their answers come back.

The local Discord-compatible server (in its lean mode) and its users run in this process; the bot runs as
``python -m bot`` in another, on a temporary SQLite file. The same load then runs against ``benchmarks.null_bot``
(same ``/claim`` signature, answers "ok", no database), and the real bot's rate is given as a ratio of the null bot's
(target ≥ 0.7), the median of several rounds, each bot once a round, alternating which goes first. Each process's
CPU use is printed, with the process that limited the rate: the figures are honest only when that is the bot.
Afterwards the claim table is counted: every acknowledged claim must be stored. The real bot serves on uvloop, its
default; the do-nothing bot on asyncio's own loop, discord.py's default. ``--loops`` also runs each on the other loop,
and prints the ratios of every pair.

    python -m benchmarks.throughput [--rounds 3] [--duration 6] [--users 64] [--warmup 2] [--only BOT] [--loops]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    positive,
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
from bot.config import EventLoop
from sim import DiscordSim, SimChannel, SimMember

TARGET_RATIO = 0.7
#: Simulated users and the channel where they send their claims.
Place = tuple[list[SimMember], SimChannel]


@dataclass(frozen=True)
class Bot:
    """A bot process to measure: its module, and the event loop it serves on (``EVENT_LOOP``, always set, so that
    none comes from the shell's environment)."""

    module: tuple[str, ...]
    event_loop: EventLoop

    @property
    def real(self) -> bool:
        """Whether this is the debate bot (which needs a debate, and stores claims)."""
        return self.module == DEBATE_BOT

    @property
    def settings(self) -> dict[str, str]:
        """The environment variables that configure it beyond the benchmark's own."""
        return {"EVENT_LOOP": self.event_loop}


#: The real bot on uvloop, its default; the do-nothing bot on asyncio's own loop, discord.py's default (the baseline
#: of the ratio); and each on the other loop, for ``--loops``.
BOTS = {
    "debate": Bot(DEBATE_BOT, "uvloop"),
    "null": Bot(NULL_BOT, "asyncio"),
    "debate-asyncio": Bot(DEBATE_BOT, "asyncio"),
    "null-uvloop": Bot(NULL_BOT, "uvloop"),
}
#: What ``--loops`` compares beside the figure (debate/null): each bot on the other event loop.
LOOP_PAIRS = (("debate-asyncio", "null"), ("debate", "null-uvloop"), ("debate-asyncio", "null-uvloop"))


@dataclass
class Run:
    """One bot under load: what happened in the measured window, and over the whole run."""

    bot: str
    duration: float
    window: Tally = field(default_factory=Tally)
    everything: Tally = field(default_factory=Tally)
    cpu: dict[str, Any] = field(default_factory=dict)
    stored: int | None = None
    exit_status: int | None = None

    @property
    def rate(self) -> float:
        """Interactions answered OK per second in the window."""
        return self.window.outcomes[Outcome.OK] / self.duration

    @property
    def latency(self) -> Latency:
        return Latency.of(self.window.latencies)

    @property
    def cpu_ms_per_answer(self) -> float:
        """The bot's CPU milliseconds per OK answer in the window."""
        return self._ms_per_answer("bot_process_cores")

    @property
    def sim_cpu_ms_per_answer(self) -> float:
        """The sim's (and its users') CPU milliseconds per OK answer in the window."""
        return self._ms_per_answer("sim_process_cores")

    def _ms_per_answer(self, process: str) -> float:
        answers = self.window.outcomes[Outcome.OK]
        return 1000 * self.cpu.get(process, 0.0) * self.duration / answers if answers else float("nan")

    @property
    def acknowledged(self) -> int:
        """Claims answered OK over the whole run (warm-up and stragglers included)."""
        return self.everything.outcomes[Outcome.OK]

    @property
    def kept_every_acknowledged_claim(self) -> bool:
        """Whether the claim table holds every acknowledged claim: exactly those, unless some interactions failed or
        timed out (a claim committed whose answer came too late is stored, not acknowledged)."""
        stored = self.stored or 0
        unanswered = self.everything.outcomes[Outcome.ERROR] + self.everything.outcomes[Outcome.TIMEOUT]
        return stored == self.acknowledged or (unanswered > 0 and stored >= self.acknowledged)

    def as_dict(self) -> dict[str, Any]:
        return {
            "completed_per_s": round(self.rate, 1),
            "latency_ms": self.latency.as_dict(),
            "window_outcomes": self.window.counts(),
            "run_outcomes": self.everything.counts(),
            "non_ok_samples": {k.value: v for k, v in self.everything.samples.items()},
            "cpu": self.cpu,
            "bot_cpu_ms_per_answer": round(self.cpu_ms_per_answer, 3),
            "sim_cpu_ms_per_answer": round(self.sim_cpu_ms_per_answer, 3),
            "acknowledged": self.acknowledged,
            "stored": self.stored,
            "exit_status": self.exit_status,
        }


async def closed_loop(sim: DiscordSim, places: Sequence[Place], run: Run, warmup: float, meter: CpuMeter) -> None:
    """Each member of each place sends ``/claim`` in its channel, waits for the answer, and sends the next, until
    the window closes.

    Answers arriving in the window ``[warmup, warmup + duration)`` count towards the rate and latencies.
    """
    loop = asyncio.get_running_loop()
    window_start = loop.time() + warmup
    window_end = window_start + run.duration

    async def user(index: int, member: SimMember, channel: SimChannel) -> None:
        sent = 0
        while loop.time() < window_end:
            outcome, latency, text = await timed_invoke(sim, member, channel, "claim", text=claim_text(index, sent))
            sent += 1
            run.everything.record(outcome, latency, text)
            if window_start <= loop.time() < window_end:
                run.window.record(outcome, latency, text)

    async def measure_cpu() -> None:
        await asyncio.sleep(window_start - loop.time())
        meter.start()
        await asyncio.sleep(window_end - loop.time())
        meter.stop()

    users = [(member, channel) for members, channel in places for member in members]
    await asyncio.gather(measure_cpu(), *(user(i, member, channel) for i, (member, channel) in enumerate(users)))


async def measure(bot: str, args: argparse.Namespace) -> Run:
    """Start a fresh sim and ``bot``, set up the debate (real bot) and run the load."""
    run = Run(bot=bot, duration=args.duration)
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        database = Path(tmp) / "debates.db"
        async with DiscordSim(lean=True) as sim:
            guild = sim.add_guild("Benchmark")
            channel = sim.add_text_channel(guild, "debates")
            members = add_members(sim, guild, args.users)
            measured = BOTS[bot]
            process = BotProcess(
                sim,
                measured.module,
                sqlite_url(database),
                Path(tmp),
                logging_rate=logging_rate_setting(args.logging_rate),
                settings=similar_records_settings(args) | measured.settings,
            )
            async with process:
                target = channel
                if measured.real:
                    target = await start_debate(sim, channel, members)
                meter = CpuMeter(process)
                await closed_loop(sim, [(members, target)], run, args.warmup, meter)
                run.cpu = meter.as_dict()
                if sim.errors:
                    print(f"  {bot}: the sim answered {len(sim.errors)} REST calls with 4xx, e.g. {sim.errors[0]}")
            run.exit_status = process.returncode
            tail = process.stderr_tail()
            if tail:
                print(f"  {bot} stderr (last lines):\n{tail}")
        if measured.real:
            run.stored = count_rows(database, "claim")
    return run


@dataclass
class Round:
    """The bots measured one after the other: a ratio is taken within a round, so that the machine's drift between
    rounds (other virtual machines on its host, its clock speed) does not enter it."""

    number: int
    runs: dict[str, Run] = field(default_factory=dict)

    @property
    def honest(self) -> bool:
        """Whether the round measures the bots: the do-nothing bot saturated, and nothing but the real bot itself
        held the real bot back (it tops out below a full core: its writer thread and event loop take turns)."""
        null, debate = self.runs.get("null"), self.runs.get("debate")
        return bool(null and debate and null.cpu.get("bot_saturated") and debate.cpu.get("measures_the_bot"))

    @property
    def rate_ratio(self) -> float | None:
        """The real bot's answers per second over the do-nothing bot's."""
        return self.rate_ratio_of("debate", "null")

    @property
    def cost_ratio(self) -> float | None:
        """The do-nothing bot's CPU per answer over the real bot's: the ratio if each had a core of its own."""
        return self.cost_ratio_of("debate", "null")

    def rate_ratio_of(self, real: str, null: str) -> float | None:
        """``real``'s answers per second over ``null``'s, when both ran this round."""
        debate, floor = self.runs.get(real), self.runs.get(null)
        return debate.rate / floor.rate if debate and floor and floor.rate else None

    def cost_ratio_of(self, real: str, null: str) -> float | None:
        """``null``'s CPU per answer over ``real``'s, when both ran this round."""
        debate, floor = self.runs.get(real), self.runs.get(null)
        if not (debate and floor and debate.cpu_ms_per_answer > 0):
            return None
        return floor.cpu_ms_per_answer / debate.cpu_ms_per_answer


def report(rounds: list[Round], args: argparse.Namespace) -> dict[str, Any]:
    """Print the table and return the figures for the results file."""
    rows = []
    for measured in rounds:
        for name, run in measured.runs.items():
            lat, counts = run.latency, run.window.counts()
            rows.append(
                [
                    measured.number,
                    name,
                    f"{run.rate:.1f}",
                    f"{lat.p50_ms:.1f}",
                    f"{lat.p99_ms:.1f}",
                    counts["ok"],
                    counts["slow_down"],
                    counts["error"] + counts["timeout"],
                    run.cpu.get("sim_process_cores", ""),
                    run.cpu.get("bot_process_cores", ""),
                    run.cpu.get("other_processes_cores", ""),
                    f"{run.sim_cpu_ms_per_answer:.2f}",
                    f"{run.cpu_ms_per_answer:.2f}",
                ]
            )
    print_table(
        f"/claim, {args.users} users, closed loop, {args.duration:g} s window after {args.warmup:g} s warm-up "
        "(CPU in cores: sim = the sim and its users, other = the rest of the machine; ms/answer = CPU ms per answer)",
        ["round", "bot", "completed/s", "p50 ms", "p99 ms", "ok", "slow down", "errors", "sim CPU", "bot CPU",
         "other CPU", "sim ms/answer", "bot ms/answer"],
        rows,
    )  # fmt: skip
    for measured in rounds:
        for name, run in measured.runs.items():
            print(f"round {measured.number}, {name}: bottleneck: {run.cpu.get('bottleneck')}")
    figures: dict[str, Any] = {
        "rounds": [{name: run.as_dict() for name, run in measured.runs.items()} for measured in rounds]
    }
    compared = [r for r in rounds if r.rate_ratio is not None and r.cost_ratio is not None]
    honest = [r for r in compared if r.honest]
    if compared:
        counted = honest or compared
        ratio = statistics.median(r.rate_ratio or 0.0 for r in counted)
        cost_ratio = statistics.median(r.cost_ratio or 0.0 for r in counted)
        figures |= {
            "ratio_debate_to_null": round(ratio, 3),
            "ratios_per_round": [round(r.rate_ratio or 0.0, 3) for r in compared],
            "rounds_that_measured_the_bots": [r.number for r in honest],
            "cpu_cost_ratio_null_to_debate": round(cost_ratio, 3),
            "target_ratio": TARGET_RATIO,
        }
        skipped = " (not counted: the do-nothing bot was not saturated, or another process held a bot back)"
        each = ", ".join(f"{r.rate_ratio:.2f}{skipped if honest and not r.honest else ''}" for r in compared)
        which = f"{len(honest)} rounds that measured the bots" if honest else f"{len(compared)} rounds"
        print(f"\nratio bot/null per round: {each}")
        print(f"ratio bot/null, median of the {which}: {ratio:.2f} (target ≥ {TARGET_RATIO}: "
              f"{verdict(ratio >= TARGET_RATIO)})")  # fmt: skip
        if not honest:
            print("no round measured the bots (see each bottleneck): the ratio measures this machine as much")
        print(f"bot CPU per answer, null/debate, median: {cost_ratio:.2f} (the ratio if both bots had a core each)")
    figures |= report_loops(rounds)
    kept = [(measured.number, measured.runs["debate"]) for measured in rounds if "debate" in measured.runs]
    if kept:
        every_one = all(run.kept_every_acknowledged_claim for _, run in kept)
        figures["every_acknowledged_claim_stored"] = every_one
        each = "; ".join(f"round {n}: {run.acknowledged} acknowledged, {run.stored} stored" for n, run in kept)
        print(f"claims {each} ({verdict(every_one)})")
    slowed = sum(run.everything.outcomes[Outcome.SLOW_DOWN] for r in rounds for run in r.runs.values())
    if slowed:
        print(f"note: {slowed} cooldown answers (“Slow down”) — counted apart from the rate")
    return figures


def report_loops(rounds: list[Round]) -> dict[str, Any]:
    """Print and return, for each pair of ``LOOP_PAIRS`` measured (``--loops``), the medians of its two ratios over
    every round (the main figure counts only the rounds that measured the bots, when there are some)."""
    figures = {}
    for real, null in LOOP_PAIRS:
        rates = [r for r in (measured.rate_ratio_of(real, null) for measured in rounds) if r is not None]
        costs = [r for r in (measured.cost_ratio_of(real, null) for measured in rounds) if r is not None]
        if rates and costs:
            rate, cost = statistics.median(rates), statistics.median(costs)
            figures[f"{real}_to_{null}"] = {"rate_ratio": round(rate, 3), "cpu_cost_ratio": round(cost, 3)}
            print(f"{real}/{null}, medians of every round: rate ratio {rate:.2f}, CPU {null}/{real} {cost:.2f}")
    return figures


async def main_async(args: argparse.Namespace) -> None:
    print_machine()
    names = list(BOTS) if args.loops or args.only else ["debate", "null"]
    bots = [bot for bot in names if args.only in (None, bot)]
    rounds = []
    for number in range(1, args.rounds + 1):
        measured = Round(number)
        for bot in bots if number % 2 else reversed(bots):  # alternate which bot goes first
            print(f"round {number}: running against the {bot} bot …", flush=True)
            measured.runs[bot] = await measure(bot, args)
        rounds.append(measured)
    figures = report(rounds, args)
    path = write_results("throughput", vars(args), figures)
    print(f"\nresults: {path}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.throughput", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=6.0, help="measured seconds per bot (default 6)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before the window (default 2)")
    parser.add_argument("--users", type=int, default=64, help="simulated users (default 64)")
    parser.add_argument("--only", choices=sorted(BOTS), help="run against one bot only")
    parser.add_argument("--rounds", type=positive, default=3, help="rounds of the bots, alternating (default 3)")
    parser.add_argument(
        "--loops", action="store_true", help="also run each bot on the other event loop (uvloop, asyncio's) and compare"
    )
    add_logging_rate_flag(parser)
    add_similar_records_flag(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    run_benchmark(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
