"""The crux summary: ordering, stances, movement, double cruxes, linked claims, and its query count."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import bindparam, event, func, select, text

from bot.core.claims import arguments as claims
from bot.core.cruxes import lifecycle as cruxes
from bot.core.debates import lifecycle as core
from bot.core.summary.pages import summary_first_page, summary_page
from bot.core.summary.queries import CruxListStatus, crux_list, summarize
from bot.core.text import pack
from bot.core.visibility import Audience
from bot.db import Database
from schema import ClaimKind, Credence, CruxStance, Debate, utcnow
from schema.types import UTCDateTime
from tests.core.support import started_debate

GUILD = 1
ALICE, BOB, CAROL = 11, 12, 13


async def _debate(db: Database) -> Debate:
    joined = {ALICE: "for", BOB: "against", CAROL: "against"}
    return await started_debate(db, guild=GUILD, creator=ALICE, joined=joined)


async def _grow(db: Database, debate: Debate, count: int) -> None:
    alice, bob = core.Actor(GUILD, ALICE), core.Actor(GUILD, BOB)
    for i in range(count):
        async with db.write() as session:
            claim = (await session.run_sync(claims.add_claim, debate, alice, f"claim {i}")).claim
            await session.run_sync(claims.add_reply, debate, bob, claim.number, f"no {i}", ClaimKind.REBUTTAL)
            crux, _ = await session.run_sync(cruxes.add_crux, debate, alice, f"question {i}?", claim.number)
            await session.run_sync(cruxes.record_credence, debate, alice, crux.number, 20 + i % 50)
            await session.run_sync(cruxes.record_credence, debate, bob, crux.number, 80)
            await session.run_sync(cruxes.record_credence, debate, alice, crux.number, 30)


async def test_summary_orders_by_spread_and_shows_movement_and_double_cruxes(db: Database) -> None:
    debate = await _debate(db)
    alice, bob, carol = (core.Actor(GUILD, u) for u in (ALICE, BOB, CAROL))
    async with db.write() as session:
        claim = (await session.run_sync(claims.add_claim, debate, alice, "Interp tools will generalise")).claim
        rebuttal = (
            await session.run_sync(claims.add_reply, debate, bob, claim.number, "They never have", ClaimKind.REBUTTAL)
        ).claim
        near, _ = await session.run_sync(cruxes.add_crux, debate, alice, "Near agreement?")
        wide, _ = await session.run_sync(cruxes.add_crux, debate, alice, "Do circuits transfer?", claim.number)
        gone, _ = await session.run_sync(cruxes.add_crux, debate, alice, "Settled?")
        await session.run_sync(cruxes.record_credence, debate, alice, near.number, 60)
        await session.run_sync(cruxes.record_credence, debate, bob, near.number, 55)
        await session.run_sync(cruxes.record_credence, debate, alice, wide.number, 90)
        await session.run_sync(cruxes.record_credence, debate, bob, wide.number, 40)
        await session.run_sync(cruxes.record_credence, debate, bob, wide.number, 10, "read the transfer paper")
        await session.run_sync(cruxes.record_credence, debate, carol, wide.number, 30)
        await session.run_sync(cruxes.resolve_crux, debate, alice, gone.number, "Yes, by experiment")
    async with db.read() as session:
        summary = await session.run_sync(summarize, debate)
    assert [c.number for c in summary.unresolved] == [2, 1]
    assert [c.number for c in summary.resolved] == [3]
    wide_summary = summary.unresolved[0]
    assert wide_summary.spread == 80 and wide_summary.is_double_crux
    assert not summary.unresolved[1].is_double_crux  # 60 vs 55: same side of 50
    bob_stance = next(s for s in wide_summary.stances if s.user_id == BOB)
    assert (bob_stance.first, bob_stance.latest, bob_stance.side, bob_stance.reason) == (
        40,
        10,
        "against",
        "read the transfer paper",
    )
    assert [c.state for c in wide_summary.claims] == ["has an unanswered rebuttal"]
    async with db.write() as session:
        await session.run_sync(claims.add_reply, debate, alice, rebuttal.number, "Some did", ClaimKind.REBUTTAL)
    async with db.read() as session:
        answered = await session.run_sync(summarize, debate)
    assert [c.state for c in answered.unresolved[0].claims] == ["rebutted, rebuttal answered"]

    text = summary_first_page(summary, lambda uid: f"<@{uid}>").text
    assert "**Crux #2** · **double crux** · spread 80" in text
    assert f"<@{BOB}> (against): **40 → 10** — “read the transfer paper”" in text
    assert text.index("Crux #2") < text.index("Crux #1") < text.index("Resolved (1)") < text.index("Crux #3")
    assert "Resolved: Yes, by experiment" in text


async def test_summary_uses_the_same_number_of_queries_at_any_size(db: Database) -> None:
    small, large = await _debate(db), None
    async with db.write() as session:
        large = await session.run_sync(
            core.start_debate, core.Actor(GUILD, ALICE), core.plan_debate("Large"), channel_id=1, thread_id=3
        )
        await session.run_sync(core.join, large, ALICE, "for")
        await session.run_sync(core.join, large, BOB, "against")
    await _grow(db, small, 2)
    await _grow(db, large, 40)

    async def count_statements(debate: Debate, insights: bool) -> int:
        statements: list[str] = []

        def record(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine.sync_engine, "before_cursor_execute", record)
        try:
            async with db.read() as session:
                summary = await session.run_sync(summarize, debate, insights=insights)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", record)
        assert summary.unresolved
        return len(statements)

    for insights in (False, True):  # where the sides agree and who moved: a fixed number of statements too
        assert await count_statements(small, insights) == await count_statements(large, insights)


def test_pack_never_drops_text_and_respects_the_limit() -> None:
    blocks = ["a" * 50, "b" * 30, "c" * 120, "line\n" * 40]
    pages = pack(blocks, 100)
    assert all(len(page) <= 100 for page in pages)
    assert "".join(pages).replace("\n", "").count("c") == 120
    assert "".join(pages).count("line") == 40


def test_markdown_in_user_text_is_escaped() -> None:
    from bot.core.text import as_typed

    assert as_typed("**bold** # head\n> quote `x`") == "\\*\\*bold\\*\\* # head\n\\> quote \\`x\\`"


async def test_several_debates_are_summarized_in_the_same_number_of_queries(db: Database) -> None:
    from bot.core.debates.digests import agenda_activity_since
    from bot.core.summary.queries import summarize_agenda, summarize_debates
    from schema import utcnow

    async with db.write() as session:
        debates = [
            await session.run_sync(
                core.start_debate,
                core.Actor(GUILD, ALICE),
                core.plan_debate(f"D{i}", agenda="Agenda"),
                channel_id=1,
                thread_id=i,
            )
            for i in range(3)
        ]
    for debate in debates:
        async with db.write() as session:
            await session.run_sync(core.join, debate, ALICE, "for")
            await session.run_sync(core.join, debate, BOB, "against")
        await _grow(db, debate, 2)
    before = utcnow()

    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(str(args[2])))
    async with db.read() as session:
        one = await session.run_sync(summarize_debates, debates[:1])
        count_one = len(statements)
        three = await session.run_sync(summarize_debates, debates)
    assert len(statements) - count_one == count_one
    assert [s.topic for s in three] == ["D0", "D1", "D2"] and three[0] == one[0]

    agenda_id = debates[0].agenda_id or 0
    async with db.read() as session:
        agenda = await session.run_sync(summarize_agenda, GUILD, agenda_id, Audience(frozenset({1})))
        quiet = await session.run_sync(agenda_activity_since, GUILD, agenda_id, before)
    assert agenda.name == "Agenda" and len(agenda.debates) == 3 and not quiet
    async with db.write() as session:
        await session.run_sync(claims.add_claim, debates[1], core.Actor(GUILD, ALICE), "news")
    async with db.read() as session:
        assert await session.run_sync(agenda_activity_since, GUILD, agenda_id, before)


async def test_summary_shows_the_widest_disagreements_and_says_how_many_more(db: Database) -> None:
    from bot.core.summary.pages import FIRST_CRUXES, agenda_page
    from bot.core.summary.queries import SUMMARY_CRUXES, SUMMARY_RESOLVED, summarize_agenda

    alice, bob = core.Actor(GUILD, ALICE), core.Actor(GUILD, BOB)
    async with db.write() as session:
        debate = await session.run_sync(
            core.start_debate, alice, core.plan_debate("Many cruxes", agenda="Safety"), channel_id=1, thread_id=2
        )
        await session.run_sync(core.join, debate, ALICE, "for")
        await session.run_sync(core.join, debate, BOB, "against")
        for i in range(SUMMARY_CRUXES + 3):  # crux i+1: spread 5 * i (0, 5, 10, …)
            crux, _ = await session.run_sync(cruxes.add_crux, debate, alice, f"Open question {i + 1}?")
            await session.run_sync(cruxes.record_credence, debate, alice, crux.number, 20)
            await session.run_sync(cruxes.record_credence, debate, bob, crux.number, 20 + 5 * i)
        settled = [(await session.run_sync(cruxes.add_crux, debate, alice, f"Settled {j + 1}?"))[0] for j in range(7)]
    for crux in reversed(settled):  # resolved last-numbered first: the most recent are Settled 5, 4, 3, 2, 1
        async with db.write() as session:
            await session.run_sync(cruxes.resolve_crux, debate, alice, crux.number, f"Answer to {crux.question}")

    async with db.read() as session:
        summary = await session.run_sync(summarize, debate)
        everything = await session.run_sync(summarize, debate, cruxes=None, resolved=None)
    assert [c.number for c in summary.unresolved] == list(range(13, 3, -1))  # widest spread first
    assert [c.spread for c in summary.unresolved] == [60, 55, 50, 45, 40, 35, 30, 25, 20, 15]
    assert (summary.unresolved_total, summary.more_unresolved) == (13, 3)
    assert [c.question for c in summary.resolved] == [f"Settled {j}?" for j in range(1, SUMMARY_RESOLVED + 1)]
    assert (summary.resolved_total, len(summary.resolved)) == (7, SUMMARY_RESOLVED)
    assert [c.number for c in everything.unresolved] == list(range(13, 0, -1)) and len(everything.resolved) == 7

    first = summary_first_page(summary, lambda uid: f"<@{uid}>")
    assert "13 unresolved cruxes, 7 resolved · 0 claims, 0 rebuttals, 0 supports · 2 participants" in first.text
    shown = [int(number) for number in re.findall(r"\*\*Crux #(\d+)\*\*", first.text)]
    assert first.end >= FIRST_CRUXES and shown == list(range(13, 13 - first.end, -1))  # widest spread first
    more = 13 + 7 - first.end
    assert f"…and {more} more cruxes: **Next ▶** shows them, `/crux list` lists them." in first.text
    assert first.text.endswith("The whole record, every text in full: `/debate export format:markdown`.")
    paged, start = list(shown), first.following
    while start is not None:  # Next ▶ from the first page to the last: every crux the first page counted, once
        async with db.read() as session:
            page = await session.run_sync(summary_page, debate, start, lambda uid: f"<@{uid}>")
        assert page.total == 13 + 7
        paged += [int(number) for number in re.findall(r"\*\*Crux #(\d+)\*\*", page.text)]
        start = page.following
    assert sorted(paged) == list(range(1, 21))

    async with db.read() as session:
        agenda = await session.run_sync(summarize_agenda, GUILD, debate.agenda_id or 0, Audience(frozenset({1})))
    agenda_first = agenda_page(agenda, 0, lambda uid: f"<@{uid}>")
    assert "13 unresolved cruxes in 1 debate (of 1)" in agenda_first.text
    assert agenda_first.total == SUMMARY_CRUXES + 1 and "Settled" not in agenda_first.text
    last = agenda_page(agenda, agenda_first.total - 1, lambda uid: f"<@{uid}>")
    assert "…and 3 more unresolved cruxes: `/crux list` in its thread lists them all." in last.text


async def test_a_small_summary_shows_everything_and_no_pointer(db: Database) -> None:
    debate = await _debate(db)
    await _grow(db, debate, 2)
    async with db.read() as session:
        summary = await session.run_sync(summarize, debate)
    text = summary_first_page(summary, lambda uid: f"<@{uid}>").text
    assert summary.more_unresolved == 0 and "more unresolved" not in text and "/debate export" not in text


async def _stance_rows(db: Database) -> list[tuple[int, int, int, int, int, int, str | None, int]]:
    async with db.read() as session:
        statement = select(
            CruxStance.crux_id,
            CruxStance.user_id,
            CruxStance.first_credence_id,
            CruxStance.first_value,
            CruxStance.latest_credence_id,
            CruxStance.latest_value,
            CruxStance.latest_reason,
            CruxStance.updates,
        ).order_by(CruxStance.crux_id, CruxStance.user_id)
        return [tuple(row) for row in (await session.execute(statement)).all()]  # type: ignore[misc]


async def _stances_from_history(db: Database) -> list[tuple[int, int, int, int, int, int, str | None, int]]:
    """The stances as the credence history defines them: first and latest row per (crux, user), and the count."""
    from sqlalchemy import select

    from schema import Credence

    async with db.read() as session:
        rows = (await session.execute(select(Credence).order_by(Credence.id))).scalars().all()
    history: dict[tuple[int, int], list[Credence]] = {}
    for row in rows:
        history.setdefault((row.crux_id, row.user_id), []).append(row)
    return [
        (crux, user, rows[0].id or 0, rows[0].value, rows[-1].id or 0, rows[-1].value, rows[-1].reason, len(rows))
        for (crux, user), rows in sorted(history.items())
    ]


async def _spreads(db: Database) -> dict[int, int]:
    from sqlalchemy import select

    from schema import Crux

    async with db.read() as session:
        return {number: spread for number, spread in (await session.execute(select(Crux.number, Crux.spread))).all()}


async def test_the_stance_and_spread_follow_every_credence(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from schema import utcnow

    debate = await _debate(db)
    alice, bob, carol = (core.Actor(GUILD, u) for u in (ALICE, BOB, CAROL))
    async with db.write() as session:
        crux, _ = await session.run_sync(cruxes.add_crux, debate, alice, "Do circuits transfer?")
        other, _ = await session.run_sync(cruxes.add_crux, debate, alice, "Untouched?")
    crux_id = crux.number

    async def credence(actor: core.Actor, value: int, reason: str | None = None) -> cruxes.CredenceRecorded:
        async with db.write() as session:
            return await session.run_sync(cruxes.record_credence, debate, actor, crux_id, value, reason)

    await credence(alice, 30)
    assert await _spreads(db) == {1: 0, 2: 0}  # one participant: no spread yet
    assert (await credence(alice, 30)).repeated  # a double click within REPEAT_WINDOW: recorded once
    await credence(bob, 90, "priors")
    assert await _spreads(db) == {1: 60, 2: 0}
    await credence(alice, 60, "read the transfer paper")
    assert (await credence(alice, 60, "read the transfer paper")).repeated
    later = utcnow() + timedelta(seconds=11)
    monkeypatch.setattr(cruxes, "utcnow", lambda: later)  # the same credence again after the window: a new one
    assert not (await credence(alice, 60, "read the transfer paper")).repeated
    await credence(carol, 10)
    assert await _spreads(db) == {1: 80, 2: 0}

    stances = await _stance_rows(db)
    assert stances == await _stances_from_history(db)
    assert [(user, first, latest, reason, updates) for _, user, _, first, _, latest, reason, updates in stances] == [
        (ALICE, 30, 60, "read the transfer paper", 3),
        (BOB, 90, 90, "priors", 1),
        (CAROL, 10, 10, None, 1),
    ]
    async with db.read() as session:
        summary = await session.run_sync(summarize, debate)
    text = summary_first_page(summary, lambda uid: f"<@{uid}>").text
    assert f"<@{ALICE}> (for): **30 → 60** — “read the transfer paper”" in text
    assert "**Crux #1** · **double crux** · spread 80" in text
    assert other.number == 2 and summary.unresolved[1].stances == ()


async def test_concurrent_credences_merge_into_one_stance_whatever_their_order(db: Database) -> None:
    """Two transactions appending credences for the same user and crux may update the stance in either order; the
    upsert keeps the lowest id as first and the highest as latest, and counts both."""
    from bot.core.cruxes.lifecycle import keep_stance
    from schema import Credence, utcnow

    debate = await _debate(db)
    async with db.write() as session:
        crux, _ = await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, ALICE), "Q?")
    older = Credence(id=101, crux_id=crux.id or 0, user_id=ALICE, value=20, reason="first", created_at=utcnow())
    newer = Credence(id=102, crux_id=crux.id or 0, user_id=ALICE, value=70, reason="second", created_at=utcnow())
    for credence in (newer, older):  # the later credence's transaction reaches the stance first
        async with db.write() as session:
            await session.run_sync(keep_stance, credence)
    assert await _stance_rows(db) == [(crux.id, ALICE, 101, 20, 102, 70, "second", 2)]


async def test_the_migration_fills_stances_and_spreads_from_existing_credences(db: Database) -> None:
    debate = await _debate(db)
    async with db.write() as session:
        wide, _ = await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, ALICE), "Wide?")
        lone, _ = await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, ALICE), "Lone?")
        await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, ALICE), "Silent?")
    await db.downgrade("0004")
    async with db.engine.begin() as connection:
        insert = text(
            "INSERT INTO credence (crux_id, user_id, value, reason, created_at) "
            "VALUES (:crux, :user, :value, :reason, :at)"
        ).bindparams(bindparam("at", type_=UTCDateTime()))
        for crux, user, value, reason in [
            (wide.id, ALICE, 70, None),
            (wide.id, BOB, 40, "first look"),
            (wide.id, ALICE, 85, "new evals"),
            (wide.id, BOB, 15, "the paper"),
            (wide.id, ALICE, 80, "on reflection"),
            (lone.id, CAROL, 55, None),
        ]:
            await connection.execute(
                insert, {"crux": crux, "user": user, "value": value, "reason": reason, "at": utcnow()}
            )
    await db.upgrade()

    assert await _stance_rows(db) == await _stances_from_history(db)
    assert [row[1:] for row in await _stance_rows(db)] == [
        (ALICE, 1, 70, 5, 80, "on reflection", 3),
        (BOB, 2, 40, 4, 15, "the paper", 2),
        (CAROL, 6, 55, 6, 55, None, 1),
    ]
    assert await _spreads(db) == {1: 65, 2: 0, 3: 0}
    async with db.read() as session:
        summary = await session.run_sync(summarize, debate)
    assert [c.question for c in summary.unresolved] == ["Wide?", "Lone?", "Silent?"]
    assert [(s.user_id, s.first, s.latest, s.updates) for s in summary.unresolved[0].stances] == [
        (ALICE, 70, 80, 3),
        (BOB, 40, 15, 2),
    ]


async def test_downgrading_past_the_stances_keeps_every_credence(db: Database) -> None:
    """Dropping ``crux.spread`` rebuilds ``crux`` on SQLite: with foreign keys on, that would cascade into credences."""
    debate = await _debate(db)
    async with db.write() as session:
        crux, _ = await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, ALICE), "Kept?")
        await session.run_sync(cruxes.record_credence, debate, core.Actor(GUILD, ALICE), crux.number, 60)
    await db.downgrade("0004")
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Credence))).scalar_one() == 1
    await db.upgrade()
    assert await _stance_rows(db) == await _stances_from_history(db)


async def test_a_narrow_double_crux_comes_before_wider_one_sided_disagreements(db: Database) -> None:
    """Ten cruxes where Alice (for) and Bob (against) are 45 apart on the same side of 50, and one where they are 10
    apart on opposite sides: the summary shows that double crux first, though it is the narrowest."""
    debate = await _debate(db)
    alice, bob = core.Actor(GUILD, ALICE), core.Actor(GUILD, BOB)
    async with db.write() as session:
        for i in range(10):
            crux, _ = await session.run_sync(cruxes.add_crux, debate, alice, f"One-sided {i}?")
            await session.run_sync(cruxes.record_credence, debate, alice, crux.number, 55)
            await session.run_sync(cruxes.record_credence, debate, bob, crux.number, 100)
        double, _ = await session.run_sync(cruxes.add_crux, debate, alice, "Do the two sides disagree here?")
        await session.run_sync(cruxes.record_credence, debate, alice, double.number, 45)
        await session.run_sync(cruxes.record_credence, debate, bob, double.number, 55)
    async with db.read() as session:
        summary = await session.run_sync(summarize, debate)
    assert summary.unresolved[0].number == double.number and summary.unresolved[0].is_double_crux
    assert [crux.number for crux in summary.unresolved[1:]] == list(range(1, 10)) and summary.more_unresolved == 1


async def test_a_double_crux_needs_a_holder_below_50_and_one_above_it_of_different_sides(db: Database) -> None:
    """Bob and Carol (against) at 20 and 80 make no double crux with Alice (for) at 50, which is neither below nor
    above; with Alice at 70 they do (Bob below, Alice above)."""
    debate = await _debate(db)
    voices = {ALICE: core.Actor(GUILD, ALICE), BOB: core.Actor(GUILD, BOB), CAROL: core.Actor(GUILD, CAROL)}
    async with db.write() as session:
        for alice in (50, 70):
            crux, _ = await session.run_sync(cruxes.add_crux, debate, voices[ALICE], f"Alice at {alice}?")
            for user, value in ((BOB, 20), (CAROL, 80), (ALICE, alice)):
                await session.run_sync(cruxes.record_credence, debate, voices[user], crux.number, value)
    async with db.read() as session:
        summary = await session.run_sync(summarize, debate)
    assert {crux.question: crux.is_double_crux for crux in summary.unresolved} == {
        "Alice at 50?": False,
        "Alice at 70?": True,
    }


@pytest.mark.parametrize(
    ("status", "listed"), [("open", [2, 1]), ("resolved", [3]), ("all", [2, 1, 3])], ids=["open", "resolved", "all"]
)
async def test_the_crux_list_of_a_status_holds_every_such_crux_in_the_summarys_order(
    db: Database, status: CruxListStatus, listed: list[int]
) -> None:
    debate = await _debate(db)
    alice, bob = core.Actor(GUILD, ALICE), core.Actor(GUILD, BOB)
    async with db.write() as session:
        for question in ("Narrow?", "Wide?", "Settled?"):
            await session.run_sync(cruxes.add_crux, debate, alice, question)
        for number, (a, b) in ((1, (40, 50)), (2, (10, 90))):
            await session.run_sync(cruxes.record_credence, debate, alice, number, a)
            await session.run_sync(cruxes.record_credence, debate, bob, number, b)
        await session.run_sync(cruxes.resolve_crux, debate, alice, 3, "Yes, it is.")
    async with db.read() as session:
        found = await session.run_sync(crux_list, debate, status)
    assert [crux.number for crux in found] == listed
