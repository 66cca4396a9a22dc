"""Direct tests of the debate rules, without Discord."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from bot.core.claims import arguments as claims
from bot.core.cruxes import lifecycle as cruxes
from bot.core.debates import lifecycle as core
from bot.core.errors import InvalidInput, NotAllowed, NotFound, WrongPlace
from bot.core.summary import choices as choose
from bot.db import Database
from schema import Claim, ClaimKind, Credence, Crux, CruxStatus, Debate, Participant

GUILD, OTHER_GUILD = 1001, 2002
CHANNEL = 10
ALICE, BOB, CAROL, MOD = 1, 2, 3, 4


async def _start(db: Database, thread_id: int = 100, guild: int = GUILD, **plan: str) -> Debate:
    async with db.write() as session:
        return await session.run_sync(
            core.start_debate,
            core.Actor(guild, ALICE),
            core.plan_debate(plan.pop("topic", "Interpretability or governance?"), **plan),
            channel_id=CHANNEL,
            thread_id=thread_id,
        )


async def _joined(db: Database, debate: Debate, user: int, side: str) -> None:
    async with db.write() as session:
        await session.run_sync(core.join, debate, user, side)


async def test_debates_are_numbered_per_guild(db: Database) -> None:
    first = await _start(db, thread_id=100)
    second = await _start(db, thread_id=101)
    elsewhere = await _start(db, thread_id=102, guild=OTHER_GUILD)
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)


def test_plan_debate_validates_sides_and_shortens_thread_name() -> None:
    assert core.plan_debate("t").sides == ("for", "against")
    assert core.plan_debate("t", sides=" yes ,no, maybe ").sides == ("yes", "no", "maybe")
    with pytest.raises(InvalidInput, match="2 to 6 sides"):
        core.plan_debate("t", sides="only")
    with pytest.raises(InvalidInput, match="same name"):
        core.plan_debate("t", sides="Yes, yes")
    with pytest.raises(InvalidInput, match="topic is empty"):
        core.plan_debate(" \u200b ")
    with pytest.raises(InvalidInput, match="limit is 300"):
        core.plan_debate("x" * 301)
    assert len(core.plan_debate("word " * 50).thread_name) <= 100


async def test_sides_are_kept_between_transactions_and_a_reused_id_gets_its_own(db: Database) -> None:
    """A debate's sides never change, so a process keeps them (no query the next time); a debate discarded and another
    started with the same id — SQLite gives the highest id again — gets its own sides, not the kept ones."""
    first = await _start(db, thread_id=100, sides="yes, no")
    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    for _ in range(2):
        async with db.read() as session:
            assert [side.name for side in await session.run_sync(core.sides_of, first)] == ["yes", "no"]
    assert len(statements) <= 1
    async with db.write() as session:
        await session.run_sync(core.discard_debate, core.Actor(GUILD, ALICE), first.id or 0)
    second = await _start(db, thread_id=101, sides="red, blue, green")
    assert second.id == first.id or not db.is_sqlite
    async with db.read() as session:
        sides = await session.run_sync(core.sides_of, second)
    assert [(side.name, side.debate_id) for side in sides] == [
        ("red", second.id),
        ("blue", second.id),
        ("green", second.id),
    ]


async def test_agenda_is_shared_case_insensitively(db: Database) -> None:
    first = await _start(db, thread_id=100, agenda="AI Safety")
    second = await _start(db, thread_id=101, agenda="ai  safety")
    assert first.agenda_id is not None and first.agenda_id == second.agenda_id


async def test_join_moves_a_user_between_sides_keeping_one_row(db: Database) -> None:
    debate = await _start(db)
    async with db.write() as session:
        joined = await session.run_sync(core.join, debate, BOB, "FOR")
        assert joined.side.name == "for" and joined.previous is None
    async with db.write() as session:
        moved = await session.run_sync(core.join, debate, BOB, "against")
        assert moved.previous is not None and moved.previous.name == "for"
    async with db.read() as session:
        rows = (await session.execute(select(func.count()).select_from(Participant))).scalar_one()
    assert rows == 1
    async with db.write() as session:
        with pytest.raises(InvalidInput, match=r"no side called “maybe”\. Its sides are “for”, “against”"):
            await session.run_sync(core.join, debate, BOB, "maybe")


async def test_claims_need_a_side_and_are_numbered_per_debate(db: Database) -> None:
    debate = await _start(db)
    async with db.write() as session:
        with pytest.raises(InvalidInput, match="Join a side"):
            await session.run_sync(claims.add_claim, debate, core.Actor(GUILD, BOB), "Interp scales")
    await _joined(db, debate, BOB, "for")
    async with db.write() as session:
        first = (await session.run_sync(claims.add_claim, debate, core.Actor(GUILD, BOB), "  Interp scales  ")).claim
        second = (
            await session.run_sync(claims.add_claim, debate, core.Actor(GUILD, BOB), "Steelman", side_name="against")
        ).claim
    assert (first.number, first.text, second.number) == (1, "Interp scales", 2)
    assert second.side_id != first.side_id


async def test_rebuttal_of_a_claim_from_another_debate_is_not_found(db: Database) -> None:
    debate = await _start(db, thread_id=100)
    other = await _start(db, thread_id=200, guild=OTHER_GUILD)
    await _joined(db, other, BOB, "for")
    await _joined(db, debate, BOB, "for")
    async with db.write() as session:
        foreign = (await session.run_sync(claims.add_claim, other, core.Actor(OTHER_GUILD, BOB), "elsewhere")).claim
    async with db.write() as session:
        with pytest.raises(NotFound, match="There is no Claim #1 in this debate"):
            await session.run_sync(
                claims.add_reply, debate, core.Actor(GUILD, BOB), foreign.number, "no", ClaimKind.REBUTTAL
            )


async def test_credences_are_append_only_and_range_checked(db: Database) -> None:
    debate = await _start(db)
    actor = core.Actor(GUILD, BOB)
    async with db.write() as session:
        crux, _ = await session.run_sync(cruxes.add_crux, debate, actor, "Will interp tools generalise?")
    async with db.write() as session:
        first = await session.run_sync(cruxes.record_credence, debate, actor, crux.number, 30)
    async with db.write() as session:
        second = await session.run_sync(cruxes.record_credence, debate, actor, crux.number, 70, "new paper")
    assert (first.previous, second.previous) == (None, 30)
    for bad in (-1, 101):
        async with db.write() as session:
            with pytest.raises(InvalidInput, match="from 0 to 100"):
                await session.run_sync(cruxes.record_credence, debate, actor, crux.number, bad)
    async with db.read() as session:
        values = (await session.execute(select(Credence.value).order_by(Credence.id))).scalars().all()
    assert values == [30, 70]


async def test_only_creator_or_moderator_resolves_and_not_twice(db: Database) -> None:
    debate = await _start(db)
    async with db.write() as session:
        crux, _ = await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, BOB), "Q?")
    async with db.write() as session:
        with pytest.raises(NotAllowed, match="creator or a member with Manage Threads"):
            await session.run_sync(cruxes.resolve_crux, debate, core.Actor(GUILD, BOB), crux.number, "yes")
    async with db.write() as session:
        resolved = (
            await session.run_sync(
                cruxes.resolve_crux, debate, core.Actor(GUILD, MOD, can_moderate=True), crux.number, "yes"
            )
        ).crux
    assert resolved.status is CruxStatus.RESOLVED and resolved.resolved_by_id == MOD
    async with db.write() as session:
        with pytest.raises(InvalidInput, match="already resolved"):
            await session.run_sync(cruxes.resolve_crux, debate, core.Actor(GUILD, ALICE), crux.number, "again")


async def test_a_failed_write_leaves_nothing_behind(db: Database) -> None:
    debate = await _start(db)
    await _joined(db, debate, BOB, "for")
    with pytest.raises(NotFound):
        async with db.write() as session:
            await session.run_sync(claims.add_claim, debate, core.Actor(GUILD, BOB), "kept?")
            await session.run_sync(claims.add_reply, debate, core.Actor(GUILD, BOB), 999, "x", ClaimKind.REBUTTAL)
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Claim))).scalar_one() == 0
        assert (await session.get(Debate, debate.id)).claim_seq == 0  # type: ignore[union-attr]


async def test_debate_lookup_is_scoped_to_the_guild(db: Database) -> None:
    await _start(db, thread_id=100)
    async with db.read() as session:
        with pytest.raises(WrongPlace, match="not a debate thread"):
            await session.run_sync(core.debate_in_thread, OTHER_GUILD, 100)
        with pytest.raises(WrongPlace, match="servers"):
            await session.run_sync(core.debate_in_thread, None, 100)


async def test_autocomplete_offers_only_this_debates_records(db: Database) -> None:
    debate = await _start(db, thread_id=100)
    other = await _start(db, thread_id=101)
    for d in (debate, other):
        await _joined(db, d, BOB, "for")
        async with db.write() as session:
            await session.run_sync(claims.add_claim, d, core.Actor(GUILD, BOB), f"claim in {d.number} " + "x" * 200)
    async with db.read() as session:
        choices = await session.run_sync(choose.claim_choices, debate, "")
        by_number = await session.run_sync(choose.claim_choices, debate, "#1")
        by_word = await session.run_sync(choose.claim_choices, debate, "CLAIM IN 1")
    assert [c.label[:14] for c in choices] == ["#1 claim in 1 "]
    assert all(len(c.label) <= 100 for c in choices)
    assert by_number == choices == by_word


async def test_a_thread_without_a_debate_finds_one_started_later_in_the_same_transaction(db: Database) -> None:
    async with db.write() as session:
        with pytest.raises(WrongPlace, match="not a debate thread"):
            await session.run_sync(core.debate_in_thread, GUILD, 300)
        started = await session.run_sync(
            core.start_debate,
            core.Actor(GUILD, ALICE),
            core.plan_debate("Started after a miss"),
            channel_id=CHANNEL,
            thread_id=300,
        )
        found = await session.run_sync(core.debate_in_thread, GUILD, 300)
    assert found.id == started.id


async def test_records_are_found_by_their_number_in_the_debate_and_never_beyond_the_database(db: Database) -> None:
    """Numbers and ids a user can send but no database row can hold (0, negative, past 32 bits) are not found,
    rather than failing in the driver (PostgreSQL's integers are 32-bit)."""
    debate = await _start(db, thread_id=100)
    await _joined(db, debate, BOB, "for")
    async with db.write() as session:
        logged = (await session.run_sync(claims.add_claim, debate, core.Actor(GUILD, BOB), "one")).claim
    async with db.read() as session:
        assert (await session.run_sync(core.numbered, debate, Claim, 1)).id == logged.id
        for number in (0, -1, 2, 2**31, 2**53):
            with pytest.raises(NotFound, match=f"There is no Claim #{number} in this debate"):
                await session.run_sync(core.numbered, debate, Claim, number)
            with pytest.raises(NotFound, match="That crux is not part of this debate"):
                await session.run_sync(core.by_id, debate, Crux, number)


async def test_a_message_logged_as_rebuttal_before_any_claim_is_refused_then_offered_the_claims(db: Database) -> None:
    debate = await _start(db)
    await _joined(db, debate, BOB, "for")
    message = claims.ChatMessage(
        id=7, author_id=BOB, content="That cannot scale", jump_url="https://x/7", channel_id=100
    )
    bob = core.Actor(GUILD, BOB)
    async with db.write() as session:
        with pytest.raises(InvalidInput, match="no claim in this debate to rebut yet"):
            await session.run_sync(claims.log_chat_rebuttal, debate, bob, message)
    async with db.write() as session:
        logged = await session.run_sync(claims.add_claim, debate, bob, "Interp scales")
        found = await session.run_sync(claims.log_chat_rebuttal, debate, bob, message)
    assert isinstance(found, claims.RebuttalPick)
    assert [claim.number for claim in found.candidates] == [logged.claim.number]
