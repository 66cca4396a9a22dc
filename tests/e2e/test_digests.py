"""Issue 4's scheduled agenda digest through Discord: posted once a period, skipped when nothing is new, kept across
restarts and downtime, fired once by two schedulers sharing the database. Time is a hand-moved clock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.core.debates import digests, timers
from bot.db import Database
from bot.local import LocalBot
from bot.runtime.scheduler import Scheduler
from schema import Digest
from sim import SimChannel
from tests.clock import ManualClock
from tests.e2e.conftest import World, start_debate

TITLE = "Digest: AI safety"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def _agenda_with_a_debate(world: World) -> tuple[SimChannel, SimChannel, int]:
    """A debate on "AI safety" with a claim and a crux, a #digest channel, and the agenda's id."""
    thread = await start_debate(world, topic="Interp or governance?", agenda="AI safety")
    await world.sim.invoke(world.alice, thread, "debate join", side="for")
    await world.sim.invoke(world.alice, thread, "claim", text="Interp tools will generalise")
    await world.sim.invoke(world.alice, thread, "crux add", question="Will audits bind labs?")
    digest_channel = world.sim.add_text_channel(world.guild, "digest")
    agenda = (await world.sim.autocomplete(world.mod, world.channel, "digest set", "agenda", value="safety"))[0]
    return thread, digest_channel, int(agenda["value"])


def _digests(world: World, channel: SimChannel) -> int:
    return sum(TITLE in message.text for message in world.sim.messages(channel))


async def _digested(world: World, channel: SimChannel, times: int) -> None:
    await world.sim.wait_for(lambda: _digests(world, channel) >= times, what=f"digest #{times}")


async def _nothing_due(running: LocalBot) -> None:
    assert running.bot is not None and await running.bot.scheduler.run_due() == 0


async def _last_posted(running: LocalBot) -> datetime | None:
    """When the digest last posted, once the timer due now has been handled (by this call or the bot's task)."""
    assert running.bot is not None
    await running.bot.scheduler.run_due()
    async with running.bot.db.read() as session:
        return (await session.execute(select(col(Digest.last_posted_at)))).scalar_one()


async def test_a_daily_digest_posts_once_a_day_skips_quiet_days_and_survives_restarts(
    world: World, running: LocalBot, clock: ManualClock
) -> None:
    thread, channel, agenda = await _agenda_with_a_debate(world)
    with pytest.raises(PermissionError, match="bob lacks"):  # Discord shows /digest to Manage Threads by default
        await world.sim.invoke(world.bob, world.channel, "digest set", agenda=agenda, channel=channel, every="daily")
    set_up = await world.sim.invoke(
        world.mod, world.channel, "digest set", agenda=agenda, channel=channel, every="daily"
    )
    assert f"posted daily in {channel.mention}" in set_up.text and "a day with nothing new is skipped" in set_up.text

    await clock.advance(hours=23)
    await _nothing_due(running)
    await clock.advance(hours=1)
    await _digested(world, channel, 1)
    first = world.sim.messages(channel)[-1].text
    assert "Debate #1" in first and "Will audits bind labs?" in first
    posted = await _last_posted(running)

    await clock.advance(days=1)  # nothing new: skipped
    assert await _last_posted(running) == posted and _digests(world, channel) == 1

    await world.sim.invoke(world.alice, thread, "crux add", question="Do SAE features transfer?")
    await running.restart()
    await clock.advance(days=1)
    await _digested(world, channel, 2)
    assert "Do SAE features transfer?" in world.sim.messages(channel)[-1].text

    await world.sim.invoke(world.alice, thread, "claim", text="Another day, another claim")
    await running.stop()
    await clock.advance(days=3)  # three days down: one digest when the bot is back, not three
    await running.start()
    await _digested(world, channel, 3)
    await _nothing_due(running)
    assert _digests(world, channel) == 3

    off = await world.sim.invoke(world.mod, world.channel, "digest stop", agenda=agenda)
    assert "The digest of **AI safety** is off." in off.text
    await world.sim.invoke(world.alice, thread, "claim", text="Unreported")
    await clock.advance(days=1)
    await _nothing_due(running)
    assert _digests(world, channel) == 3


async def test_two_bot_processes_sharing_the_database_post_a_digest_once(
    world: World, running: LocalBot, clock: ManualClock, database_url: str
) -> None:
    _, channel, agenda = await _agenda_with_a_debate(world)
    await world.sim.invoke(world.mod, world.channel, "digest set", agenda=agenda, channel=channel, every="weekly")
    assert running.bot is not None
    other_db = Database(database_url)  # a second process: its own engine, the same handlers
    other = Scheduler(other_db, clock)
    cog = running.bot.get_cog("AgendaCog")
    other.register("digest", digests.digest_due, cog.post_digest, digests.digest_recalled)  # type: ignore[union-attr]
    try:
        await clock.advance(days=7)
        fired = await asyncio.gather(other.run_due(), running.bot.scheduler.run_due())
        await _digested(world, channel, 1)
        assert sum(fired) <= 1 and _digests(world, channel) == 1
    finally:
        await other_db.dispose()


class ProcessDied(BaseException):
    """The process stopped where this is raised (as a kill would stop it: no handler runs)."""


@pytest.mark.parametrize("posted", [True, False], ids=["after posting", "before posting"])
async def test_a_digest_whose_process_died_around_its_post_is_shown_once(
    world: World, running: LocalBot, clock: ManualClock, database_url: str, posted: bool
) -> None:
    """The process that fired the digest stops after its commit, before or after posting it: once its lease runs
    out, another process posts it with the same nonce, and Discord shows it once either way."""
    _, channel, agenda = await _agenda_with_a_debate(world)
    await world.sim.invoke(world.mod, world.channel, "digest set", agenda=agenda, channel=channel, every="weekly")
    assert running.bot is not None
    await running.bot.scheduler.stop()  # driven by hand below, as the surviving process
    cog = running.bot.get_cog("AgendaCog")
    assert cog is not None
    nonces: list[str] = []

    async def post_then_die(due: digests.DigestDue, nonce: str) -> None:
        nonces.append(nonce)
        if posted:
            await cog.post_digest(due, nonce)  # type: ignore[attr-defined]
        raise ProcessDied

    dying_db = Database(database_url)
    dying = Scheduler(dying_db, clock)
    dying.register("digest", digests.digest_due, post_then_die, digests.digest_recalled)
    try:
        await clock.advance(days=7)
        with pytest.raises(ProcessDied):
            await dying.run_due()
    finally:
        await dying_db.dispose()
    assert _digests(world, channel) == (1 if posted else 0)
    assert await running.bot.scheduler.run_due() == 0  # the lease is the dead process's still
    assert _digests(world, channel) == (1 if posted else 0)

    await clock.advance(seconds=timers.LEASE.total_seconds() + 1)
    await running.bot.scheduler.run_due()
    await _digested(world, channel, 1)
    await running.bot.scheduler.run_due()  # nothing owed any more
    assert _digests(world, channel) == 1
    assert len(nonces[0]) == 25
    async with running.bot.db.read() as session:
        assert await session.run_sync(timers.owed, clock.now() + timedelta(days=1)) == []
