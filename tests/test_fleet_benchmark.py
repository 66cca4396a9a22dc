"""The at-scale benchmarks' helpers: which guild proves a shard handled all its guilds, the environment of one
process over several shards, and the mix's shares of commands."""

from __future__ import annotations

import argparse
import random
from collections import Counter

from benchmarks.fleet import build_world, last_server_per_shard, shard_settings
from benchmarks.mix import draw_command
from bot.shards import shard_of
from sim import DiscordSim


def test_the_probe_of_each_shard_is_the_last_guild_that_shard_is_sent() -> None:
    sim = DiscordSim()
    shape = argparse.Namespace(guilds=40, channels=2, members=3)
    world = build_world(sim, shape)
    probes = last_server_per_shard(world, 4)
    assert [shard_of(server.guild.id, 4) for server in probes] == sorted({shard_of(s.guild.id, 4) for s in world})
    for server in probes:
        shard = shard_of(server.guild.id, 4)
        later = world[world.index(server) + 1 :]
        assert all(shard_of(other.guild.id, 4) != shard for other in later)
    assert all(len(server.channels) == 2 and len(server.members) == 3 for server in world)


def test_one_process_over_several_shards_names_them_all() -> None:
    assert shard_settings(4) == {"SHARD_IDS": "0,1,2,3", "SHARD_COUNT": "4"}
    assert shard_settings(1) == {}


def test_the_mix_draws_commands_in_its_shares() -> None:
    rng = random.Random(1)
    drawn = Counter(draw_command(rng, n, cruxes=5).name for n in range(10_000))
    shares = {name: count / 10_000 for name, count in drawn.items()}
    assert abs(shares["claim"] - 0.40) < 0.02
    assert abs(shares["crux credence"] - 0.30) < 0.02
    assert abs(shares["debate summary"] - 0.15) < 0.02
    assert abs(shares["crux list"] - 0.15) < 0.02
