"""Running the timers of :mod:`bot.core.timers`: one task sleeping until the soonest is due, then firing it.

The task wakes when :meth:`Scheduler.wake` says a sooner timer may have been scheduled, and every
``poll_seconds`` anyway, to see timers that other bot processes sharing the database scheduled. A timer that came
due while no bot was running fires once when one starts. Each firing runs the event's handler inside the
transaction that claims the timer (see :func:`bot.core.timers.claim`); what the handler returns — posting to
Discord, say — runs after that transaction commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import timers
from bot.db import Database
from schema import Timer, utcnow

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[None]]
Handler = Callable[[AsyncSession, Timer, datetime], Awaitable[AfterCommit | None]]
POLL_SECONDS = 60.0


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

    def __init__(self, db: Database, clock: Clock, poll_seconds: float = POLL_SECONDS) -> None:
        self.db = db
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._handlers: dict[str, Handler] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def register(self, event: str, handler: Handler) -> None:
        """Call ``handler(session, timer, now)`` when an ``event`` timer fires."""
        self._handlers[event] = handler

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
        """Fire every timer due now; returns how many this process fired."""
        now = self.clock.now()
        async with self.db.read() as session:
            due = await timers.due(session, now)
        fired = 0
        for timer in due:
            fired += await self.fire(timer, now)
        return fired

    async def fire(self, timer: Timer, now: datetime) -> bool:
        """Claim the timer and run its handler in one transaction; False if another process had it first."""
        try:
            async with self.db.write() as session:
                claimed = await timers.claim(session, timer.id or 0, now)
                if claimed is None:
                    return False
                after = await self._handle(session, claimed, now)
        except Exception:
            log.exception("Timer %s %s failed; it is dropped", timer.event, timer.key)
            async with self.db.write() as session:
                await timers.claim(session, timer.id or 0, now)
            return False
        if after is not None:
            try:
                await after()
            except Exception:
                log.exception("Announcing timer %s %s failed", timer.event, timer.key)
        return True

    async def _handle(self, session: AsyncSession, timer: Timer, now: datetime) -> AfterCommit | None:
        handler = self._handlers.get(timer.event)
        if handler is None:
            log.warning("No handler for timer event %r (key %s); dropped", timer.event, timer.key)
            return None
        return await handler(session, timer, now)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            poll = self.clock.now() + timedelta(seconds=self.poll_seconds)
            try:
                await self.run_due()
                until = await self._next_wake(poll)
            except Exception:
                log.exception("Firing timers failed; retrying in %.0f s", self.poll_seconds)
                until = poll
            await self._sleep_until(until)

    async def _next_wake(self, poll: datetime) -> datetime:
        async with self.db.read() as session:
            soonest = await timers.soonest(session)
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
