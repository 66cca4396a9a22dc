"""Several shards in one process (``SHARD_IDS`` with ``SHARD_COUNT``): one gateway connection per shard, each server
served by its shard's connection, a heartbeat per shard that ``python -m bot health`` reads, and a READY line naming
the application, the shards and the servers."""

from __future__ import annotations

import contextlib
from pathlib import Path

from bot.db import Database
from sim import DiscordSim, SimGuild
from tests.e2e.test_health import health_becomes
from tests.reliability.support import TOKEN, BotProcess

SHARDS = 3
SERVED = (0, 2)
PATIENCE = 120.0


def guilds_on_every_shard(sim: DiscordSim, count: int) -> list[SimGuild]:
    """Guilds until each of ``count`` shards has one (a guild's shard is ``(id >> 22) % count``: its creation
    millisecond), in the order created."""
    created: list[SimGuild] = []
    while len({(guild.id >> 22) % count for guild in created}) < count:
        created.append(sim.add_guild(f"Guild {len(created)}"))
    return created


async def test_one_process_serves_the_shards_it_is_given(tmp_path: Path, db: Database) -> None:
    async with DiscordSim(token=TOKEN, shard_count=SHARDS) as sim, contextlib.AsyncExitStack() as stack:
        created = guilds_on_every_shard(sim, SHARDS)
        guilds = {(guild.id >> 22) % SHARDS: guild for guild in created}
        served = sum((guild.id >> 22) % SHARDS in SERVED for guild in created)
        places = {
            shard: (sim.add_text_channel(guild, "debates"), sim.add_member(guild, "u"))
            for shard, guild in guilds.items()
        }
        settings = {"SHARD_IDS": ",".join(map(str, SERVED)), "SHARD_COUNT": str(SHARDS), "HEARTBEAT_SECONDS": "0.5"}
        bot = BotProcess(sim, db, tmp_path, log_level="INFO", **settings)
        stack.push_async_callback(bot.ensure_stopped)
        await bot.start()
        for shard in SERVED:
            channel, member = places[shard]
            await bot.wait_serving(member, channel, within=PATIENCE)
        assert sim.ready_shards == set(SERVED)  # shard 1's server is another process's
        ready = await bot.logged("Ready: application", within=PATIENCE)
        assert f"Ready: application {sim.application_id}, shards 0, 2 of 3, {served} servers, on " in ready
        line = await health_becomes(0, bot.env, tmp_path)
        assert line.startswith("healthy: shard 0: gateway connected") and "; shard 2: gateway connected" in line
        await bot.terminate(15)
        line = await health_becomes(1, bot.env, tmp_path)
        assert line.startswith("unhealthy: shard 0: ") and "; shard 2: " in line  # disconnected, then stale
