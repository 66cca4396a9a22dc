"""Phase rules of the rounds and double-crux formats, the phase clock, and timers fired exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from bot.core.claims import arguments as claims
from bot.core.cruxes import doublecrux
from bot.core.cruxes import lifecycle as cruxes
from bot.core.debates import formats, timers
from bot.core.debates import lifecycle as core
from bot.core.errors import InvalidInput, NotAllowed, WrongPlace
from bot.db import Database
from bot.runtime.scheduler import Scheduler
from schema import ClaimKind, Debate, DebateFormat, Participant, Timer, utcnow
from tests.clock import ManualClock

GUILD, CHANNEL = 1001, 10
ALICE, BOB = 1, 2


async def _debate(db: Database, fmt: DebateFormat, minutes: int | None = None) -> Debate:
    now = utcnow()
    async with db.write() as session:
        debate = await session.run_sync(
            core.start_debate,
            core.Actor(GUILD, ALICE),
            core.plan_debate("Interpretability or governance?", format=fmt, minutes=minutes),
            channel_id=CHANNEL,
            thread_id=100,
        )
        await session.run_sync(formats.begin, debate, minutes, now)
        await session.run_sync(core.join, debate, ALICE, "for")
        await session.run_sync(core.join, debate, BOB, "against")
    return debate


async def _next(db: Database, debate: Debate) -> formats.PhaseChange:
    async with db.write() as session:
        return await session.run_sync(formats.next_phase, debate, core.Actor(GUILD, ALICE), utcnow())


def test_minutes_need_a_phased_format() -> None:
    with pytest.raises(InvalidInput, match="open debate has no phases"):
        core.plan_debate("t", minutes=5)
    with pytest.raises(InvalidInput, match="from 1 to 1,440"):
        core.plan_debate("t", format=DebateFormat.ROUNDS, minutes=0)
    assert core.plan_debate("t", format=DebateFormat.ROUNDS, minutes=5).minutes == 5


async def test_rounds_allow_each_kind_of_record_in_its_phase(db: Database) -> None:
    debate = await _debate(db, DebateFormat.ROUNDS)
    alice, bob = core.Actor(GUILD, ALICE), core.Actor(GUILD, BOB)
    async with db.write() as session:
        claim = (await session.run_sync(claims.add_claim, debate, alice, "Interp scales")).claim
    async with db.write() as session:
        with pytest.raises(WrongPlace) as refused:
            await session.run_sync(claims.add_reply, debate, bob, claim.number, "No", ClaimKind.REBUTTAL)
    assert str(refused.value) == (
        "Debate #1 is in its **opening** phase (1 of 4), which allows claims (/claim). Rebuttals come in the "
        "rebuttal phase, when a moderator moves on with /debate next."
    )
    async with db.write() as session:
        with pytest.raises(NotAllowed, match="creator or a member with Manage Threads can move"):
            await session.run_sync(formats.next_phase, debate, bob, utcnow())
    change = await _next(db, debate)
    assert (change.ended.name, change.started and change.started.name) == ("opening", "rebuttal")
    async with db.write() as session:
        await session.run_sync(claims.add_reply, debate, bob, claim.number, "No", ClaimKind.REBUTTAL)
        with pytest.raises(WrongPlace, match=r"allows rebuttals \(/rebut\) and supports \(/support\)\. The phase"):
            await session.run_sync(claims.add_claim, debate, alice, "Late claim")
        with pytest.raises(WrongPlace, match="Cruxes come in the crux phase"):
            await session.run_sync(cruxes.add_crux, debate, alice, "Q?")
    await _next(db, debate)
    async with db.write() as session:
        crux, _ = await session.run_sync(cruxes.add_crux, debate, alice, "Q?")
        await session.run_sync(cruxes.record_credence, debate, bob, crux.number, 30)
    await _next(db, debate)
    async with db.write() as session:
        await session.run_sync(cruxes.record_credence, debate, bob, crux.number, 40)
        with pytest.raises(WrongPlace, match="rounds debate has no phase for positions"):
            await session.run_sync(doublecrux.take_position, debate, bob, "No", 20)
    async with db.write() as session:
        with pytest.raises(InvalidInput, match="closing phase is the last one"):
            await session.run_sync(formats.next_phase, debate, alice, utcnow())


async def test_double_crux_positions_and_marks(db: Database) -> None:
    debate = await _debate(db, DebateFormat.DOUBLE_CRUX)
    bob = core.Actor(GUILD, BOB)
    async with db.write() as session:
        position = await session.run_sync(doublecrux.take_position, debate, bob, "Governance first", 20)
        again = await session.run_sync(doublecrux.take_position, debate, bob, "Governance, surely", 25)
        with pytest.raises(WrongPlace, match="double-crux debate has no phase for rebuttals"):
            await session.run_sync(claims.add_reply, debate, bob, position.logged.claim.number, "x", ClaimKind.REBUTTAL)
    assert (position.previous, again.previous, again.credence) == (None, 20, 25)
    await _next(db, debate)
    async with db.write() as session:
        crux, _ = await session.run_sync(cruxes.add_crux, debate, bob, "Will audits bind labs?")
        await session.run_sync(doublecrux.mark_crux, debate, bob, crux.number, True)
        mark = await session.run_sync(doublecrux.mark_crux, debate, bob, crux.number, False)
        with pytest.raises(InvalidInput, match="Join a side"):
            await session.run_sync(doublecrux.mark_crux, debate, core.Actor(GUILD, 99), crux.number, True)
        credence = await session.execute(select(col(Participant.motion_credence)).where(Participant.user_id == BOB))
    assert not mark.changes_mind and credence.scalar_one() == 25


async def test_open_debates_allow_everything_but_double_crux_steps(db: Database) -> None:
    debate = await _debate(db, DebateFormat.OPEN)
    async with db.write() as session:
        crux, _ = await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, ALICE), "Q?")
        with pytest.raises(WrongPlace, match="Marks on cruxes belong to double-crux debates"):
            await session.run_sync(doublecrux.mark_crux, debate, core.Actor(GUILD, ALICE), crux.number, True)
        with pytest.raises(InvalidInput, match="open debate has no phases"):
            await session.run_sync(formats.next_phase, debate, core.Actor(GUILD, ALICE), utcnow())


async def test_the_clock_schedules_pauses_and_resumes_its_timers(db: Database) -> None:
    debate = await _debate(db, DebateFormat.ROUNDS, minutes=5)
    start = debate.phase_ends_at - timedelta(minutes=5) if debate.phase_ends_at else utcnow()
    async with db.read() as session:
        due = {t.event: t.due_at for t in (await session.execute(select(Timer))).scalars()}
    assert due == {formats.PHASE_END: start + timedelta(minutes=5), formats.PHASE_WARNING: start + timedelta(minutes=4)}
    with pytest.raises(WrongPlace, match="Rebuttals come in the rebuttal phase, <t:"):
        formats.require_allowed(debate, formats.Action.REBUTTAL)
    async with db.write() as session:
        await session.run_sync(
            formats.pause, debate, core.Actor(GUILD, ALICE), start + timedelta(minutes=3, seconds=30)
        )
        with pytest.raises(InvalidInput, match="already paused"):
            await session.run_sync(formats.pause, debate, core.Actor(GUILD, ALICE), start)
    assert debate.paused_remaining == 90 and formats.describe_clock(debate) == "paused with 1 min 30 s left"
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Timer))).scalar_one() == 0
    resumed_at = start + timedelta(hours=1)
    async with db.write() as session:
        await session.run_sync(formats.resume, debate, core.Actor(GUILD, ALICE), resumed_at)
        assert await session.run_sync(timers.soonest) == resumed_at + timedelta(seconds=30)  # the warning


Names = tuple[str, str | None] | None
"""A phase change as the names of the phase ended and the phase started."""


def _phase_names(change: formats.PhaseChange | None) -> Names:
    return None if change is None else (change.ended.name, change.started.name if change.started else None)


async def _time_up_then_recalled(db: Database, debate: Debate, *, paused: bool) -> tuple[Names, Names]:
    """The phase change ``time_up`` made at the phase's end, and the one recalled after a moderator maybe paused."""
    async with db.write() as session:
        due = await session.run_sync(timers.due, utcnow() + timedelta(days=1))
        [end] = [timer for timer in due if timer.event == formats.PHASE_END]
        fired = await session.run_sync(formats.time_up, end, end.due_at)
    if paused:
        async with db.write() as session:
            stored = await session.get_one(Debate, debate.id)
            await session.run_sync(formats.pause, stored, core.Actor(GUILD, ALICE), end.due_at + timedelta(minutes=1))
    async with db.write() as session:
        recalled = await session.run_sync(formats.time_up_recalled, end, end.due_at + timedelta(minutes=2))
    return _phase_names(fired), _phase_names(recalled)


