"""``/debate summary`` of a crowded debate, as its users see it: 1,000 participants × 300 cruxes, groups on.

The real bot (``python -m bot``, the ``analysis`` extra installed so that opinion groups are looked for) on a fresh
SQLite file (or the PostgreSQL database given with ``--database``), connected to the local Discord-compatible server.
A member starts a debate through the server; then ``--participants`` participants on its two sides, ``--cruxes``
cruxes (two claims linked to each) and their credences are bulk-inserted with SQLAlchemy Core: every participant
rates each crux with probability ``--density``, one credence each, drawn as ``benchmarks.groups`` draws a matrix
with three planted opinion groups (so that the groups stand out and the summary has a line about them), and the
stances and spreads are filled by migration 0005's backfill (what ``record_credence`` keeps). Then, ``--runs`` times:

- *cold*: a member records a credence through the server (the debate's credences change, so what the bot found
  about groups no longer holds), then ``/debate summary``;
- *cached*: ``/debate summary`` again, the credences unchanged.

Each summary is timed from the moment the server sends the interaction: *acknowledged* when the bot's first
callback (the answer or its deferral) was handled, *summary* when the user sees the summary, *groups line* when the
summary shows the line on opinion groups (it may follow in an edit); "never" when not within a minute, or when the
callback came too late (404 Unknown Interaction: no answer can follow). Every 4xx answer of the server is reported.

Targets: acknowledged within 1 s; the summary within 10 s (both for every run); no 4xx.

    python -m benchmarks.crowd [--participants 1000] [--cruxes 300] [--density 0.6] [--runs 2] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select, update
from sqlmodel import col

from benchmarks.common import (
    DEBATE_BOT,
    BotProcess,
    add_database_flag,
    add_members,
    describe_database,
    positive,
    print_machine,
    print_table,
    reset_postgres,
    run_benchmark,
    sqlite_url,
    start_debate,
    verdict,
    write_results,
)
from benchmarks.planted import Shape, generate
from benchmarks.summary import fill_stances
from bot.db import Database
from schema import Claim, ClaimKind, ClaimStatus, Credence, Crux, CruxClaim, CruxStatus, Debate, Participant, Side
from schema.types import utcnow
from sim import DiscordSim, SimChannel, SimMember

ACKNOWLEDGED_TARGET_S = 1.0
SUMMARY_TARGET_S = 10.0
PLANTED_GROUPS = 3
USER_BASE = 10**17  # snowflake-sized user ids
GROUPS_LINE = "**Opinion groups:**"
WAIT_S = 60.0  # how long a user waits for what the bot has not shown yet
CALLBACK = re.compile(r"^/interactions/\d+/[^/]+/callback$")
SEED = 2026


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds from the interaction to what the user saw (``None``: never, within ``WAIT_S``)."""

    kind: str
    acknowledged_s: float | None
    summary_s: float | None
    groups_line_s: float | None
    errors: tuple[str, ...]


