"""A clock for tests that moves only when told: phases and digests due in minutes or days, tested in milliseconds."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.runtime.scheduler import Clock
from schema import utcnow


class ManualClock(Clock):
    """Starts at the real time; :meth:`advance` moves it and wakes whoever sleeps past the new time."""

    def __init__(self) -> None:
        self._now = utcnow()
        self._moved = asyncio.Condition()

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        async with self._moved:
            await self._moved.wait_for(lambda: self._now >= when)

    async def advance(self, **delta: float) -> None:
        """Move the clock forward by ``timedelta(**delta)``."""
        self._now += timedelta(**delta)
        async with self._moved:
            self._moved.notify_all()
