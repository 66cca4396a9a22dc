"""Summary cost by debate size: ``summarize`` + ``summary_first_page`` on debates of 100, 1,000 and 10,000 claims.

In-process, no Discord: each debate is bulk-inserted into a fresh migrated SQLite file with SQLAlchemy Core (10
participants on two sides; one crux per ten claims, each linked to two claims, a tenth of them resolved; on every
crux five of the participants hold three credences each; three claims in ten are rebuttals, some answered), and
the participants' stances and the cruxes' spreads are filled from the credences by migration 0005's backfill SQL
(what ``record_credence`` keeps as credences are recorded). Then the summary is built as ``/debate summary`` builds
it (a fresh read session each time) and timed — the median of ``--runs`` runs after a warm-up — while an engine
event listener counts the SQL statements.

Targets: 10,000 claims under 50 ms; the same statement count at every size; time per claim not growing with size.

With ``--database URL`` (PostgreSQL) the debates are built there instead, one size at a time: that database's
``public`` schema is dropped and created again before each size, so give it a database of its own.

    python -m benchmarks.summary [--sizes 100,1000,10000] [--runs 7] [--insights] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import event, insert, select
from sqlalchemy.engine import Connection
from sqlmodel import col

from benchmarks.common import (
    add_database_flag,
    describe_database,
    print_machine,
    print_table,
    reset_postgres,
    sqlite_url,
    verdict,
    write_results,
)
from bot.core.summary.pages import phone_lines, summary_first_page
from bot.core.summary.queries import summarize
from bot.db import Database, alembic_config
from schema import Claim, ClaimKind, ClaimStatus, Credence, Crux, CruxClaim, CruxStatus, Debate, Participant, Side
from schema.types import utcnow

TARGET_MS_AT_10K = 50.0
PARTICIPANTS = 10
CLAIMS_PER_CRUX = 10
VOICES_PER_CRUX = 5  # participants holding credences on a crux
CREDENCES_EACH = 3
USER_BASE = 10**17  # snowflake-sized user ids


def fill_stances(connection: Connection) -> None:
    """Fill ``crux_stance`` and ``crux.spread`` from the credence rows with migration 0005's backfill."""
    migration = ScriptDirectory.from_config(alembic_config()).get_revision("0005")
    assert migration is not None
    migration.module.backfill(connection)


@dataclass(frozen=True, slots=True)
class Shape:
    """How many rows of each kind a debate of ``claims`` claims has."""

    claims: int
    cruxes: int
    links: int
    credences: int


def kind_of(i: int) -> tuple[ClaimKind, int | None]:
    """The ``i``-th record's kind and the index of the record it answers, in a repeating pattern of ten.

    0–6 are claims; 7 rebuts claim 6, 8 rebuts that rebuttal (so claim 6's rebuttal is answered), 9 rebuts claim 2
    (unanswered).
    """
    match i % 10:
        case 7 | 8:
            return ClaimKind.REBUTTAL, i - 1
        case 9:
            return ClaimKind.REBUTTAL, i - 7
    return ClaimKind.CLAIM, None