async def populate(db: Database, debate_id: int, participants: int, cruxes: int, density: float) -> int:
    """Participants (alternating between the debate's two sides), cruxes with two linked claims each, and a credence
    from each participant on each crux with probability ``density`` (three planted opinion groups); the number of
    credences."""
    credences, _ = generate(np.random.default_rng(SEED), Shape(participants, cruxes, PLANTED_GROUPS, 1 - density))
    users = [USER_BASE + u for u in range(participants)]
    now = utcnow()
    async with db.engine.begin() as connection:
        sides = list((await connection.execute(select(col(Side.id)).where(col(Side.debate_id) == debate_id))).scalars())
        await connection.execute(
            insert(Participant),
            [
                {"debate_id": debate_id, "user_id": user, "side_id": sides[i % 2], "joined_at": now}
                for i, user in enumerate(users)
            ],
        )
        claim_ids = list(
            (
                await connection.execute(
                    insert(Claim).returning(col(Claim.id)),
                    [
                        {
                            "debate_id": debate_id,
                            "number": n + 1,
                            "kind": ClaimKind.CLAIM,
                            "side_id": sides[n % 2],
                            "author_id": users[n % participants],
                            "logged_by_id": users[n % participants],
                            "text": f"Claim {n + 1}: interpretability research compounds, because every tool we "
                            "build makes the next model easier to audit.",
                            "status": ClaimStatus.STANDING,
                            "created_at": now,
                        }
                        for n in range(2 * cruxes)
                    ],
                )
            ).scalars()
        )
        crux_ids = list(
            (
                await connection.execute(
                    insert(Crux).returning(col(Crux.id)),
                    [
                        {
                            "debate_id": debate_id,
                            "number": j + 1,
                            "question": f"Crux {j + 1}: will today's interpretability methods scale to frontier "
                            "models by 2030?",
                            "author_id": users[j % participants],
                            "status": CruxStatus.OPEN,
                            "created_at": now,
                        }
                        for j in range(cruxes)
                    ],
                )
            ).scalars()
        )
        links = [{"crux_id": crux, "claim_id": claim_ids[2 * j + k]} for j, crux in enumerate(crux_ids) for k in (0, 1)]
        await connection.execute(insert(CruxClaim), links)
        rows = [
            {"crux_id": crux_ids[j], "user_id": users[i], "value": int(value), "created_at": now}
            for i, j in zip(*np.nonzero(~np.isnan(credences)), strict=True)
            for value in (round(float(credences[i, j])),)
        ]
        await connection.execute(insert(Credence), rows)
        await connection.execute(
            update(Debate).where(col(Debate.id) == debate_id).values(claim_seq=2 * cruxes, crux_seq=cruxes)
        )
        await connection.run_sync(fill_stances)
    if not db.is_sqlite:  # the planner's statistics, as autovacuum would gather them after so many new rows
        async with db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql("ANALYZE")
    return len(rows)


async def debate_of(db: Database, thread: SimChannel) -> int:
    """The id of the debate of ``thread``."""
    async with db.engine.connect() as connection:
        found = await connection.execute(select(col(Debate.id)).where(col(Debate.thread_id) == thread.id))
        return found.scalar_one() or 0


def _callback_status(sim: DiscordSim, mark: int) -> int:
    """The status of the bot's first interaction callback since request ``mark`` (0: none yet)."""
    return next((request.status for request in sim.requests[mark:] if CALLBACK.match(request.path)), 0)


async def timed_summary(sim: DiscordSim, member: SimMember, thread: SimChannel, kind: str) -> Timing:
    """``/debate summary`` as ``member`` sees it (see the module's documentation)."""
    loop = asyncio.get_running_loop()
    mark, errors = len(sim.requests), len(sim.errors)
    started = loop.time()

    async def seconds_until(ready: Callable[[], bool]) -> float | None:
        try:
            await sim.wait_for(ready, WAIT_S)
        except AssertionError:
            return None
        return loop.time() - started

    answer = asyncio.create_task(sim.invoke(member, thread, "debate summary"))
    acknowledged = await seconds_until(lambda: _callback_status(sim, mark) != 0 or answer.done())
    if _callback_status(sim, mark) >= 300:  # too late: no answer will come
        acknowledged = None
        answer.cancel()
    summary = groups_line = None
    try:
        result = await answer
        summary = loop.time() - started
        message = result.message
        if message is not None:
            groups_line = await seconds_until(lambda: GROUPS_LINE in message.text)
    except (AssertionError, asyncio.CancelledError):  # no user-visible answer
        pass
    return Timing(kind, acknowledged, summary, groups_line, tuple(str(error) for error in sim.errors[errors:]))


