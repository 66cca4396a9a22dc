"""The heartbeat read by ``python -m bot health`` (with the bare driver, ``bot.cli.health.check``): fresh and connected
is healthy; stale or disconnected is not; a process serving several shards is healthy when each is; and its migration
goes both ways."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import inspect, update

from bot.cli.health import address_of, check
from bot.db import Database
from bot.runtime.health import write_heartbeats
from bot.runtime.liveness import STALE_BEATS
from schema import Heartbeat, utcnow

PERIOD = 15.0


async def _health(db: Database, *shards: int) -> tuple[bool, str]:
    address = address_of(db.url.render_as_string(hide_password=False))
    health = await asyncio.to_thread(check, address, shards or (0,), PERIOD)
    return health.healthy, health.message


async def _beat(db: Database, shard: int, connected: bool, ago: float = 0.0) -> None:
    async with db.write() as session:
        await session.run_sync(write_heartbeats, {shard: connected})
        at = utcnow() - timedelta(seconds=ago)
        await session.execute(update(Heartbeat).where(Heartbeat.shard_id == shard).values(beat_at=at))


async def test_a_fresh_connected_heartbeat_is_healthy_and_each_shard_is_its_own(db: Database) -> None:
    assert await _health(db) == (False, "shard 0: no heartbeat yet (is the bot running on this DATABASE_URL?)")
    await _beat(db, 0, connected=True, ago=1)
    await _beat(db, 1, connected=False)
    healthy, message = await _health(db)
    assert healthy and message.startswith("shard 0: gateway connected, database answering (heartbeat 1.")
    assert await _health(db, 1) == (False, "shard 1: the gateway is disconnected (heartbeat 0 s ago)")


async def test_a_heartbeat_older_than_three_periods_is_stale(db: Database) -> None:
    await _beat(db, 0, connected=True, ago=STALE_BEATS * PERIOD - 2)
    assert (await _health(db))[0]
    await _beat(db, 0, connected=True, ago=STALE_BEATS * PERIOD + 2)
    healthy, message = await _health(db)
    assert not healthy
    assert message == "shard 0: no heartbeat for 47 s (the bot is stopped, stuck, or cannot write to its database)"


async def test_the_heartbeat_migration_goes_down_and_up(db: Database) -> None:
    await _beat(db, 0, connected=True)
    await db.downgrade("0007")
    async with db.engine.connect() as connection:
        assert "heartbeat" not in await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    await db.upgrade()
    assert await _health(db) == (False, "shard 0: no heartbeat yet (is the bot running on this DATABASE_URL?)")


async def test_a_process_serving_several_shards_is_healthy_when_every_one_is(db: Database) -> None:
    await _beat(db, 0, connected=True)
    await _beat(db, 2, connected=True)
    healthy, message = await _health(db, 0, 2)
    assert healthy and message.startswith("shard 0: gateway connected") and "; shard 2: gateway connected" in message
    await _beat(db, 2, connected=False)
    assert await _health(db, 0, 2) == (False, "shard 2: the gateway is disconnected (heartbeat 0 s ago)")
    assert await _health(db, 0, 1) == (False, "shard 1: no heartbeat yet (is the bot running on this DATABASE_URL?)")
