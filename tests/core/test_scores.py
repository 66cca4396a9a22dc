"""Scores stored when a crux resolves: the fixtures of ``docs/scoring.md`` through the database, the standings and
calibration read back, and the migration that adds outcomes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text

from bot.core.cruxes import lifecycle as cruxes
from bot.core.cruxes.lifecycle import keep_stance
from bot.core.debates import lifecycle as core
from bot.core.scoring import scores
from bot.db import Database
from schema import Credence, Crux, CruxOutcome, CruxScore, CruxStatus, Debate
from tests.core.test_summary import ALICE, BOB, CAROL, GUILD, _debate


async def _resolved_crux(
    db: Database, debate: Debate, outcome: CruxOutcome, history: dict[int, list[tuple[float, int]]]
) -> Crux:
    """A crux open for ten days, with credences at the given fractions of that time, resolved with ``outcome``."""
    async with db.write() as session:
        added, _ = await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, ALICE), "Will it?")
        crux = await session.get_one(Crux, added.id)
        opened = crux.created_at
        for user, steps in history.items():
            for fraction, value in steps:
                at = opened + fraction * timedelta(days=10)
                credence = Credence(crux_id=crux.id, user_id=user, value=value, created_at=at)
                session.add(credence)
                await session.flush()
                await session.run_sync(keep_stance, credence)  # as recording a credence does
        crux.status, crux.resolution, crux.outcome = CruxStatus.RESOLVED, "Known", outcome
        crux.resolved_at = opened + timedelta(days=10)
        await session.flush()
        await session.run_sync(scores.score_crux, crux)
    return crux


async def test_scores_stored_on_resolution_reproduce_the_fixtures(db: Database) -> None:
    debate = await _debate(db)
    await _resolved_crux(db, debate, CruxOutcome.YES, {ALICE: [(0, 80)], BOB: [(0.5, 80)], CAROL: [(0, 30), (0.5, 90)]})
    await _resolved_crux(db, debate, CruxOutcome.NO, {ALICE: [(0, 30)]})
    await _resolved_crux(db, debate, CruxOutcome.YES, {ALICE: [(0, 0)]})
    await _resolved_crux(db, debate, CruxOutcome.ANNULLED, {ALICE: [(0, 99)]})
    async with db.read() as session:
        rows = (await session.execute(select(CruxScore).order_by(CruxScore.crux_id, CruxScore.user_id))).scalars().all()
    assert [(row.user_id, round(row.brier, 2), round(row.baseline, 1), round(row.coverage, 2)) for row in rows] == [
        (ALICE, 0.04, 67.8, 1.0),
        (BOB, 0.04, 33.9, 0.5),
        (CAROL, 0.25, 5.6, 1.0),
        (ALICE, 0.09, 48.5, 1.0),
        (ALICE, 1.0, -564.4, 1.0),
    ]
    async with db.read() as session:
        record = await session.run_sync(scores.debate_track_record, debate)
    assert record.scored_cruxes == 3
    assert [(row.user_id, row.scored) for row in record.standings.ordered] == [(ALICE, 3)]
    assert [row.user_id for row in record.standings.others] == [BOB, CAROL]
    assert [(b.label, b.count, b.share_yes) for b in record.calibration[ALICE]] == [
        ("[0, 10)", 1, 1.0),
        ("[30, 40)", 1, 0.0),
        ("[80, 90)", 1, 1.0),
    ]
    assert sum(b.count for b in record.overall) == 5


async def test_reopening_withdraws_the_scores(db: Database) -> None:
    debate = await _debate(db)
    crux = await _resolved_crux(db, debate, CruxOutcome.YES, {ALICE: [(0, 80)]})
    async with db.write() as session:
        await session.run_sync(cruxes.reopen_crux, debate, core.Actor(GUILD, ALICE), crux.number)
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(CruxScore))).scalar_one() == 0
        reopened = (await session.execute(select(Crux))).scalar_one()
    assert reopened.outcome is None and reopened.status is CruxStatus.OPEN


async def test_the_migration_leaves_earlier_resolutions_without_outcome_and_unscored(db: Database) -> None:
    debate = await _debate(db)
    async with db.write() as session:
        crux, _ = await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, ALICE), "Old?")
        await session.run_sync(cruxes.record_credence, debate, core.Actor(GUILD, BOB), crux.number, 70)
    await db.downgrade("0005")
    async with db.engine.begin() as connection:
        await connection.execute(text("UPDATE crux SET status = 'resolved', resolution = 'Long ago'"))
    await db.upgrade()
    async with db.read() as session:
        old = (await session.execute(select(Crux))).scalar_one()
        scored = (await session.execute(select(func.count()).select_from(CruxScore))).scalar_one()
        record = await session.run_sync(scores.debate_track_record, debate)
        credences = (await session.execute(select(func.count()).select_from(Credence))).scalar_one()
    assert old.status is CruxStatus.RESOLVED and old.outcome is None and old.resolution_url is None
    assert scored == 0 and record.scored_cruxes == 0 and credences == 1