async def measure(args: argparse.Namespace, workdir: Path) -> tuple[int, list[Timing]]:
    """The debate built, then ``args.runs`` cold and cached summaries; the number of credences and the timings."""
    if args.database:
        await reset_postgres(args.database)
    url = args.database or sqlite_url(workdir / "crowd.db")
    db = Database(url)
    timings = []
    async with DiscordSim() as sim:
        sim.answer_timeout = WAIT_S
        guild = sim.add_guild("Bench")
        channel = sim.add_text_channel(guild, "debates")
        members = add_members(sim, guild, 2)
        try:
            async with BotProcess(sim, DEBATE_BOT, url, workdir):
                thread = await start_debate(sim, channel, members)
                print(f"inserting {args.participants:,} participants × {args.cruxes:,} cruxes …", flush=True)
                debate_id = await debate_of(db, thread)
                credences = await populate(db, debate_id, args.participants, args.cruxes, args.density)
                for run in range(args.runs):
                    recorded = await sim.invoke(members[1], thread, "crux credence", crux=1, value=run % 100)
                    if "on Crux #1" not in recorded.text:
                        raise RuntimeError(f"/crux credence failed: {recorded.text}")
                    for kind in ("cold", "cached"):
                        timings.append(await timed_summary(sim, members[0], thread, kind))
                        print(f"  run {run + 1}, {kind}: {describe(timings[-1])}", flush=True)
        finally:
            await db.dispose()
    return credences, timings


def seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


def describe(timing: Timing) -> str:
    errors = f" · {len(timing.errors)} error(s): {timing.errors[0]}" if timing.errors else ""
    return (
        f"acknowledged {seconds(timing.acknowledged_s)}, summary {seconds(timing.summary_s)}, "
        f"groups line {seconds(timing.groups_line_s)}{errors}"
    )


def within(values: list[float | None], target: float) -> bool:
    return all(value is not None and value <= target for value in values)


async def main_async(args: argparse.Namespace) -> None:
    print_machine()
    print(f"database: {describe_database(args.database)}")
    with tempfile.TemporaryDirectory(prefix="bench-crowd-") as tmp:
        credences, timings = await measure(args, Path(tmp))
    rows = [
        [t.kind, seconds(t.acknowledged_s), seconds(t.summary_s), seconds(t.groups_line_s), len(t.errors)]
        for t in timings
    ]
    print_table(
        f"/debate summary: {args.participants:,} participants × {args.cruxes:,} cruxes, {credences:,} credences",
        ["run", "acknowledged", "summary", "groups line", "4xx"],
        rows,
    )
    acknowledged = within([t.acknowledged_s for t in timings], ACKNOWLEDGED_TARGET_S)
    summarized = within([t.summary_s for t in timings], SUMMARY_TARGET_S)
    clean = not any(t.errors for t in timings)
    print(f"\nacknowledged within {ACKNOWLEDGED_TARGET_S:g} s every time: {verdict(acknowledged)}")
    print(f"summary within {SUMMARY_TARGET_S:g} s every time: {verdict(summarized)}")
    print(f"no 4xx answer from the server: {verdict(clean)}")
    cold = [t.groups_line_s for t in timings if t.kind == "cold" and t.groups_line_s is not None]
    figures = {
        "credences": credences,
        "runs": [asdict(t) for t in timings],
        "acknowledged_within_target": acknowledged,
        "summary_within_target": summarized,
        "no_4xx": clean,
        "groups_line_cold_median_s": round(statistics.median(cold), 2) if cold else None,
    }
    path = write_results("crowd", vars(args), figures)
    print(f"\nresults: {path}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crowd", description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=positive, default=1000, help="participants (default 1000)")
    parser.add_argument("--cruxes", type=positive, default=300, help="cruxes (default 300)")
    parser.add_argument("--density", type=float, default=0.6, help="share of cruxes each participant rates (0.6)")
    parser.add_argument("--runs", type=positive, default=2, help="cold + cached summaries (default 2)")
    add_database_flag(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    run_benchmark(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
