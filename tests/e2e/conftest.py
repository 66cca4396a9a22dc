"""End-to-end fixtures: the local Discord-compatible server, a small world in it, and the real bot connected to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel, col

from benchmarks import model_fixture
from benchmarks.model_fixture import fixture_files
from bot.client import DebateBot
from bot.db import Database
from bot.local import LocalBot
from bot.runtime.model_files import ModelFiles
from bot.runtime.scheduler import Clock
from schema import Debate
from sim import (
    DEFAULT_MEMBER_PERMISSIONS,
    MANAGE_THREADS,
    DiscordSim,
    InteractionResult,
    SimChannel,
    SimGuild,
    SimMember,
)


@dataclass
class World:
    """Two servers: the debating one (with a moderator) and another, whose ids must never leak in."""

    sim: DiscordSim
    guild: SimGuild
    channel: SimChannel
    alice: SimMember
    bob: SimMember
    carol: SimMember
    mod: SimMember
    other_guild: SimGuild
    other_channel: SimChannel
    eve: SimMember

    @classmethod
    def build(cls, sim: DiscordSim) -> World:
        """A debating server (alice, bob, carol, a moderator) and another server with eve."""
        guild = sim.add_guild("Alignment Research")
        other = sim.add_guild("Elsewhere")
        return cls(
            sim=sim,
            guild=guild,
            channel=sim.add_text_channel(guild, "debates"),
            alice=sim.add_member(guild, "alice"),
            bob=sim.add_member(guild, "bob"),
            carol=sim.add_member(guild, "carol"),
            mod=sim.add_member(guild, "mod", permissions=DEFAULT_MEMBER_PERMISSIONS | MANAGE_THREADS),
            other_guild=other,
            other_channel=sim.add_text_channel(other, "general"),
            eve=sim.add_member(other, "eve"),
        )


@pytest.fixture
async def sim() -> AsyncIterator[DiscordSim]:
    async with DiscordSim() as server:
        yield server


@pytest.fixture
def world(sim: DiscordSim) -> World:
    return World.build(sim)


@pytest.fixture
def clock() -> Clock | None:
    """The bot's clock: the real one; modules testing timers override this with a hand-moved one."""
    return None


@pytest.fixture
def similar_records() -> bool:
    """Whether the bot hints at similar records: off (they add messages); modules testing them override this."""
    return False


@pytest.fixture
def model_files(similar_records: bool) -> ModelFiles | None:
    """The embedding model the bot hints with: the test fixture (``benchmarks.model_fixture``) when it hints and the
    fixture's extra is installed; else the official files, which are not downloaded here (no hints)."""
    return fixture_files() if similar_records and model_fixture.installed() else None


@pytest.fixture
async def running(
    sim: DiscordSim,
    world: World,
    db: Database,
    clock: Clock | None,
    similar_records: bool,
    model_files: ModelFiles | None,
) -> AsyncIterator[LocalBot]:
    """The real bot, connected to ``sim``, serving ``world``; ``running.restart()`` restarts it."""
    runner = LocalBot(sim, db, clock, similar_records=similar_records, model_files=model_files)
    await runner.start()
    yield runner
    await runner.stop()


@pytest.fixture
def bot(running: LocalBot) -> DebateBot:
    assert running.bot is not None
    return running.bot


async def start_debate(world: World, *, member: SimMember | None = None, **options: object) -> SimChannel:
    """Start a debate through /debate start and return its thread."""
    options.setdefault("topic", "Should the marginal AI-safety hour go to interpretability or governance?")
    result = await world.sim.invoke(member or world.alice, world.channel, "debate start", **options)
    assert "started" in result.text, result.text
    return world.sim.threads(world.channel)[-1]


async def add_cruxes(world: World, thread: SimChannel, questions: list[str]) -> list[int]:
    """Name each question as a crux (by Alice) and return their ids, as /crux credence's autocomplete offers them."""
    ids = []
    for question in questions:
        await world.sim.invoke(world.alice, thread, "crux add", question=question)
        choices = await world.sim.autocomplete(world.alice, thread, "crux credence", "crux", value=question[:15])
        ids.append(int(choices[0]["value"]))
    return ids


async def stored_ids(db: Database, model: type[SQLModel], expected: list[int], *, column: str = "id") -> list[int]:
    """The values of ``column`` of ``model``'s rows once they are ``expected`` (what the bot writes in the background,
    such as the scheduler's purge, lands soon after), or as they are after a few seconds."""
    statement = select(getattr(model, column)).order_by(getattr(model, column))
    found: list[int] = []
    for _ in range(250):
        async with db.read() as session:
            found = list((await session.execute(statement)).scalars())
        if found == expected:
            break
        await asyncio.sleep(0.02)
    return found


async def summary_time(db: Database, thread: SimChannel) -> datetime | None:
    """When a summary of the debate of ``thread`` was last posted for everyone, as the bot recorded it."""
    async with db.read() as session:
        statement = select(col(Debate.summarized_at)).where(col(Debate.thread_id) == thread.id)
        return (await session.execute(statement)).scalar_one()


async def summarize(world: World, db: Database, member: SimMember, thread: SimChannel) -> InteractionResult:
    """``/debate summary`` by ``member``, returned once the bot has recorded the summary's time (just after posting
    it; a few seconds at most), so that what follows counts changes from this summary."""
    before = await summary_time(db, thread)
    result = await world.sim.invoke(member, thread, "debate summary")
    for _ in range(250):
        if await summary_time(db, thread) != before:
            break
        await asyncio.sleep(0.02)
    return result
