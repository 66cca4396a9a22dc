"""Three shard processes (``SHARD_ID`` 0, 1, 2 of 3) on one PostgreSQL database, a server on each, under load: they
start together on an empty database, then restart one by one — shard 1 killed (``kill -9``), the others stopped with
SIGTERM — while members keep logging claims and each server's digest comes due. Every claim a member saw
acknowledged is stored once under its number, no interaction is answered twice, and each digest is posted once.

SQLite is for one process: this runs on PostgreSQL only (TEST_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, update
from sqlmodel import col, select

from benchmarks.common import reset_postgres
from bot.core.debates import digests
from bot.db import Database
from schema import Digest, Timer
from sim import DEFAULT_MEMBER_PERMISSIONS, MANAGE_THREADS, DiscordSim, SimChannel, SimMember
from tests.conftest import TEST_DATABASE_URL
from tests.e2e.test_shard_ids import guilds_on_every_shard
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

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="several bot processes share one database only on PostgreSQL (TEST_DATABASE_URL)"
)

SHARDS = 3
KILLED = 1
"""The shard whose process is killed (``kill -9``) in the rolling restart; the others get SIGTERM."""
USERS = 5000
"""Members per server: more than the load reaches even on a fast machine, so that it runs through every restart
(it is stopped once claims are acknowledged on every shard after the last one)."""
IN_FLIGHT = 6
PATIENCE = 180.0
SHUTDOWN_LIMIT = 15.0


@dataclass
class Server:
    """A server on one shard: its channel, its digest channel, a moderator and its members."""

    channel: SimChannel
    digest_channel: SimChannel
    mod: SimMember
    users: list[SimMember]

    def digests_posted(self, sim: DiscordSim) -> int:
        return sum("Digest: Agenda" in message.text for message in sim.messages(self.digest_channel))


def _servers(sim: DiscordSim) -> dict[int, Server]:
    guilds = {(guild.id >> 22) % SHARDS: guild for guild in guilds_on_every_shard(sim, SHARDS)}
    return {
        shard: Server(
            channel=sim.add_text_channel(guild, "debates"),
            digest_channel=sim.add_text_channel(guild, "digest"),
            mod=sim.add_member(guild, "mod", permissions=DEFAULT_MEMBER_PERMISSIONS | MANAGE_THREADS),
            users=[sim.add_member(guild, f"u{i}") for i in range(USERS)],
        )
        for shard, guild in guilds.items()
    }


async def _debate_with_a_digest(sim: DiscordSim, server: Server, shard: int) -> SimChannel:
    """A debate in agenda "Agenda N", and its daily digest to the digest channel (due tomorrow until moved); the
    debate's thread."""
    thread = await open_thread(sim, server.mod, server.channel, agenda=f"Agenda {shard}")
    [agenda] = await sim.autocomplete(server.mod, server.channel, "digest set", "agenda", value="Agenda")
    every = {"agenda": int(agenda["value"]), "channel": server.digest_channel, "every": "daily"}
    result = await sim.invoke(server.mod, server.channel, "digest set", **every)
    assert not result.ephemeral, result.text
    return thread


async def _digests_due_now(db: Database) -> None:
    async with db.write() as session:
        await session.execute(update(Timer).where(col(Timer.event) == digests.DIGEST).values(due_at=func.now()))


async def _every_digest_delivered(db: Database) -> bool:
    """Each digest posted (its timer fired) and no post still owed."""
    async with db.read() as session:
        unposted = await session.execute(select(func.count()).where(col(Digest.last_posted_at).is_(None)))
        owed = await session.execute(select(func.count()).where(col(Timer.announcing).is_not(None)))
    return unposted.scalar_one() == 0 and owed.scalar_one() == 0


async def _restart(bot: BotProcess, server: Server, *, kill: bool) -> None:
    if kill:
        await bot.kill()
    else:
        await bot.terminate(SHUTDOWN_LIMIT)
    await bot.start()
    await bot.wait_serving(server.mod, server.channel, within=PATIENCE)


async def test_a_rolling_restart_with_a_kill_loses_no_claim_answers_once_and_posts_each_digest_once(
    tmp_path: Path, db: Database
) -> None:
    url = db.url.render_as_string(hide_password=False)
    await reset_postgres(url)  # an empty database: the three processes migrate it as they start together
    async with DiscordSim(token=TOKEN, shard_count=SHARDS) as sim, contextlib.AsyncExitStack() as stack:
        servers = _servers(sim)
        bots = {shard: BotProcess(sim, db, tmp_path, SHARD_ID=str(shard), SHARD_COUNT=str(SHARDS)) for shard in servers}
        for bot in bots.values():
            stack.push_async_callback(bot.ensure_stopped)
        await asyncio.gather(*(bot.start() for bot in bots.values()))
        for shard, bot in bots.items():
            await bot.wait_serving(servers[shard].mod, servers[shard].channel, within=PATIENCE)
        threads = {shard: await _debate_with_a_digest(sim, server, shard) for shard, server in servers.items()}
        loads = [ClaimLoad(sim, threads[shard], server.users, limit=IN_FLIGHT) for shard, server in servers.items()]
        running = asyncio.gather(*(load.run() for load in loads))
        await sim.wait_for(lambda: all(load.acknowledged for load in loads), timeout=PATIENCE, what="load everywhere")
        for shard, bot in bots.items():
            if shard == 1:
                await _digests_due_now(db)  # due while a shard is down and the others serve
            await _restart(bot, servers[shard], kill=shard == KILLED)
        restarted = [len(load.acknowledged) for load in loads]
        await sim.wait_for(
            lambda: all(len(load.acknowledged) > count for load, count in zip(loads, restarted, strict=True)),
            timeout=PATIENCE,
            what="claims acknowledged on every shard after the restarts",
        )
        for load in loads:
            load.stop()
        await running
        async with asyncio.timeout(PATIENCE):  # a post owed by the killed process waits for its lease (30 s)
            while True:
                if await _every_digest_delivered(db):
                    break
                await asyncio.sleep(0.5)
        posted = {shard: server.digests_posted(sim) for shard, server in servers.items()}
        answered_twice = [error for error in sim.errors if (error.response or {}).get("code") == 40060]
        for bot in bots.values():
            await bot.terminate(SHUTDOWN_LIMIT)

    stored = await claims_by_text(db)
    report(
        f"rolling restart of {SHARDS} shard processes (shard {KILLED} killed): "
        + "; ".join(f"shard {shard}: {load.summary()}" for shard, load in enumerate(loads))
        + f"; {sum(map(len, stored.values()))} stored; digests posted {posted}"
    )
    for load in loads:
        assert load.outcomes[Outcome.ACKNOWLEDGED] > 0
        assert lost_or_duplicated(load.acknowledged, stored) == {}
        numbers = sorted(load.acknowledged.values())
        assert len(set(numbers)) == len(numbers)  # no number shown twice
    assert answered_twice == []
    assert posted == dict.fromkeys(servers, 1)
    assert await integrity_problems(db) == []
