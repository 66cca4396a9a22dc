"""A server the bot was removed from: its data is deleted after ``SERVER_RETENTION_DAYS`` (30 by default), whether
the bot saw the removal (GUILD_DELETE without ``unavailable``) or was away (READY no longer lists the server)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.client import DebateBot
from bot.core.privacy.erasure import Step
from bot.core.privacy.retention import SERVER_REMOVED
from bot.db import Database
from bot.local import LocalBot
from schema import Claim, Debate, Timer, table_of
from tests.clock import ManualClock
from tests.e2e.conftest import World, start_debate


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def _deletion_due(session: Session, guild_id: int) -> datetime | None:
    timer = table_of(Timer)
    found = select(timer.c.due_at).where(timer.c.event == SERVER_REMOVED, timer.c.key == str(guild_id))
    due: datetime | None = session.execute(found).scalar_one_or_none()
    return due


def _debates(session: Session, guild_id: int) -> int:
    debate = table_of(Debate)
    return len(session.scalars(select(debate.c.id).where(debate.c.guild_id == guild_id)).all())


def _claims(session: Session) -> list[str]:
    return list(session.scalars(select(table_of(Claim).c.text)))


async def _debate_in_each_server(world: World) -> None:
    thread = await start_debate(world, topic="Interp or governance?")
    await world.sim.invoke(world.alice, thread, "debate join", side="for")
    await world.sim.invoke(world.alice, thread, "claim", text="kept for 30 days")
    other = await world.sim.invoke(world.eve, world.other_channel, "debate start", topic="Elsewhere")
    assert "started" in other.text


async def test_a_removed_servers_data_is_deleted_after_the_retention_period(
    world: World, running: LocalBot, db: Database, clock: ManualClock
) -> None:
    await _debate_in_each_server(world)
    removed_at = clock.now()

    world.sim.remove_bot(world.guild)

    due = await _wait_for_deletion(world, db)
    assert 30 * 86400 - 5 <= (due - removed_at).total_seconds() <= 30 * 86400 + 5
    await clock.advance(days=29)
    await clock.advance(seconds=1)
    assert await db.query(_debates, world.guild.id) == 1 and "kept for 30 days" in await db.query(_claims)

    await clock.advance(days=1, seconds=5)
    for _ in range(200):
        if await db.query(_debates, world.guild.id) == 0:
            break
        await clock.advance(seconds=1)
    assert await db.query(_debates, world.guild.id) == 0
    assert await db.query(_claims) == []
    assert await db.query(_debates, world.other_guild.id) == 1
    assert await db.query(_deletion_due, world.guild.id) is None


async def test_a_server_missing_from_ready_after_a_restart_counts_as_removed(
    world: World, running: LocalBot, db: Database, clock: ManualClock
) -> None:
    await _debate_in_each_server(world)
    await running.stop()
    world.sim.remove_bot(world.guild)  # while the bot is away: no GUILD_DELETE reaches it

    await running.start()

    due = await _wait_for_deletion(world, db)
    assert (due - clock.now()).days in (29, 30)
    assert await db.query(_deletion_due, world.other_guild.id) is None


async def _wait_for_deletion(world: World, db: Database) -> datetime:
    for _ in range(100):
        due = await db.query(_deletion_due, world.guild.id)
        if due is not None:
            return due
        await asyncio.sleep(0.05)
    raise AssertionError("no deletion scheduled")


async def test_deleting_a_removed_servers_data_does_not_hold_up_the_scheduler(
    world: World, running: LocalBot, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deletion runs in the background: the timer's announcement returns at once, so that the shard's other
    timers fire meanwhile; the data is deleted all the same."""
    await _debate_in_each_server(world)
    assert running.bot is not None
    cog = running.bot.get_cog("MyDataCog")
    assert cog is not None
    module = sys.modules[type(cog).__module__]  # the extension's own copy of cogs.mydata
    release = asyncio.Event()
    erase_for: Callable[[DebateBot, Sequence[Step]], Awaitable[int]] = module.erase_for

    async def held(bot: DebateBot, plan: Sequence[Step]) -> int:
        await release.wait()
        return await erase_for(bot, plan)

    monkeypatch.setattr(module, "erase_for", held)

    await asyncio.wait_for(module.MyDataCog.delete_server(cog, world.guild.id, ""), 1)

    assert await db.query(_debates, world.guild.id) == 1
    release.set()
    for _ in range(100):
        if await db.query(_debates, world.guild.id) == 0:
            break
        await asyncio.sleep(0.05)
    assert await db.query(_debates, world.guild.id) == 0
    assert await db.query(_debates, world.other_guild.id) == 1
