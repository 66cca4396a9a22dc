"""Health: each bot process writes a heartbeat row — its shard, whether its gateway is connected, when — every
``HEARTBEAT_SECONDS``; ``python -m bot health`` reads it. The heartbeat lives in the database rather than in a file
so that writing it proves the database answers, and so that a check run anywhere with the bot's settings (the
container's HEALTHCHECK, a monitoring host, a systemd timer) sees every process on that database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core.sql import upsert
from bot.db import Database
from schema import Heartbeat, utcnow

log = logging.getLogger(__name__)

STALE_BEATS = 3
"""A heartbeat older than this many periods is stale: the process is stopped, stuck, or cannot write."""


@dataclass(frozen=True, slots=True)
class Health:
    """The verdict on one process, with the one line that explains it."""

    healthy: bool
    message: str


def write_heartbeat(session: Session, shard: int, connected: bool) -> None:
    """Record that the process serving ``shard`` is alive now, with its gateway ``connected`` or not."""
    values = {"shard_id": shard, "connected": connected, "beat_at": utcnow()}
    upsert(session, Heartbeat, values, conflict=("shard_id",), update=("connected", "beat_at"))


def read_health(session: Session, shard: int, period: float) -> Health:
    """Whether the process serving ``shard`` has its gateway connected and beat within ``STALE_BEATS`` periods."""
    beat = session.get(Heartbeat, shard)
    if beat is None:
        return Health(False, f"shard {shard}: no heartbeat yet (is the bot running on this DATABASE_URL?)")
    age = (utcnow() - beat.beat_at).total_seconds()
    if age > STALE_BEATS * period:
        reason = "the bot is stopped, stuck, or cannot write to its database"
        return Health(False, f"shard {shard}: no heartbeat for {age:.0f} s ({reason})")
    if not beat.connected:
        return Health(False, f"shard {shard}: the gateway is disconnected (heartbeat {age:.0f} s ago)")
    return Health(True, f"shard {shard}: gateway connected, database answering (heartbeat {age:.1f} s ago)")


class HeartbeatWriter:
    """Writes this process's heartbeat every ``period`` seconds, and at once when the gateway connects or drops."""

    def __init__(self, db: Database, shard: int, period: float) -> None:
        self.db = db
        self.shard = shard
        self.period = period
        self.connected = False
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start beating (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="heartbeat")

    def gateway(self, connected: bool) -> None:
        """The gateway connected (``True``) or dropped: beat now with the news."""
        if connected != self.connected:
            self.connected = connected
            self._changed.set()

    async def stop(self) -> None:
        """Stop beating and record that this process no longer serves its shard."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        self.connected = False
        await self._beat()

    async def _run(self) -> None:
        while True:
            await self._beat()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.period):
                    await self._changed.wait()
            self._changed.clear()

    async def write(self) -> None:
        """Write the heartbeat now; raises what the database raises."""
        await self.db.transact(write_heartbeat, self.shard, self.connected)

    async def _beat(self) -> None:
        try:
            await self.write()
        except Exception as error:  # the health check will see the heartbeat go stale
            log.warning("Could not write the heartbeat: %s", error)
