"""Timers stored in the database (after RoboDanny's reminders): something due at a time, fired exactly once, its
post delivered at least once.

A timer is one row per (event, key) — "phase_end" of debate 7, "digest" 3. Scheduling again moves it (and makes a
fired one pending again); cancelling deletes it. Firing starts with :func:`claim`, a compare-and-set ``UPDATE …
WHERE fired_at IS NULL AND due_at <= now``: of several bot processes sharing the database, exactly one gets the
row back, and it does the timer's work in that same transaction, so the claim and the work commit together.

The post comes after that commit, so a process that dies in between would lose it. A firing with something to post
therefore owes it (:func:`owe`: the post's nonce, and a lease of :data:`LEASE`) in the same transaction, and clears
the debt once posted (:func:`paid`). A debt whose lease ran out (:func:`owed`) is taken over by any process serving
its server (:func:`take_over`), which posts it again with the same nonce. Discord returns the earlier message for
the same author and nonce only within a few minutes: the lease is well inside that, and a post retried later (every
process of that shard down for minutes) may show twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, true, update
from sqlalchemy.orm import Session
from sqlmodel import col, select

from bot.core.records import TimerSnapshot
from bot.core.sql import upsert
from schema import Timer, utcnow

LEASE = timedelta(seconds=30)
"""How long the process that fired a timer has to post before another takes the post over."""
NONCE_LENGTH = 25
"""Discord's longest nonce."""


@dataclass(frozen=True, slots=True)
class Shard:
    """The servers one bot process serves, as Discord assigns them: ``(guild_id >> 22) % count`` is one of ``ids``
    (one shard with ``SHARD_ID``, several with ``SHARD_IDS``). A process fires only its servers' timers: it posts only
    where its cache can tell who will read the post."""

    ids: tuple[int, ...]
    count: int

    def serves(self, guild_id: int) -> bool:
        """Whether ``guild_id`` is on one of these shards."""
        return (guild_id >> 22) % self.count in self.ids

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
        update=("due_at", "created_at", "fired_at"),  # a post still owed stays owed
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
    """When the next unfired timer of ``shard``'s servers is due, or the next lease on a post they owe runs out, if
    any."""
    due = select(func.min(Timer.due_at)).where(col(Timer.fired_at).is_(None), _of(shard))
    lease = select(func.min(Timer.leased_until)).where(col(Timer.announcing).is_not(None), _of(shard))
    times = [session.execute(due).scalar(), session.execute(lease).scalar()]
    return min((time for time in times if time is not None), default=None)


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


def nonce_of(timer: TimerSnapshot) -> str:
    """The nonce of the post of ``timer``'s firing due at ``timer.due_at``: the same for every retry of that post,
    another for the next firing; 25 characters."""
    digest = hashlib.sha256(f"{timer.id}:{timer.due_at.isoformat()}".encode()).hexdigest()
    return "t" + digest[: NONCE_LENGTH - 1]


def owe(session: Session, timer: TimerSnapshot, now: datetime) -> TimerSnapshot:
    """Record that ``timer``'s firing (just claimed, in this transaction) owes a post, held by the caller for
    :data:`LEASE`; the timer as it is now, ``announcing`` its nonce."""
    values = {"announcing": nonce_of(timer), "leased_until": now + LEASE}
    session.execute(update(Timer).where(col(Timer.id) == timer.id).values(**values))
    return TimerSnapshot.of(session.get_one(Timer, timer.id, populate_existing=True))


def owed(session: Session, now: datetime, shard: Shard | None = None, limit: int = 100) -> list[TimerSnapshot]:
    """Timers of ``shard``'s servers whose post is still owed and whose lease ran out by ``now``, oldest first."""
    statement = (
        select(Timer)
        .where(col(Timer.announcing).is_not(None), col(Timer.leased_until) <= now, _of(shard))
        .order_by(col(Timer.leased_until), col(Timer.id))
        .limit(limit)
    )
    return TimerSnapshot.each(session.execute(statement).scalars())


def take_over(session: Session, timer: TimerSnapshot, now: datetime) -> TimerSnapshot | None:
    """Hold the post ``timer`` owes for :data:`LEASE` from ``now``, if its lease is still the one that ran out
    (compare-and-set, as :func:`claim`); ``None`` if another process took it over or it was posted meanwhile."""
    statement = update(Timer).where(*_held(timer)).values(leased_until=now + LEASE).returning(Timer)
    taken = session.execute(statement).scalar_one_or_none()
    return None if taken is None else TimerSnapshot.of(taken)


def paid(session: Session, timer: TimerSnapshot) -> None:
    """The post ``timer`` owed (under the lease it holds) was made: forget the debt, unless another process took it
    over meanwhile (then that one clears it)."""
    session.execute(update(Timer).where(*_held(timer)).values(announcing=None, leased_until=None))


def _held(timer: TimerSnapshot) -> tuple[ColumnElement[bool], ...]:
    """The row still owes the post ``timer`` owes, under the same lease (nobody took it over since)."""
    return (
        col(Timer.id) == timer.id,
        col(Timer.announcing) == timer.announcing,
        col(Timer.leased_until) == timer.leased_until,
    )