async def test_a_recalled_time_up_posts_what_the_firing_did_even_when_paused_since(db: Database) -> None:
    debate = await _debate(db, DebateFormat.ROUNDS, minutes=5)
    assert await _time_up_then_recalled(db, debate, paused=True) == (("opening", "rebuttal"),) * 2
    async with db.write() as session:  # on to the last phase, whose clock is left to run out
        stored = await session.get_one(Debate, debate.id)
        for _ in range(2):
            await session.run_sync(formats.next_phase, stored, core.Actor(GUILD, ALICE), utcnow())
    assert await _time_up_then_recalled(db, debate, paused=False) == (("closing", None),) * 2


async def _scheduler_pair(database_url: str, fired: list[str]) -> tuple[list[Scheduler], list[Database]]:
    """Two schedulers as two bot processes would have: each its own engine on the same database."""

    def job(session: object, timer: Timer, now: object) -> str:
        return timer.key

    async def announce(key: str, nonce: str) -> None:
        fired.append(key)

    databases = [Database(database_url), Database(database_url)]
    schedulers = [Scheduler(database, ManualClock()) for database in databases]
    for scheduler in schedulers:
        scheduler.register("test", job, announce, job)
    return schedulers, databases


async def test_two_schedulers_on_one_database_fire_a_timer_once(db: Database, database_url: str) -> None:
    fired: list[str] = []
    schedulers, databases = await _scheduler_pair(database_url, fired)
    now = schedulers[0].clock.now()
    async with db.write() as session:
        for key in ("a", "b", "c"):
            await session.run_sync(timers.schedule, GUILD, "test", key, now - timedelta(seconds=1))
    try:
        counts = await asyncio.gather(*(scheduler.run_due() for scheduler in schedulers))
        assert sorted(fired) == ["a", "b", "c"] and sum(counts) == 3
        assert await asyncio.gather(*(scheduler.run_due() for scheduler in schedulers)) == [0, 0]
    finally:
        for database in databases:
            await database.dispose()


