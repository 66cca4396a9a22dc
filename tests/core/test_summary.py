"""The crux summary: ordering, stances, movement, double cruxes, linked claims, and its query count."""

from __future__ import annotations

from sqlalchemy import event

from bot.core import claims, cruxes
from bot.core import debates as core
from bot.core.summary import pack, render_summary, summarize
from bot.db import Database
from schema import ClaimKind, Debate

GUILD = 1
ALICE, BOB, CAROL = 11, 12, 13


async def _debate(db: Database) -> Debate:
    async with db.write() as session:
        debate = await core.start_debate(
            session, core.Actor(GUILD, ALICE), core.plan_debate("Interp or governance?"), channel_id=1, thread_id=2
        )
        await core.join(session, debate, ALICE, "for")
        await core.join(session, debate, BOB, "against")
        await core.join(session, debate, CAROL, "against")
    return debate


async def _grow(db: Database, debate: Debate, count: int) -> None:
    alice, bob = core.Actor(GUILD, ALICE), core.Actor(GUILD, BOB)
    for i in range(count):
        async with db.write() as session:
            claim = (await claims.add_claim(session, debate, alice, f"claim {i}")).claim
            await claims.add_reply(session, debate, bob, claim.id or 0, f"no {i}", ClaimKind.REBUTTAL)
            crux, _ = await cruxes.add_crux(session, debate, alice, f"question {i}?", claim.id)
            await cruxes.record_credence(session, debate, alice, crux.id or 0, 20 + i % 50)
            await cruxes.record_credence(session, debate, bob, crux.id or 0, 80)
            await cruxes.record_credence(session, debate, alice, crux.id or 0, 30)


async def test_summary_orders_by_spread_and_shows_movement_and_double_cruxes(db: Database) -> None:
    debate = await _debate(db)
    alice, bob, carol = (core.Actor(GUILD, u) for u in (ALICE, BOB, CAROL))
    async with db.write() as session:
        claim = (await claims.add_claim(session, debate, alice, "Interp tools will generalise")).claim
        rebuttal = (
            await claims.add_reply(session, debate, bob, claim.id or 0, "They never have", ClaimKind.REBUTTAL)
        ).claim
        near, _ = await cruxes.add_crux(session, debate, alice, "Near agreement?")
        wide, _ = await cruxes.add_crux(session, debate, alice, "Do circuits transfer?", claim.id)
        gone, _ = await cruxes.add_crux(session, debate, alice, "Settled?")
        await cruxes.record_credence(session, debate, alice, near.id or 0, 60)
        await cruxes.record_credence(session, debate, bob, near.id or 0, 55)
        await cruxes.record_credence(session, debate, alice, wide.id or 0, 90)
        await cruxes.record_credence(session, debate, bob, wide.id or 0, 40)
        await cruxes.record_credence(session, debate, bob, wide.id or 0, 10, "read the transfer paper")
        await cruxes.record_credence(session, debate, carol, wide.id or 0, 30)
        await cruxes.resolve_crux(session, debate, alice, gone.id or 0, "Yes, by experiment")
    async with db.read() as session:
        summary = await summarize(session, debate)
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
        await claims.add_reply(session, debate, alice, rebuttal.id or 0, "Some did", ClaimKind.REBUTTAL)
    async with db.read() as session:
        answered = await summarize(session, debate)
    assert [c.state for c in answered.unresolved[0].claims] == ["rebutted, rebuttal answered"]

    text = "\n\n".join(render_summary(summary, lambda uid: f"<@{uid}>"))
    assert "**Crux #2** · **double crux** · spread 80" in text
    assert f"<@{BOB}> (against): **40 → 10** — “read the transfer paper”" in text
    assert text.index("Crux #2") < text.index("Crux #1") < text.index("Resolved (1)") < text.index("Crux #3")
    assert "Resolved: Yes, by experiment" in text


async def test_summary_uses_the_same_number_of_queries_at_any_size(db: Database) -> None:
    small, large = await _debate(db), None
    async with db.write() as session:
        large = await core.start_debate(
            session, core.Actor(GUILD, ALICE), core.plan_debate("Large"), channel_id=1, thread_id=3
        )
        await core.join(session, large, ALICE, "for")
        await core.join(session, large, BOB, "against")
    await _grow(db, small, 2)
    await _grow(db, large, 40)

    async def count_statements(debate: Debate) -> int:
        statements: list[str] = []

        def record(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine.sync_engine, "before_cursor_execute", record)
        try:
            async with db.read() as session:
                summary = await summarize(session, debate)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", record)
        assert summary.unresolved
        return len(statements)

    assert await count_statements(small) == await count_statements(large)


def test_pack_never_drops_text_and_respects_the_limit() -> None:
    blocks = ["a" * 50, "b" * 30, "c" * 120, "line\n" * 40]
    pages = pack(blocks, 100)
    assert all(len(page) <= 100 for page in pages)
    assert "".join(pages).replace("\n", "").count("c") == 120
    assert "".join(pages).count("line") == 40


def test_markdown_in_user_text_is_escaped() -> None:
    from bot.core.text import escape_markdown

    assert escape_markdown("**bold** # head\n> quote `x`") == "\\*\\*bold\\*\\* # head\n\\> quote \\`x\\`"


async def test_several_debates_are_summarized_in_the_same_number_of_queries(db: Database) -> None:
    from bot.core.summary import agenda_activity_since, summarize_agenda, summarize_debates
    from schema import utcnow

    async with db.write() as session:
        debates = [
            await core.start_debate(
                session, core.Actor(GUILD, ALICE), core.plan_debate(f"D{i}", agenda="Agenda"), channel_id=1, thread_id=i
            )
            for i in range(3)
        ]
    for debate in debates:
        async with db.write() as session:
            await core.join(session, debate, ALICE, "for")
            await core.join(session, debate, BOB, "against")
        await _grow(db, debate, 2)
    before = utcnow()

    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(str(args[2])))
    async with db.read() as session:
        one = await summarize_debates(session, debates[:1])
        count_one = len(statements)
        three = await summarize_debates(session, debates)
    assert len(statements) - count_one == count_one
    assert [s.topic for s in three] == ["D0", "D1", "D2"] and three[0] == one[0]

    agenda_id = debates[0].agenda_id or 0
    async with db.read() as session:
        agenda = await summarize_agenda(session, GUILD, agenda_id)
        quiet = await agenda_activity_since(session, GUILD, agenda_id, before)
    assert agenda.name == "Agenda" and len(agenda.debates) == 3 and not quiet
    async with db.write() as session:
        await claims.add_claim(session, debates[1], core.Actor(GUILD, ALICE), "news")
    async with db.read() as session:
        assert await agenda_activity_since(session, GUILD, agenda_id, before)
