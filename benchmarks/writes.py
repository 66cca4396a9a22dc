"""Write path: claims per second through the bot's own write path against raw ``sqlite3``, in the same run.

* **bot, sequential**: what ``/claim`` does, one claim at a time — ``Database.transact`` (in-process lock,
  the writer thread, ``BEGIN IMMEDIATE``, commit) running ``open_debate_in_thread`` +
  ``bot.core.claims.arguments.add_claim``.
* **raw sqlite3**: the same claim row inserted with the standard library, one ``BEGIN``/``INSERT``/``COMMIT`` per row
  (WAL, ``synchronous=NORMAL``, foreign keys on — the bot's pragmas), into another freshly migrated file.
* **bot, concurrent**: the bot's path from ``--tasks`` asyncio tasks at once (64 by default, as many as the users of
  the throughput benchmark): the claims that wait while a batch is written are committed together (group commit,
  each acknowledged after the commit).
* **bot's statements, one hop** (for the diagnosis): the five statements the bot's path sends (``BEGIN IMMEDIATE``,
  debate lookup, joined side, claim number, insert) and ``COMMIT``, written by hand with ``sqlite3`` and run as one
  job on a single worker thread per claim — the bot's SQL without SQLAlchemy and without a thread hop per call.

Target: the bot's claims per second ≥ 0.2 of raw. It is judged on the concurrent variant — claims per second is the
capacity of the write path, and a busy bot writes concurrently — and the sequential ratio is printed beside it (one
claim at a time, nothing to commit together). Afterwards each database's claim table is counted against what was
acknowledged.

    python -m benchmarks.writes [--duration 5] [--tasks 64]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from benchmarks.common import claim_text, count_rows, print_machine, print_table, sqlite_url, verdict, write_results
from bot.core.claims import arguments as claims
from bot.core.debates import lifecycle as debates
from bot.db import SQLITE_PRAGMAS, Database
from schema import ClaimKind, ClaimStatus, Debate

TARGET_RATIO = 0.2
GUILD, CHANNEL, THREAD, USER = 10**17 + 1, 10**17 + 2, 10**17 + 3, 10**17 + 4


async def new_debate(db: Database) -> Debate:
    """A debate (through the core, as ``/debate start`` records it) that ``USER`` has joined on "for"."""
    actor = debates.Actor(guild_id=GUILD, user_id=USER)
    async with db.write() as session:
        debate = await session.run_sync(
            debates.start_debate, actor, debates.plan_debate("Tabs or spaces?"), channel_id=CHANNEL, thread_id=THREAD
        )
        await session.run_sync(debates.join, debate, USER, "for")
    return debate


def claim_job(session: Session, n: int) -> claims.Logged:
    """One ``/claim`` worth of database work: the job ``cogs.common.write_debate`` runs for ``/claim``."""
    debate = debates.open_debate_in_thread(session, GUILD, THREAD)
    return claims.add_claim(session, debate, debates.Actor(guild_id=GUILD, user_id=USER), claim_text(0, n))


async def log_claim(db: Database, n: int) -> None:
    """One ``/claim``, committed before returning (as the cog does before answering)."""
    await db.transact(claim_job, n)


async def bot_path(db: Database, duration: float, tasks: int) -> int:
    """Claims committed through the bot's path by ``tasks`` concurrent loggers in ``duration`` seconds."""
    deadline = time.perf_counter() + duration
    done = 0

    async def logger(worker: int) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await log_claim(db, done)
            done += 1

    await asyncio.gather(*(logger(i) for i in range(tasks)))
    return done


def raw_path(database: Path, debate_id: int, side_id: int, duration: float) -> int:
    """The same claim rows inserted with ``sqlite3``, one transaction each; how many in ``duration`` seconds."""
    connection = open_raw(database)
    try:
        deadline = time.perf_counter() + duration
        done = 0
        while time.perf_counter() < deadline:
            connection.execute("BEGIN")
            connection.execute(CLAIM_INSERT, claim_row(debate_id, done + 1, side_id, done))
            connection.execute("COMMIT")
            done += 1
        return done
    finally:
        connection.close()


CLAIM_INSERT = (
    "INSERT INTO claim (debate_id, number, kind, parent_id, side_id, author_id, logged_by_id, text, status, "
    "created_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)"
)


def claim_row(debate_id: int, number: int, side_id: int, n: int) -> tuple[object, ...]:
    """The values of ``CLAIM_INSERT`` for one claim, as the bot stores them."""
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it on SQLite
    status = ClaimStatus.STANDING.value
    return (debate_id, number, ClaimKind.CLAIM.value, side_id, USER, USER, claim_text(0, n), status, created)


def open_raw(database: Path, *, any_thread: bool = False) -> sqlite3.Connection:
    """A ``sqlite3`` connection in autocommit mode (explicit transactions) with the bot's pragmas."""
    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=not any_thread)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    return connection


