"""The server shape of the at-scale benchmarks (``memory``, ``ready``, ``mix``): many guilds, each with a few text
channels and members, a debate in some of them with claims and cruxes, and one bot process serving several shards.

Shape by default: 5 channels and 50 members a server; one debate in 10 servers, each with 20 claims and 5 cruxes.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

from benchmarks.common import TOPIC, claim_text, gather_limited
from bot.shards import shard_of
from sim import DiscordSim, SimChannel, SimGuild, SimMember

#: Commands in flight at once while debates are filled (the sim's users are one process: more only queues).
FILL_CONCURRENCY = 16


@dataclass
class Server:
    """A guild of the world, its channels (the first hosts a debate, if any) and its members (not the owner)."""

    guild: SimGuild
    channels: list[SimChannel]
    members: list[SimMember]

    @property
    def channel(self) -> SimChannel:
        return self.channels[0]


def add_shape_flags(parser: argparse.ArgumentParser, *, guilds: int) -> None:
    """``--guilds``, ``--channels``, ``--members``, ``--debate-every``, ``--claims``, ``--cruxes``."""
    parser.add_argument("--guilds", type=int, default=guilds, help=f"guilds in the sim (default {guilds})")
    parser.add_argument("--channels", type=int, default=5, help="text channels per guild (default 5)")
    parser.add_argument("--members", type=int, default=50, help="members per guild besides the owner (default 50)")
    parser.add_argument("--debate-every", type=int, default=10, help="a debate in one guild of N (default 10; 0: none)")
    parser.add_argument("--claims", type=int, default=20, help="claims per debate (default 20)")
    parser.add_argument("--cruxes", type=int, default=5, help="cruxes per debate (default 5)")


def describe_shape(args: argparse.Namespace) -> str:
    """The shape in words, for table titles."""
    debates = (
        f"a debate in 1 of {args.debate_every} ({args.claims} claims, {args.cruxes} cruxes each)"
        if args.debate_every
        else "no debates"
    )
    return f"{args.guilds:,} guilds × ({args.channels} channels, {args.members + 1} members), {debates}"


def build_world(sim: DiscordSim, args: argparse.Namespace) -> list[Server]:
    """``args.guilds`` guilds of the shape asked for."""
    world = []
    for g in range(args.guilds):
        guild = sim.add_guild(f"Guild {g}")
        channels = [sim.add_text_channel(guild, f"channel-{c}") for c in range(max(1, args.channels))]
        members = [sim.add_member(guild, f"g{g}-user{m}") for m in range(max(1, args.members))]
        world.append(Server(guild, channels, members))
    return world


def last_server_per_shard(world: list[Server], shards: int) -> list[Server]:
    """The last guild each shard is sent (the gateway is ordered per shard: an answer there means all were handled)."""
    last = {shard_of(server.guild.id, shards): server for server in world}
    return [last[shard] for shard in sorted(last)]


def shard_settings(shards: int) -> dict[str, str]:
    """The environment of one process serving shards 0 … ``shards`` - 1 of ``shards`` (nothing for one)."""
    if shards <= 1:
        return {}
    return {"SHARD_IDS": ",".join(map(str, range(shards))), "SHARD_COUNT": str(shards)}


@dataclass
class Debate:
    """A debate filled by ``fill_debates``: its server and thread."""

    server: Server
    thread: SimChannel


async def start_one(sim: DiscordSim, server: Server, n: int, claims: int, cruxes: int) -> Debate | None:
    """``/debate start`` in the server's first channel, then ``claims`` claims (members in turn, sides alternating)
    and ``cruxes`` cruxes; None unless every one was logged."""
    started = await sim.invoke(server.members[0], server.channel, "debate start", topic=f"{TOPIC} ({n})")
    if "started" not in started.text:
        return None
    thread = sim.threads(server.channel)[-1]
    people = server.members
    answers = []
    for i in range(claims):
        side = "for" if i % 2 == 0 else "against"
        answers.append(await sim.invoke(people[i % len(people)], thread, "claim", text=claim_text(i, i), side=side))
    for i in range(cruxes):
        question = f"Crux {i} of debate {n}: will it hold?"
        answers.append(await sim.invoke(people[i % len(people)], thread, "crux add", question=question))
    logged = sum(answer.text.startswith(("Claim #", "Crux #")) for answer in answers)
    return Debate(server, thread) if logged == claims + cruxes else None


async def fill_debates(sim: DiscordSim, world: list[Server], args: argparse.Namespace) -> tuple[list[Debate], float]:
    """A debate in one server of ``args.debate_every``, each with its claims and cruxes; the debates started and
    the seconds taken."""
    if not args.debate_every:
        return [], 0.0
    chosen = world[:: args.debate_every]
    began = time.perf_counter()
    made = await gather_limited(
        [start_one(sim, server, n, args.claims, args.cruxes) for n, server in enumerate(chosen)], FILL_CONCURRENCY
    )
    return [debate for debate in made if debate is not None], time.perf_counter() - began