async def build(db: Database, claims: int) -> tuple[int, Shape]:
    """Insert one debate of ``claims`` claims (and its cruxes, links, participants, credences); its id and shape."""
    now = utcnow()
    users = [USER_BASE + u for u in range(PARTICIPANTS)]
    cruxes = max(1, claims // CLAIMS_PER_CRUX)
    async with db.engine.begin() as connection:
        debate_id = (
            await connection.execute(
                insert(Debate).returning(col(Debate.id)),
                {
                    "guild_id": 1,
                    "number": 1,
                    "channel_id": 2,
                    "thread_id": 3,
                    "topic": "Should the marginal AI-safety hour go to interpretability or governance?",
                    "creator_id": users[0],
                    "created_at": now,
                    "claim_seq": claims,
                    "crux_seq": cruxes,
                },
            )
        ).scalar_one()
        sides = [
            {"id": 1, "debate_id": debate_id, "position": 0, "name": "for", "name_key": "for"},
            {"id": 2, "debate_id": debate_id, "position": 1, "name": "against", "name_key": "against"},
        ]
        await connection.execute(insert(Side), sides)
        side_of = {user: 1 + u % 2 for u, user in enumerate(users)}
        await connection.execute(
            insert(Participant),
            [{"debate_id": debate_id, "user_id": u, "side_id": side_of[u], "joined_at": now} for u in users],
        )
        claim_rows = []
        for i in range(claims):
            kind, parent = kind_of(i)
            author = users[i % PARTICIPANTS]
            claim_rows.append(
                {
                    "id": i + 1,
                    "debate_id": debate_id,
                    "number": i + 1,
                    "kind": kind,
                    "parent_id": parent + 1 if parent is not None else None,
                    "side_id": side_of[author],
                    "author_id": author,
                    "logged_by_id": author,
                    "text": f"Claim {i + 1}: interpretability research compounds, because every tool we build "
                    "makes the next model easier to audit.",
                    "status": ClaimStatus.STANDING,
                    "created_at": now,
                }
            )
        await connection.execute(insert(Claim), claim_rows)
        crux_rows, link_rows, credence_rows = [], [], []
        for j in range(cruxes):
            resolved = j % 10 == 9
            crux_rows.append(
                {
                    "id": j + 1,
                    "debate_id": debate_id,
                    "number": j + 1,
                    "question": f"Crux {j + 1}: will today's interpretability methods scale to frontier models?",
                    "author_id": users[j % PARTICIPANTS],
                    "status": CruxStatus.RESOLVED if resolved else CruxStatus.OPEN,
                    "resolution": "Settled by the scaling study." if resolved else None,
                    "resolved_by_id": users[0] if resolved else None,
                    "resolved_at": now if resolved else None,
                    "created_at": now,
                }
            )
            for offset in (2, 6):  # two claims (never rebuttals) of the crux's block of ten
                if (index := j * CLAIMS_PER_CRUX + offset) < claims:
                    link_rows.append({"crux_id": j + 1, "claim_id": index + 1})
            for k in range(VOICES_PER_CRUX):
                user = users[(j + k) % PARTICIPANTS]
                for step in range(CREDENCES_EACH):
                    value = (17 * j + 29 * k + 11 * step) % 101
                    reason = f"Update {step + 1}: a new result." if step else None
                    credence_rows.append(
                        {"crux_id": j + 1, "user_id": user, "value": value, "reason": reason, "created_at": now}
                    )
        await connection.execute(insert(Crux), crux_rows)
        if link_rows:
            await connection.execute(insert(CruxClaim), link_rows)
        await connection.execute(insert(Credence), credence_rows)
        await connection.run_sync(fill_stances)
    if not db.is_sqlite:  # the planner's statistics, as autovacuum would gather them after so many new rows
        async with db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql("ANALYZE")
    return int(debate_id or 0), Shape(claims, cruxes, len(link_rows), len(credence_rows))


def mention(user_id: int) -> str:
    """How the bot labels users in a summary."""
    return f"<@{user_id}>"


async def time_summary(db: Database, debate_id: int, runs: int, insights: bool) -> dict[str, Any]:
    """Median/min milliseconds of summarize + summary_first_page (fresh read session each run), statements per run;
    ``insights``: with where the sides agree and who moved, as a posted summary has them."""
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    timings: list[float] = []
    per_run_statements: list[int] = []
    page = None
    for run in range(runs + 1):  # the first run warms caches and is not counted
        statements = 0
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        started = time.perf_counter()
        async with db.read() as session:
            debate = (await session.execute(select(Debate).where(col(Debate.id) == debate_id))).scalar_one()
            summary = await session.run_sync(summarize, debate, insights=insights)
        page = summary_first_page(summary, mention)
        elapsed = time.perf_counter() - started
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
        if run:
            timings.append(elapsed * 1000)
            per_run_statements.append(statements)
    return {
        "median_ms": statistics.median(timings),
        "min_ms": min(timings),
        "statements": max(per_run_statements),
        "statements_excluding_debate_lookup": max(per_run_statements) - 1,
        "cruxes_shown": page.end if page else 0,
        "characters": len(page.text) if page else 0,
        "phone_lines": phone_lines(page.text) if page else 0,
    }


async def measure_size(claims: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """A fresh database with one debate of ``claims`` claims; its shape and summary timings."""
    if args.database:
        await reset_postgres(args.database)
    db = Database(args.database or sqlite_url(workdir / f"{claims}.db"))
    try:
        await db.upgrade()
        started = time.perf_counter()
        debate_id, shape = await build(db, claims)
        build_s = time.perf_counter() - started
        figures = await time_summary(db, debate_id, args.runs, args.insights)
    finally:
        await db.dispose()
    return {
        "claims": shape.claims,
        "cruxes": shape.cruxes,
        "crux_claim_links": shape.links,
        "credences": shape.credences,
        "build_s": round(build_s, 2),
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()},
        "us_per_claim": round(figures["median_ms"] * 1000 / claims, 2),
    }


async def main_async(args: argparse.Namespace) -> None:
    print_machine()
    print(f"database: {describe_database(args.database)}")
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-summary-") as tmp:
        for size in sizes:
            print(f"building and timing a debate of {size:,} claims …", flush=True)
            results.append(await measure_size(size, args, Path(tmp)))
    columns = ["claims", "cruxes", "credences", "median ms", "min ms", "µs/claim", "statements"]
    columns += ["cruxes shown", "characters", "phone lines"]
    rows = [
        [f"{r['claims']:,}", f"{r['cruxes']:,}", f"{r['credences']:,}", f"{r['median_ms']:.2f}", f"{r['min_ms']:.2f}",
         f"{r['us_per_claim']:.2f}", r["statements"], r["cruxes_shown"], f"{r['characters']:,}", r["phone_lines"]]
        for r in results
    ]  # fmt: skip
    print_table(
        f"summarize + summary_first_page, median of {args.runs} runs (statements include the debate lookup)",
        columns,
        rows,
    )
    figures: dict[str, Any] = {"sizes": results, "target_ms_at_10000": TARGET_MS_AT_10K}
    same_statements = len({r["statements"] for r in results}) == 1
    figures["statement_count_constant"] = same_statements
    print(f"\nstatement count the same at every size: {verdict(same_statements)}")
    largest = next((r for r in results if r["claims"] == 10_000), None)
    if largest is not None:
        met = largest["median_ms"] < TARGET_MS_AT_10K
        figures["target_met_at_10000"] = met
        print(f"10,000 claims: {largest['median_ms']:.1f} ms (target < {TARGET_MS_AT_10K:g} ms): {verdict(met)}")
    if len(results) > 1:
        small, big = results[-2], results[-1]
        exponent = math.log(big["median_ms"] / small["median_ms"]) / math.log(big["claims"] / small["claims"])
        figures["growth_exponent"] = round(exponent, 3)
        print(
            f"growth from {small['claims']:,} to {big['claims']:,} claims: time ∝ size^{exponent:.2f} "
            f"(linear = 1.00; no worse than linear: {verdict(exponent <= 1.05)})"
        )
    path = write_results("summary", vars(args), figures)
    print(f"\nresults: {path}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.summary", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="100,1000,10000", help="comma-separated claim counts (default 100,1000,10000)"
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs per size, after one warm-up (default 7)")
    parser.add_argument(
        "--insights", action="store_true", help="as posted: with where the sides agree and who moved since the start"
    )
    add_database_flag(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
