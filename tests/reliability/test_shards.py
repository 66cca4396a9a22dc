"""Two bot processes, shards 0 and 1 of 2 (``SHARD_ID``, ``SHARD_COUNT``), on one PostgreSQL database: each serves
the guilds of its shard, and claims logged in both at once are all stored, once, numbered per debate. Processes
started together on an empty database migrate it once, whatever their number.

SQLite is for one process: this runs on PostgreSQL only (TEST_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from benchmarks.common import reset_postgres
from bot.db import Database, alembic_config
from sim import DiscordSim, SimChannel, SimGuild, SimMember
from tests.conftest import TEST_DATABASE_URL
from tests.reliability.support import (
    TOKEN,
    BotProcess,
    ClaimLoad,
    Outcome,
    claims_by_text,
    integrity_problems,
    lost_or_duplicated,
    open_thread,
    report,
)

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="several bot processes need PostgreSQL")

SHARDS = 2
USERS_PER_GUILD = 100
SHUTDOWN_LIMIT = 5.0
MIGRATING = 4
"""Processes started together to migrate one empty database."""


def _guild_per_shard(sim: DiscordSim) -> list[SimGuild]:
    """One guild owned by each shard (a guild's shard is ``(id >> 22) % SHARDS``: its creation millisecond)."""
    found: dict[int, SimGuild] = {}
    for attempt in range(1000):
        guild = sim.add_guild(f"Guild {attempt}")
        found.setdefault((guild.id >> 22) % SHARDS, guild)
        if len(found) == SHARDS:
            return [found[shard] for shard in range(SHARDS)]
    raise AssertionError("could not create a guild on every shard")


async def test_two_shards_share_one_database(tmp_path: Path, db: Database) -> None:
    async with DiscordSim(token=TOKEN, shard_count=SHARDS) as sim, contextlib.AsyncExitStack() as stack:
        guilds = _guild_per_shard(sim)
        places: list[tuple[SimChannel, list[SimMember]]] = [
            (sim.add_text_channel(guild, "debates"), [sim.add_member(guild, f"u{i}") for i in range(USERS_PER_GUILD)])
            for guild in guilds
        ]
        bots = [BotProcess(sim, db, tmp_path, SHARD_ID=str(shard), SHARD_COUNT=str(SHARDS)) for shard in range(SHARDS)]
        for bot, (channel, users) in zip(bots, places, strict=True):
            stack.push_async_callback(bot.ensure_stopped)
            await bot.start()
            await bot.wait_serving(users[0], channel)
        threads = [await open_thread(sim, users[0], channel) for channel, users in places]
        loads = [ClaimLoad(sim, thread, users, limit=32) for thread, (_, users) in zip(threads, places, strict=True)]
        await asyncio.gather(*(load.run() for load in loads))
        for bot in bots:
            await bot.terminate(SHUTDOWN_LIMIT)
        statuses = [bot.returncode for bot in bots]

    stored = await claims_by_text(db)
    report(
        f"shards: {SHARDS} processes on one PostgreSQL database: "
        + "; ".join(f"shard {shard}: {load.summary()}" for shard, load in enumerate(loads))
        + f"; {sum(map(len, stored.values()))} stored"
    )
    assert statuses == [0] * SHARDS
    for load in loads:
        assert load.outcomes == {Outcome.ACKNOWLEDGED: USERS_PER_GUILD}, load.refusals
        assert sorted(load.acknowledged.values()) == list(range(1, USERS_PER_GUILD + 1))
        assert lost_or_duplicated(load.acknowledged, stored) == {}
    assert await integrity_problems(db) == []


async def _upgrade(database_url: str, cwd: Path) -> tuple[int | None, str, str]:
    """Run ``python -m bot db upgrade`` on ``database_url``: its exit status, standard output and standard error."""
    env = {key: value for key, value in os.environ.items() if key != "DISCORD_TOKEN"}
    env.update(DATABASE_URL=database_url, LOG_LEVEL="WARNING")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "upgrade", cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode(), err.decode()[-2000:]


async def test_processes_started_together_on_an_empty_database_all_migrate_it(
    tmp_path: Path, database_url: str
) -> None:
    await reset_postgres(database_url)
    answers = await asyncio.gather(*(_upgrade(database_url, tmp_path) for _ in range(MIGRATING)))
    assert answers == [(0, "database is at the latest schema\n", "")] * MIGRATING
    db = Database(database_url)
    try:
        async with db.engine.connect() as connection:
            versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    finally:
        await db.dispose()
    assert versions == [ScriptDirectory.from_config(alembic_config()).get_current_head()]
