"""``Database.transact``: a synchronous job as one transaction, committed before it returns, or not at all."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from dataclasses import dataclass, fields
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from benchmarks.common import reset_postgres
from bot.config import normalize_database_url
from bot.core import records
from bot.core.claims import arguments as claims
from bot.core.debates import lifecycle as core
from bot.core.errors import InvalidInput
from bot.core.records import (
    AgendaSnapshot,
    ClaimSnapshot,
    CredenceSnapshot,
    CruxSnapshot,
    DebateSnapshot,
    ImportDraftSnapshot,
    RevisionSnapshot,
    SideSnapshot,
    Snapshot,
    TimerSnapshot,
)
from bot.db import Database, LiveRowReturned, alembic_config
from schema import Agenda, Claim, ClaimRevision, Credence, Crux, Debate, ImportDraft, Side, Timer, table_of
from tests.core.support import started_debate

GUILD, THREAD, ALICE = 1001, 100, 1


async def _joined_debate(db: Database) -> Debate:
    return await started_debate(db, guild=GUILD, creator=ALICE, joined={ALICE: "for"}, thread=THREAD)


def _log(session: Session, text: str) -> claims.Logged:
    debate = core.open_debate_in_thread(session, GUILD, THREAD)
    return claims.add_claim(session, debate, core.Actor(GUILD, ALICE), text)


async def _stored(db: Database) -> list[tuple[int, str]]:
    async with db.read() as session:
        return [tuple(row) for row in await session.execute(select(Claim.number, Claim.text).order_by(Claim.number))]


async def test_a_job_is_committed_before_transact_returns(db: Database) -> None:
    await _joined_debate(db)
    logged = await db.transact(_log, "Tabs")
    assert (logged.claim.number, logged.claim.text, logged.side and logged.side.name) == (1, "Tabs", "for")
    assert await _stored(db) == [(1, "Tabs")]


async def test_a_job_that_raises_changes_nothing(db: Database) -> None:
    await _joined_debate(db)

    def log_then_fail(session: Session) -> None:
        _log(session, "Half done")
        raise RuntimeError("the job failed after its insert")

    with pytest.raises(RuntimeError, match="after its insert"):
        await db.transact(log_then_fail)
    assert await _stored(db) == []
    assert (await db.transact(_log, "Next")).claim.number == 1  # the number taken by the failed job was rolled back


async def test_a_refused_job_among_concurrent_ones_undoes_nothing_of_the_others(db: Database) -> None:
    """These eleven jobs are written together (group commit): the refusal rolls the batch back, the others run
    again."""
    await _joined_debate(db)

    def refused(session: Session) -> None:
        _log(session, "Refused after its insert")
        raise InvalidInput("refused")

    kept = [db.transact(_log, f"kept {i}") for i in range(10)]
    outcomes = await asyncio.gather(*kept[:5], db.transact(refused), *kept[5:], return_exceptions=True)
    assert isinstance(outcomes[5], InvalidInput)
    assert [outcome.claim.text for outcome in outcomes if isinstance(outcome, claims.Logged)] == [
        f"kept {i}" for i in range(10)
    ]
    stored = await _stored(db)
    assert sorted(text for _, text in stored) == sorted(f"kept {i}" for i in range(10))
    assert [number for number, _ in stored] == list(range(1, 11))


async def test_a_written_batch_leaves_no_reference_cycle(db: Database) -> None:
    """A batch's jobs and outcomes are freed once its callers are answered: left in a reference cycle, they would
    all wait for the garbage collector, which walks the whole heap to find them."""
    await _joined_debate(db)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds is kept in gc.garbage instead of freed
    try:
        await asyncio.gather(*(db.transact(_log, f"claim {i}") for i in range(5)))
        gc.collect()
        left = [type(item).__name__ for item in gc.garbage if type(item).__module__ == "bot.db"]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []
    assert len(await _stored(db)) == 5


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])  # deadlock detected, serialization failure
async def test_a_batch_postgresql_chose_to_abort_runs_again(db: Database, sqlstate: str) -> None:
    """PostgreSQL aborts one transaction of a deadlock (or of a serialization conflict) and asks for it to be run
    again: the batch runs again and every caller gets its claim, none an error."""
    if db.is_sqlite:
        pytest.skip("SQLite has one writer: it never aborts a transaction to break a deadlock")
    await _joined_debate(db)
    runs = []

    def aborted_once(session: Session) -> claims.Logged:
        runs.append(1)
        if len(runs) == 1:
            session.execute(text(f"DO $$ BEGIN RAISE EXCEPTION 'aborted' USING ERRCODE = '{sqlstate}'; END $$"))
        return _log(session, "aborted once")

    outcomes = await asyncio.gather(db.transact(_log, "before"), db.transact(aborted_once), db.transact(_log, "after"))
    assert [outcome.claim.text for outcome in outcomes] == ["before", "aborted once", "after"]
    assert len(runs) == 2
    assert sorted(text for _, text in await _stored(db)) == ["aborted once", "after", "before"]


async def test_jobs_and_async_writes_interleave_without_losing_or_repeating_numbers(db: Database) -> None:
    await _joined_debate(db)

    async def async_claim(text: str) -> None:
        async with db.write() as session:
            debate = await session.run_sync(core.open_debate_in_thread, GUILD, THREAD)
            await session.run_sync(claims.add_claim, debate, core.Actor(GUILD, ALICE), text)

    await asyncio.gather(*(db.transact(_log, f"job {i}") if i % 2 else async_claim(f"async {i}") for i in range(40)))
    async with db.read() as session:
        numbers = list((await session.execute(select(Claim.number).order_by(Claim.number))).scalars())
        count = (await session.execute(select(func.count()).select_from(Claim))).scalar_one()
    assert numbers == list(range(1, 41)) and count == 40


async def test_a_checkpoint_a_reader_holds_back_gives_up_with_a_warning(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if not db.is_sqlite:
        pytest.skip("the write-ahead log's checkpoint is SQLite's")
    monkeypatch.setattr("bot.db.CHECKPOINT_TRIES", 2)  # each waits the busy timeout, 5 s
    reader = sqlite3.connect(str(db.engine.url.database), isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM debate").fetchone()  # holds its snapshot: the log cannot be truncated
    await started_debate(db, guild=1, creator=2)

    try:
        await asyncio.wait_for(db.checkpoint(), timeout=30)
    finally:
        reader.close()

    assert "readers kept the WAL checkpoint from completing 2 times" in caplog.text


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite+aiosqlite:///:memory:", "sqlite:///file:shared?mode=memory&uri=true"]
)
def test_an_in_memory_sqlite_database_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="in-memory SQLite database would be lost at exit"):
        normalize_database_url(url)


async def test_a_closed_database_refuses_jobs_after_finishing_those_it_took(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        await reset_postgres(database_url)
    db = Database(database_url)
    await db.upgrade()
    await _joined_debate(db)
    taken = asyncio.ensure_future(db.transact(_log, "Taken before closing"))
    await asyncio.sleep(0)  # the job is queued
    await db.dispose()
    assert (await taken).claim.number == 1
    with pytest.raises(RuntimeError, match="database is closed"):
        await db.transact(_log, "Too late")


def test_the_migrations_have_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"the migrations branch into heads {heads}: merge them (alembic merge heads) or rebase one"


async def test_the_migrations_build_the_tables_the_schema_declares(db: Database) -> None:
    def differences(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), SQLModel.metadata))

    async with db.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_the_pending_rebuttal_migration_goes_down_and_up(db: Database) -> None:
    def tables(connection: Connection) -> list[str]:
        return inspect(connection).get_table_names()

    await db.downgrade("0011")
    async with db.engine.connect() as connection:
        assert "pending_rebuttal" not in await connection.run_sync(tables)
    await db.upgrade()
    async with db.engine.connect() as connection:
        assert "pending_rebuttal" in await connection.run_sync(tables)


@dataclass(frozen=True)
class _Holder:
    found: list[tuple[Claim, int]]


LIVE_RESULTS = {
    "a row": lambda claim: claim,
    "a dataclass holding one": lambda claim: claims.Logged(claim, None),
    "rows in a list in a dataclass": lambda claim: _Holder([(claim, 1)]),
    "a tuple": lambda claim: (1, claim),
}


@pytest.mark.parametrize("result", LIVE_RESULTS.values(), ids=LIVE_RESULTS.keys())
async def test_a_job_returning_a_live_row_is_refused_and_its_changes_undone(db: Database, result: Any) -> None:
    """Issue 25: the jobs of a batch share a session, so a row one job returns could be changed by the next before
    its caller renders it; a job returns snapshots, and one that returns a row is refused, whatever holds it."""
    await _joined_debate(db)

    def returns_a_row(session: Session) -> object:
        logged = _log(session, "Refused.")
        return result(session.get(Claim, logged.claim.id))

    def the_row(session: Session) -> object:
        return result(session.execute(select(Claim)).scalars().first())

    together = await asyncio.gather(
        db.transact(_log, "Before."), db.transact(returns_a_row), db.transact(_log, "After."), return_exceptions=True
    )
    assert isinstance(together[1], LiveRowReturned) and "returns_a_row" in str(together[1])
    assert await _stored(db) == [(1, "Before."), (2, "After.")]
    with pytest.raises(LiveRowReturned):
        await db.query(the_row)
    assert isinstance((await db.transact(_log, "A snapshot.")).claim, ClaimSnapshot)


SNAPSHOTS: dict[type[Snapshot], type[SQLModel]] = {
    AgendaSnapshot: Agenda,
    ClaimSnapshot: Claim,
    CredenceSnapshot: Credence,
    CruxSnapshot: Crux,
    DebateSnapshot: Debate,
    ImportDraftSnapshot: ImportDraft,
    RevisionSnapshot: ClaimRevision,
    SideSnapshot: Side,
    TimerSnapshot: Timer,
}


def test_each_snapshot_copies_every_column_of_its_table() -> None:
    defined = {kind for kind in vars(records).values() if isinstance(kind, type) and issubclass(kind, Snapshot)}
    assert set(SNAPSHOTS) == defined - {Snapshot}
    for snapshot, model in SNAPSHOTS.items():
        columns = [column.key for column in table_of(model).columns]
        assert [field.name for field in fields(snapshot)] == columns, snapshot.__name__  # type: ignore[arg-type]
