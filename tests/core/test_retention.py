"""READY's check of the servers the bot is in (``retention.servers_missing``): a removed server's deletion scheduled,
a listed one's cancelled, in a handful of statements however many servers READY lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot.core.debates import timers
from bot.core.privacy import retention
from bot.db import Database
from schema import GuildState, Timer

NOW = datetime(2026, 12, 1, tzinfo=UTC)
DAYS = 30
GONE, BACK = 9_001, 9_002
"""A server with data that READY no longer lists, and one with a deletion scheduled that READY lists again."""


def _servers(session: Session) -> None:
    session.add_all([GuildState(guild_id=GONE), GuildState(guild_id=BACK)])
    timers.schedule(session, BACK, retention.SERVER_REMOVED, str(BACK), NOW + timedelta(days=3))


async def _statements_at_ready(db: Database, listed: list[int]) -> tuple[list[int], int]:
    """``servers_missing`` for READY's ``listed``: the servers scheduled, and the statements it sent."""
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with db.write() as session:
            scheduled = await session.run_sync(retention.servers_missing, listed, None, NOW, DAYS)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    return scheduled, len(statements)


async def test_ready_schedules_the_missing_cancels_the_listed_in_statements_that_do_not_grow(db: Database) -> None:
    async with db.write() as session:
        await session.run_sync(_servers)
    scheduled, few = await _statements_at_ready(db, [BACK, *range(1, 11)])
    assert scheduled == [GONE]
    async with db.read() as session:
        rows = await session.execute(select(Timer.key, Timer.due_at).where(Timer.event == retention.SERVER_REMOVED))
        due = {key: at for key, at in rows}
    assert set(due) == {str(GONE)} and due[str(GONE)].replace(tzinfo=UTC) == NOW + timedelta(days=DAYS)

    async with db.write() as session:
        await session.run_sync(lambda s: timers.schedule(s, BACK, retention.SERVER_REMOVED, str(BACK), NOW))
    scheduled, many = await _statements_at_ready(db, [BACK, *range(1, 5_001)])
    assert scheduled == [GONE]  # scheduled already: a second READY does not put it off
    async with db.read() as session:
        keys = set((await session.execute(select(Timer.key).where(Timer.event == retention.SERVER_REMOVED))).scalars())
    assert keys == {str(GONE)}
    assert few <= 5 and many <= 5, (few, many)  # 11 servers listed, then 5,001: the same handful
