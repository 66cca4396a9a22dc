"""SIGTERM while interactions are in flight: the bot process exits within 5 s with status 0, every acknowledged
record is stored, the database is consistent, and the token never appears in its (DEBUG) log."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.db import Database
from tests.e2e.conftest import World
from tests.reliability.support import (
    BotProcess,
    ClaimLoad,
    add_users,
    claims_by_text,
    false_refusals,
    integrity_problems,
    lost_or_duplicated,
    open_thread,
    report,
)

USERS = 300
IN_FLIGHT = 32
SIGTERM_AFTER = 60  # acknowledged claims before SIGTERM
SHUTDOWN_LIMIT = 5.0


async def test_sigterm_under_load_exits_cleanly_and_keeps_every_acknowledged_claim(
    tmp_path: Path, world: World, db: Database
) -> None:
    sim = world.sim
    bot = BotProcess(sim, db, tmp_path, log_level="DEBUG")
    try:
        await bot.start()
        await bot.wait_serving(world.alice, world.channel)
        thread = await open_thread(sim, world.alice, world.channel)
        load = ClaimLoad(sim, thread, add_users(world, USERS, "user"), limit=IN_FLIGHT)
        running = asyncio.create_task(load.run())
        await sim.wait_for(lambda: len(load.acknowledged) >= SIGTERM_AFTER, timeout=60, what="load before SIGTERM")
        in_flight = load.in_flight
        exit_time = await bot.terminate(SHUTDOWN_LIMIT)
        load.stop()
        await running
    finally:
        await bot.ensure_stopped()

    stored = await claims_by_text(db)
    unacknowledged = sum(len(numbers) for text, numbers in stored.items() if text not in load.acknowledged)
    report(
        f"shutdown: SIGTERM with {in_flight} claims in flight: exit status {bot.returncode} after {exit_time:.2f} s; "
        f"{load.summary()}; {sum(map(len, stored.values()))} stored ({unacknowledged} stored but never acknowledged)"
    )
    assert bot.returncode == 0, bot.stderr.decode()[-3000:]
    assert sim.token not in bot.stderr.decode() and b"DEBUG" in bot.stderr
    assert false_refusals(load, stored) == {}
    assert lost_or_duplicated(load.acknowledged, stored) == {}
    assert await integrity_problems(db) == []
