"""A crash under load: ``kill -9`` on the bot process while many users log claims, then a restart.

Every claim a user saw acknowledged ("Claim #N") is stored exactly once under that number, numbering continues after
the restart without reuse, and no row is half-written. Runs on SQLite, or on PostgreSQL with TEST_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.db import Database
from tests.e2e.conftest import World
from tests.reliability.support import (
    BotProcess,
    ClaimLoad,
    Outcome,
    add_users,
    claims_by_text,
    integrity_problems,
    lost_or_duplicated,
    open_thread,
    report,
)

USERS = 400
IN_FLIGHT = 32
KILL_AFTER = 100  # acknowledged claims before the kill
AFTER_RESTART = 40
SHUTDOWN_LIMIT = 5.0


async def test_kill_9_under_load_loses_no_acknowledged_claim(tmp_path: Path, world: World, db: Database) -> None:
    sim = world.sim
    bot = BotProcess(sim, db, tmp_path)
    try:
        await bot.start()
        await bot.wait_serving(world.alice, world.channel)
        thread = await open_thread(sim, world.alice, world.channel)
        before = ClaimLoad(sim, thread, add_users(world, USERS, "before"), limit=IN_FLIGHT)
        running = asyncio.create_task(before.run())
        await sim.wait_for(lambda: len(before.acknowledged) >= KILL_AFTER, timeout=60, what="load before the kill")
        await bot.kill()
        in_flight = before.in_flight
        before.stop()
        await running

        await bot.start()
        await bot.wait_serving(world.alice, thread)
        after = ClaimLoad(sim, thread, add_users(world, AFTER_RESTART, "after"), limit=IN_FLIGHT)
        await after.run()
        await bot.terminate(SHUTDOWN_LIMIT)
    finally:
        await bot.ensure_stopped()

    stored = await claims_by_text(db)
    acknowledged = before.acknowledged | after.acknowledged
    unacknowledged = sum(len(numbers) for text, numbers in stored.items() if text not in acknowledged)
    report(
        f"crash: kill -9 with {in_flight} claims in flight; before: {before.summary()}; after restart: "
        f"{after.summary()}; {sum(map(len, stored.values()))} stored ({unacknowledged} stored but never acknowledged)"
    )
    assert bot.returncode == 0 and set(before.outcomes) <= {Outcome.ACKNOWLEDGED, Outcome.UNANSWERED}
    assert after.outcomes == {Outcome.ACKNOWLEDGED: AFTER_RESTART}
    assert lost_or_duplicated(acknowledged, stored) == {}
    assert min(after.acknowledged.values()) > max(before.acknowledged.values())
    assert await integrity_problems(db) == []