async def test_each_shard_fires_only_the_timers_of_its_servers(db: Database) -> None:
    now = utcnow()
    servers = {shard: [((2 * n + shard) << 22) + 7 for n in range(1, 4)] for shard in (0, 1)}  # (id >> 22) % 2
    async with db.write() as session:
        for guild_ids in servers.values():
            for guild_id in guild_ids:
                await session.run_sync(timers.schedule, guild_id, "test", str(guild_id), now)
    async with db.read() as session:
        for shard, guild_ids in servers.items():
            due = await session.run_sync(timers.due, now, timers.Shard((shard,), 2))
            assert sorted(timer.guild_id for timer in due) == guild_ids
            assert await session.run_sync(timers.soonest, timers.Shard((shard,), 2)) == now
        assert len(await session.run_sync(timers.due, now)) == 6  # one process serving every server


async def test_a_claim_fails_once_fired_or_rescheduled(db: Database) -> None:
    now = utcnow()
    async with db.write() as session:
        await session.run_sync(timers.schedule, GUILD, "test", "k", now)
        timer = (await session.run_sync(timers.due, now))[0]
        assert await session.run_sync(timers.claim, timer.id or 0, now) is not None
        assert await session.run_sync(timers.claim, timer.id or 0, now) is None
        await session.run_sync(timers.schedule, GUILD, "test", "k", now + timedelta(minutes=1))
        assert await session.run_sync(timers.claim, timer.id or 0, now) is None
        assert await session.run_sync(timers.claim, timer.id or 0, now + timedelta(minutes=1)) is not None


async def test_a_failing_handler_drops_its_timer_instead_of_retrying_forever(db: Database) -> None:
    def broken(session: object, timer: Timer, now: object) -> None:
        raise RuntimeError("boom")

    async def never(due: object, nonce: str) -> None:
        raise AssertionError("a failed job announces nothing")

    scheduler = Scheduler(db, ManualClock())
    scheduler.register("test", broken, never, broken)
    async with db.write() as session:
        await session.run_sync(timers.schedule, GUILD, "test", "k", scheduler.clock.now())
    assert await scheduler.run_due() == 0
    async with db.read() as session:
        assert await session.run_sync(timers.due, scheduler.clock.now()) == []


async def test_a_process_serving_several_shards_fires_the_timers_of_each(db: Database) -> None:
    now = utcnow()
    guild_ids = {shard: ((3 * 5 + shard) << 22) + 9 for shard in range(3)}  # (id >> 22) % 3 == shard
    async with db.write() as session:
        for guild_id in guild_ids.values():
            await session.run_sync(timers.schedule, guild_id, "test", str(guild_id), now)
    async with db.read() as session:
        due = await session.run_sync(timers.due, now, timers.Shard((0, 2), 3))
    assert sorted(timer.guild_id for timer in due) == [guild_ids[0], guild_ids[2]]


async def test_each_firing_owes_its_post_under_a_nonce_of_its_own(db: Database) -> None:
    now = utcnow()
    async with db.write() as session:
        await session.run_sync(timers.schedule, GUILD, "test", "k", now)
        first = await session.run_sync(timers.claim, (await session.run_sync(timers.due, now))[0].id, now)
        assert first is not None
        owing = await session.run_sync(timers.owe, first, now)
        await session.run_sync(timers.schedule, GUILD, "test", "k", now + timedelta(days=1))  # re-armed
        later = await session.run_sync(timers.due, now + timedelta(days=1))
    assert owing.announcing == timers.nonce_of(first) and len(owing.announcing) == 25
    assert timers.nonce_of(later[0]) != owing.announcing  # the next firing's post is another message
    async with db.read() as session:
        assert await session.run_sync(timers.owed, now) == []  # leased
        [expired] = await session.run_sync(timers.owed, now + timers.LEASE)
    assert expired.announcing == owing.announcing  # still owed after the re-arming
