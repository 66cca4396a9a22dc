"""Where the sides agree and who moved, on constructed debates whose answers are known."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.cruxes import lifecycle as cruxes
from bot.core.debates import lifecycle as core
from bot.core.opinion import insights
from bot.core.summary.pages import summary_first_page
from bot.core.summary.queries import summarize
from bot.db import Database
from schema import Debate, DebateId, id_of, utcnow
from tests.core.support import started_debate

GUILD = 1
ALICE, BOB, CAROL, DAVE, EVE = 11, 12, 13, 14, 15


def mention(user_id: int) -> str:
    return f"<@{user_id}>"


async def _debate(db: Database) -> Debate:
    """Alice and Dave for, Bob and Carol against; Eve records credences without joining a side."""
    joined = {ALICE: "for", DAVE: "for", BOB: "against", CAROL: "against"}
    return await started_debate(db, guild=GUILD, creator=ALICE, joined=joined)


async def _crux(db: Database, debate: Debate, question: str, **credences: int) -> int:
    users = {"alice": ALICE, "bob": BOB, "carol": CAROL, "dave": DAVE, "eve": EVE}
    async with db.write() as session:
        crux, _ = await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, ALICE), question)
        for name, value in credences.items():
            await session.run_sync(cruxes.record_credence, debate, core.Actor(GUILD, users[name]), crux.number, value)
    return crux.number


async def _credence(db: Database, debate: Debate, user: int, crux: int, value: int, reason: str | None = None) -> None:
    async with db.write() as session:
        await session.run_sync(cruxes.record_credence, debate, core.Actor(GUILD, user), crux, value, reason)


async def test_common_ground_on_a_constructed_debate(db: Database) -> None:
    debate = await _debate(db)
    await _crux(db, debate, "All lean yes?", alice=80, dave=70, bob=60, carol=90)  # (3/4)·(3/4)
    await _crux(db, debate, "Opposite?", alice=80, bob=20, eve=20)
    await _crux(db, debate, "A tied side?", alice=80, dave=20, bob=90)
    await _crux(db, debate, "Fifty-fifty?", alice=50, bob=50)
    await _crux(db, debate, "One side only?", alice=80, dave=90, eve=90)
    await _crux(db, debate, "All lean no?", alice=20, dave=45, bob=10)  # (3/4)·(2/3)
    await _crux(db, debate, "Mostly fifties?", alice=50, dave=50, bob=10, carol=20)
    settled = await _crux(db, debate, "Settled?", alice=90, bob=90)
    async with db.write() as session:
        await session.run_sync(
            cruxes.resolve_crux, debate, core.Actor(GUILD, ALICE), settled, "Yes"
        )  # open cruxes only
    async with db.read() as session:
        found = await session.run_sync(insights.agreements, debate)
    assert found.total == 2
    assert [(c.number, c.agreement.yes, c.agreement.sides) for c in found.strongest] == [(1, True, 2), (6, False, 2)]
    assert [c.agreement.strength for c in found.strongest] == [pytest.approx(9 / 16), pytest.approx(0.5)]
    assert found.strongest[0].question == "All lean yes?"


async def test_movement_since_the_start_then_since_the_last_summary(db: Database) -> None:
    debate = await _debate(db)
    first = await _crux(db, debate, "Moves?", alice=30, bob=60)
    quiet = await _crux(db, debate, "Quiet?", carol=40)
    await _credence(db, debate, ALICE, first, 70, "new data")
    async with db.read() as session:
        moved = await session.run_sync(insights.movements, debate)
    assert [(c.number, c.total) for c in moved] == [(1, 40)]
    assert [(m.user_id, m.before, m.latest, m.reason) for m in moved[0].moves] == [(ALICE, 30, 70, "new data")]

    async with db.write() as session:
        await session.run_sync(core.mark_summarized, core.Actor(GUILD, ALICE), DebateId(id_of(debate)), utcnow())
    await _credence(db, debate, ALICE, first, 60, "second thoughts")
    await _credence(db, debate, BOB, first, 80)
    await _credence(db, debate, BOB, first, 90, "the *benchmark* <@&1>")
    await _credence(db, debate, CAROL, first, 50)  # new: not movement
    await _credence(db, debate, CAROL, quiet, 45)
    await _credence(db, debate, CAROL, quiet, 40)  # back where it stood
    async with db.read() as session:
        moved = await session.run_sync(insights.movements, debate)
        glance = await session.run_sync(insights.glance, debate)
    assert [(c.number, c.total) for c in moved] == [(1, 40)]
    assert [(m.user_id, m.before, m.latest) for m in moved[0].moves] == [(BOB, 60, 90), (ALICE, 70, 60)]
    assert glance.moved_by == {ALICE: 1, BOB: 1}

    async with db.read() as session:
        summarized = await session.get(Debate, debate.id)  # as posting a summary reads it, with its summary time
        assert summarized is not None
        summary = await session.run_sync(summarize, summarized, insights=True)
    text = summary_first_page(summary, mention).text
    moved = f"• Crux #1 (moved 40): <@{BOB}> 60→**90**, <@{ALICE}> 70→**60**"
    assert f"**Who moved** (since the last summary)\n{moved}" in text
    assert f"• <@{BOB}> (against): **60 → 90** — “the \\*benchmark\\* \\<@&1\\>”" in text  # the crux's own line
    assert f"• <@{ALICE}> (for): **30 → 60** — “second thoughts”" in text


async def test_the_summary_names_where_the_sides_agree(db: Database) -> None:
    debate = await _debate(db)
    await _crux(db, debate, "Agreed?", alice=80, bob=70)
    await _crux(db, debate, "Disputed?", alice=80, bob=20)
    async with db.read() as session:
        summary = await session.run_sync(summarize, debate, insights=True)
        plain = await session.run_sync(summarize, debate)
    text = summary_first_page(summary, mention).text
    assert "**Where the sides agree** (1 crux): all sides think likely #1" in text
    assert "Where the sides agree" not in summary_first_page(plain, mention).text


async def test_a_summary_posted_late_leaves_the_time_of_a_later_one(db: Database) -> None:
    debate = await _debate(db)
    earlier, later = utcnow() - timedelta(seconds=5), utcnow()
    for when in (later, earlier):  # the summary read first was posted last
        async with db.write() as session:
            await session.run_sync(core.mark_summarized, core.Actor(GUILD, ALICE), DebateId(id_of(debate)), when)
    async with db.read() as session:
        stored = await session.get(Debate, debate.id)
    assert stored is not None and stored.summarized_at == later
