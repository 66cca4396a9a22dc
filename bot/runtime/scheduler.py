"""Running the timers of :mod:`bot.core.debates.timers`: one task sleeping until the soonest is due, then firing it.

The task wakes when :meth:`Scheduler.wake` says a sooner timer may have been scheduled, and every
``poll_seconds`` anyway, to see timers that other bot processes sharing the database scheduled. A timer that came
due while no bot was running fires once when one starts. Each firing runs the event's job — a synchronous use case
of the core — inside the transaction that claims the timer (see :func:`bot.core.debates.timers.claim`), one job of the
database layer; what the job returns is then announced — posted to Discord, say — after that transaction commits,
with a nonce, at least once: the same transaction records the post as owed under a lease, and a post still owed when
its lease runs out (the process stopped before posting) is recalled from the database and announced again, with the
same nonce, by whichever process serves that server (:mod:`bot.core.debates.timers`).
At every wake the task also deletes chat text kept past its day (:mod:`bot.core.privacy.retention`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from bot.core.debates import timers
from bot.core.privacy.retention import purge_expired
from bot.core.records import TimerSnapshot
from bot.db import Database
from schema import utcnow

log = logging.getLogger(__name__)
POLL_SECONDS = 60.0
Due = TypeVar("Due")


Job = Callable[[Session, TimerSnapshot, datetime], Due | None]


@dataclass(frozen=True, slots=True)
class Handler(Generic[Due]):
    """What an event's timer does: ``job(session, timer, now)`` in the transaction claiming the timer, and, after
    the commit, ``announce(due, nonce)`` with what the job returned — unless it returned ``None`` (nothing to say).
    ``recall(session, timer, now)`` finds what the job returned again, from what it stored, for a post owed by a process
    that stopped before making it (``None``: nothing to say any more)."""

    job: Job[Due]
    announce: Callable[[Due, str], Awaitable[None]]
    recall: Job[Due]


@dataclass(frozen=True, slots=True)
class _Fired:
    claimed: bool
    due: Any = None
    owing: TimerSnapshot | None = None
    """The timer as it owes the post of ``due`` (its nonce and lease)."""


class Clock:
    """Wall-clock time and sleeping; tests inject a clock they move by hand."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        return utcnow()

    async def sleep_until(self, when: datetime) -> None:
        """Return once this clock reads ``when`` or later (absolute, so a late start cannot oversleep)."""
        await asyncio.sleep(max(0.0, (when - self.now()).total_seconds()))


class Scheduler:
    """Fires due timers by calling the handler registered for their event."""

    def __init__(
        self, db: Database, clock: Clock, poll_seconds: float = POLL_SECONDS, shard: timers.Shard | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.shard = shard
        """The servers whose timers this process fires (``None``: every server's, for an unsharded bot)."""
        self.poll_seconds = poll_seconds
        self._handlers: dict[str, Handler[Any]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def register(
        self, event: str, job: Job[Due], announce: Callable[[Due, str], Awaitable[None]], recall: Job[Due]
    ) -> None:
        """When an ``event`` timer fires, run ``job`` in the transaction claiming it, then ``announce`` what it
        returned with the post's nonce; ``recall`` finds it again for a post owed (see :class:`Handler`)."""
        self._handlers[event] = Handler(job, announce, recall)

    def start(self) -> None:
        """Start the background task (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="timers")

    async def stop(self) -> None:
        """Stop the background task; a timer being fired is rolled back and stays due for the next run."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Look at the timers again now: call after scheduling one that may be sooner than the rest."""
        self._wake.set()

    async def run_due(self) -> int:
        """Post what other processes owe and can no longer post (their lease ran out), then fire every timer due
        now; returns how many this process fired."""
        now = self.clock.now()
        for owed in await self.db.query(timers.owed, now, self.shard):
            await self.take_over(owed, now)
        due = await self.db.query(timers.due, now, self.shard)
        fired = 0
        for timer in due:
            fired += await self.fire(timer, now)
        return fired

    async def take_over(self, owed: TimerSnapshot, now: datetime) -> bool:
        """Post what ``owed``'s firing still owes, found again by its handler's ``recall``, with the same nonce;
        False if another process took it over first."""
        handler = self._handlers.get(owed.event)
        taken = await self.db.transact(_take_over_and_recall, owed, now, handler)
        if taken.owing is None:
            return False
        log.info("Posting timer %s %s again: the process that fired it did not post it", owed.event, owed.key)
        await self._announce(handler, taken)
        return True

    async def fire(self, timer: TimerSnapshot, now: datetime) -> bool:
        """Claim the timer and run its job in one transaction, then announce; False if another process had it first."""
        handler = self._handlers.get(timer.event)
        try:
            fired = await self.db.transact(_claim_and_run, timer.id, now, handler)
        except Exception:
            log.exception("Timer %s %s failed; it is dropped", timer.event, timer.key)
            await self.db.transact(timers.claim, timer.id, now)
            return False
        if handler is None and fired.claimed:
            log.warning("No handler for timer event %r (key %s); dropped", timer.event, timer.key)
        await self._announce(handler, fired)
        return fired.claimed

    async def _announce(self, handler: Handler[Any] | None, fired: _Fired) -> None:
        """Post what a firing owes, then clear the debt. A post Discord refuses is not tried again (a deleted
        channel stays deleted); one cut short by the process stopping stays owed, for whoever takes it over."""
        if handler is None or fired.owing is None:
            return
        try:
            await handler.announce(fired.due, fired.owing.announcing or "")
        except Exception:
            log.exception("Announcing timer %s %s failed", fired.owing.event, fired.owing.key)
        await self.db.transact(timers.paid, fired.owing)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            poll = self.clock.now() + timedelta(seconds=self.poll_seconds)
            try:
                await self.run_due()
                await self.db.transact(purge_expired, utcnow())
                until = await self._next_wake(poll)
            except Exception:
                log.exception("Firing timers failed; retrying in %.0f s", self.poll_seconds)
                until = poll
            await self._sleep_until(until)

    async def _next_wake(self, poll: datetime) -> datetime:
        soonest = await self.db.query(timers.soonest, self.shard)
        return poll if soonest is None else min(poll, soonest)

    async def _sleep_until(self, until: datetime) -> None:
        """Sleep until ``until`` on the clock, or until :meth:`wake`."""
        if until <= self.clock.now():
            return
        sleeping = asyncio.ensure_future(self.clock.sleep_until(until))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeping, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            woken.cancel()


def _claim_and_run(session: Session, timer_id: int, now: datetime, handler: Handler[Any] | None) -> _Fired:
    """The job of firing a timer: claim it, then run its event's job (none for an unknown event: it is dropped), and
    if there is something to post, owe it."""
    claimed = timers.claim(session, timer_id, now)
    if claimed is None:
        return _Fired(claimed=False)
    due = None if handler is None else handler.job(session, claimed, now)
    return _Fired(claimed=True, due=due, owing=None if due is None else timers.owe(session, claimed, now))


def _take_over_and_recall(session: Session, owed: TimerSnapshot, now: datetime, handler: Handler[Any] | None) -> _Fired:
    """The job of taking over a post owed: hold it, and find again what to post (a debt nothing can pay — an unknown
    event, nothing to say any more — is cleared)."""
    taken = timers.take_over(session, owed, now)
    if taken is None:
        return _Fired(claimed=False)
    due = None if handler is None else handler.recall(session, taken, now)
    if due is None:
        timers.paid(session, taken)
        return _Fired(claimed=True)
    return _Fired(claimed=True, due=due, owing=taken)
