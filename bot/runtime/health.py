"""Health: each bot process writes a heartbeat row — its shard, whether its gateway is connected, when — every
``HEARTBEAT_SECONDS``; ``python -m bot health`` reads it. The heartbeat lives in the database rather than in a file
so that writing it proves the database answers, and so that a check run anywhere with the bot's settings (the
container's HEALTHCHECK, a monitoring host, a systemd timer) sees every process on that database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from bot.core.sql import upsert
from bot.db import Database
from schema import Heartbeat, utcnow

log = logging.getLogger(__name__)


def write_heartbeats(session: Session, connected: Mapping[int, bool]) -> None:
    """Record that this process is alive now, serving each shard of ``connected`` with its gateway connected or
    not."""
    now = utcnow()
    for shard, up in connected.items():
        values = {"shard_id": shard, "connected": up, "beat_at": now}
        upsert(session, Heartbeat, values, conflict=("shard_id",), update=("connected", "beat_at"))


class HeartbeatWriter:
    """Writes this process's heartbeat, a row for each of its shards, every ``period`` seconds, and at once when a
    shard's gateway connects or drops."""

    def __init__(self, db: Database, shards: Sequence[int], period: float) -> None:
        self.db = db
        self.period = period
        self.connected = dict.fromkeys(shards, False)
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start beating (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="heartbeat")

    def gateway(self, connected: bool, shard: int | None = None) -> None:
        """Shard ``shard``'s gateway (every shard's, for ``None``) connected (``True``) or dropped: beat now with the
        news."""
        for each in self.connected if shard is None else [shard]:
            if self.connected.get(each, connected) != connected:
                self.connected[each] = connected
                self._changed.set()

    async def stop(self) -> None:
        """Stop beating and record that this process no longer serves its shards."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        self.connected = dict.fromkeys(self.connected, False)
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
        await self.db.transact(write_heartbeats, dict(self.connected))

    async def _beat(self) -> None:
        try:
            await self.write()
        except Exception as error:  # the health check will see the heartbeat go stale
            log.warning("Could not write the heartbeat: %s", error)
