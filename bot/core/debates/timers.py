"""Timers stored in the database (after RoboDanny's reminders): something due at a time, fired exactly once.

A timer is one row per (event, key) — "phase_end" of debate 7, "digest" 3. Scheduling again moves it (and makes a
fired one pending again); cancelling deletes it. Firing starts with :func:`claim`, a compare-and-set ``UPDATE …
WHERE fired_at IS NULL AND due_at <= now``: of several bot processes sharing the database, exactly one gets the
row back, and it does the timer's work in that same transaction, so the claim and the work commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, true, update
from sqlalchemy.orm import Session
from sqlmodel import col, select

from bot.core.records import TimerSnapshot
from bot.core.sql import upsert
from schema import Timer, utcnow


@dataclass(frozen=True, slots=True)
class Shard:
    """The servers one bot process serves, as Discord assigns them: ``(guild_id >> 22) % count`` is one of ``ids``
    (one shard with ``SHARD_ID``, several with ``SHARD_IDS``). A process fires only its servers' timers: it posts only
    where its cache can tell who will read the post."""

    ids: tuple[int, ...]
    count: int

    def holds(self) -> ColumnElement[bool]:
        """A timer's server is on one of these shards (in SQL)."""
        return (col(Timer.guild_id) // (1 << 22) % self.count).in_(self.ids)


def _of(shard: Shard | None) -> ColumnElement[bool]:
    return true() if shard is None else shard.holds()


def schedule(session: Session, guild_id: int, event: str, key: str, due_at: datetime) -> None:
    """Make the (event, key) timer due at ``due_at``, replacing (and re-arming) any earlier one."""
    upsert(
        session,
        Timer,
        {"guild_id": guild_id, "event": event, "key": key, "due_at": due_at, "created_at": utcnow(), "fired_at": None},
        conflict=("event", "key"),
        update=("due_at", "created_at", "fired_at"),
    )


def cancel(session: Session, event: str, key: str) -> None:
    """Forget the (event, key) timer, if there is one."""
    session.execute(delete(Timer).where(col(Timer.event) == event, col(Timer.key) == key))


def due(session: Session, now: datetime, shard: Shard | None = None, limit: int = 100) -> list[TimerSnapshot]:
    """Timers of ``shard``'s servers (every server's without one) that have not fired and are due at ``now``, soonest
    first."""
    statement = (
        select(Timer)
        .where(col(Timer.fired_at).is_(None), col(Timer.due_at) <= now, _of(shard))
        .order_by(col(Timer.due_at), col(Timer.id))
        .limit(limit)
    )
    return TimerSnapshot.each(session.execute(statement).scalars())


def soonest(session: Session, shard: Shard | None = None) -> datetime | None:
    """When the next unfired timer of ``shard``'s servers is due, if any."""
    statement = select(func.min(Timer.due_at)).where(col(Timer.fired_at).is_(None), _of(shard))
    return session.execute(statement).scalar()


def claim(session: Session, timer_id: int, now: datetime) -> TimerSnapshot | None:
    """Mark the timer fired, if it still is unfired and due; the caller fires it only when a row comes back.

    Concurrent claimers queue on the row (PostgreSQL) or on the database (SQLite); the loser's ``WHERE`` no longer
    matches, so it gets ``None``. The row returned is the current one, even if it was rescheduled meanwhile.
    """
    statement = (
        update(Timer)
        .where(col(Timer.id) == timer_id, col(Timer.fired_at).is_(None), col(Timer.due_at) <= now)
        .values(fired_at=now)
        .returning(Timer)
    )
    claimed = session.execute(statement).scalar_one_or_none()
    return None if claimed is None else TimerSnapshot.of(claimed)