def bot_statements(connection: sqlite3.Connection, n: int) -> None:
    """The statements of the bot's ``/claim`` transaction, by hand: one claim, committed."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        (debate_id,) = connection.execute(
            "SELECT id FROM debate WHERE guild_id = ? AND thread_id = ?", (GUILD, THREAD)
        ).fetchone()
        (side_id,) = connection.execute(
            "SELECT side.id FROM side JOIN participant ON participant.side_id = side.id "
            "WHERE participant.debate_id = ? AND participant.user_id = ?",
            (debate_id, USER),
        ).fetchone()
        (number,) = connection.execute(
            "UPDATE debate SET claim_seq = claim_seq + 1 WHERE id = ? RETURNING claim_seq", (debate_id,)
        ).fetchone()
        connection.execute(CLAIM_INSERT, claim_row(debate_id, number, side_id, n))
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


async def one_hop_path(database: Path, duration: float) -> int:
    """Claims committed in ``duration`` seconds by ``bot_statements`` run on one worker thread, one job per claim."""
    loop = asyncio.get_running_loop()
    connection = open_raw(database, any_thread=True)
    with ThreadPoolExecutor(max_workers=1) as executor:
        deadline = time.perf_counter() + duration
        done = 0
        while time.perf_counter() < deadline:
            await loop.run_in_executor(executor, bot_statements, connection, done)
            done += 1
    connection.close()
    return done


async def migrated(path: Path) -> Database:
    db = Database(sqlite_url(path))
    await db.upgrade()
    return db


async def main_async(args: argparse.Namespace) -> None:
    print_machine()
    with tempfile.TemporaryDirectory(prefix="bench-writes-") as tmp:
        names = ("bot", "raw", "concurrent", "one_hop")
        bot_file, raw_file, concurrent_file, one_hop_file = (Path(tmp) / f"{name}.db" for name in names)

        db = await migrated(bot_file)
        await new_debate(db)
        await bot_path(db, 0.5, 1)  # warm-up: statement caches, the pooled connection
        warm = count_rows(bot_file, "claim")
        sequential = await bot_path(db, args.duration, 1)
        await db.dispose()
        sequential_stored = count_rows(bot_file, "claim") - warm

        raw_db = await migrated(raw_file)
        raw_debate = await new_debate(raw_db)
        await raw_db.dispose()
        with sqlite3.connect(raw_file) as connection:
            query = "SELECT id FROM side WHERE debate_id = ? AND position = 0"
            (side_id,) = connection.execute(query, (raw_debate.id,)).fetchone()
        raw = raw_path(raw_file, raw_debate.id or 0, side_id, args.duration)
        raw_stored = count_rows(raw_file, "claim")

        db = await migrated(concurrent_file)
        await new_debate(db)
        await bot_path(db, 0.5, args.tasks)
        warm = count_rows(concurrent_file, "claim")
        concurrent = await bot_path(db, args.duration, args.tasks)
        await db.dispose()
        concurrent_stored = count_rows(concurrent_file, "claim") - warm

        db = await migrated(one_hop_file)
        await new_debate(db)
        await db.dispose()
        one_hop = await one_hop_path(one_hop_file, args.duration)
        one_hop_stored = count_rows(one_hop_file, "claim")

    rates = {
        "bot_sequential": sequential / args.duration,
        "raw_sqlite3": raw / args.duration,
        f"bot_concurrent_{args.tasks}_tasks": concurrent / args.duration,
        "bot_statements_one_hop": one_hop / args.duration,
    }
    stored = {"bot_sequential": sequential_stored, "raw_sqlite3": raw_stored}
    stored[f"bot_concurrent_{args.tasks}_tasks"] = concurrent_stored
    stored["bot_statements_one_hop"] = one_hop_stored
    acknowledged = {"bot_sequential": sequential, "raw_sqlite3": raw, f"bot_concurrent_{args.tasks}_tasks": concurrent}
    acknowledged["bot_statements_one_hop"] = one_hop
    print_table(
        f"claims committed, {args.duration:g} s each",
        ["path", "claims/s", "ms/claim", "acknowledged", "stored"],
        [
            [name, f"{rate:.0f}", f"{1000 / rate:.2f}" if rate else "-", acknowledged[name], stored[name]]
            for name, rate in rates.items()
        ],
    )
    sequential_ratio = rates["bot_sequential"] / rates["raw_sqlite3"]
    ratio = rates[f"bot_concurrent_{args.tasks}_tasks"] / rates["raw_sqlite3"]
    print(f"\nratio bot sequential / raw sqlite3: {sequential_ratio:.3f}")
    print(
        f"ratio bot, {args.tasks} tasks / raw sqlite3: {ratio:.3f} (target ≥ {TARGET_RATIO}: "
        f"{verdict(ratio >= TARGET_RATIO)})"
    )
    same = acknowledged == stored
    print(f"every acknowledged claim stored: {verdict(same)}")
    figures: dict[str, Any] = {
        "claims_per_s": {k: round(v, 1) for k, v in rates.items()},
        "ms_per_claim": {k: round(1000 / v, 3) for k, v in rates.items() if v},
        "acknowledged": acknowledged,
        "stored": stored,
        "ratio_bot_to_raw": round(ratio, 4),
        "ratio_bot_sequential_to_raw": round(sequential_ratio, 4),
        "target_ratio": TARGET_RATIO,
        "acknowledged_equals_stored": same,
    }
    path = write_results("writes", vars(args), figures)
    print(f"\nresults: {path}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.writes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per variant (default 5)")
    parser.add_argument("--tasks", type=int, default=64, help="concurrent tasks in the concurrent variant (default 64)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
