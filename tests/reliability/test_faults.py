"""Faults under load: the gateway asks the bot to reconnect, invalidates its session or drops the connection, and
REST calls are answered 429 or 5xx. The bot keeps serving, and no record is lost or duplicated: what users saw
acknowledged is stored exactly once, under the number they were shown.

A non-resumable invalid session costs about 5 s: discord.py waits that long before identifying again
(``Client.before_identify_hook``), as Discord asks; interactions sent meanwhile reach no bot, as on Discord.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from _pytest.mark import ParameterSet
from sqlalchemy import func
from sqlmodel import select

from bot.client import DebateBot
from schema import Debate
from sim import DiscordSim
from tests.e2e.conftest import World
from tests.reliability.support import (
    ClaimLoad,
    Outcome,
    Stopwatch,
    add_users,
    claims_by_text,
    integrity_problems,
    lost_or_duplicated,
    open_thread,
    report,
)

USERS = 120
IN_FLIGHT = 16
CALLBACK = r"^/interactions/\d+/[^/]+/callback$"


@dataclass(frozen=True)
class Fault:
    name: str
    inject: Callable[[DiscordSim], Awaitable[None]]
    status: int | None = None  # a REST fault: the status the sim must have answered at least once


def _rest(status: int, times: int) -> Callable[[DiscordSim], Awaitable[None]]:
    async def inject(sim: DiscordSim) -> None:
        sim.fail_next("POST", CALLBACK, status=status, times=times, retry_after=0.3)

    return inject


FAULTS = [
    Fault("op 7 reconnect", lambda sim: sim.request_reconnect()),
    Fault("op 9 invalid session, resumable", lambda sim: sim.invalidate_session(resumable=True)),
    Fault("dropped gateway connection", lambda sim: sim.drop_connections()),
    Fault("429 on interaction answers", _rest(429, 6), 429),
    Fault("500 on interaction answers", _rest(500, 3), 500),
    Fault("503 on interaction answers", _rest(503, 3), 503),
]


def _assert_exactly_once(load: ClaimLoad, stored: dict[str, list[int]]) -> None:
    assert lost_or_duplicated(load.acknowledged, stored) == {}
    assert sorted(n for text in load.acknowledged for n in stored[text]) == sorted(load.acknowledged.values())


@pytest.mark.parametrize("fault", [pytest.param(fault, id=fault.name) for fault in FAULTS])
async def test_the_bot_keeps_serving_through_a_fault_under_load(world: World, bot: DebateBot, fault: Fault) -> None:
    sim = world.sim
    thread = await open_thread(sim, world.alice, world.channel)
    load = ClaimLoad(sim, thread, add_users(world, USERS, "user"), limit=IN_FLIGHT)
    stopwatch = Stopwatch()
    running = asyncio.create_task(load.run())
    await sim.wait_for(lambda: len(load.acknowledged) >= USERS // 4, timeout=30, what="a quarter of the load")
    await fault.inject(sim)
    await running
    after = ClaimLoad(sim, thread, add_users(world, 1, "after"))
    await after.run()
    stored = await claims_by_text(bot.db)
    report(
        f"faults: {fault.name} during {USERS} claims ({stopwatch.elapsed:.1f} s): {load.summary()}, "
        f"{sum(len(stored.get(text, [])) for text in load.acknowledged)} of them stored"
    )
    if fault.status is not None:
        assert any(request.status == fault.status for request in sim.requests), "the fault never fired"
    assert load.outcomes == {Outcome.ACKNOWLEDGED: USERS}, load.refusals
    assert after.outcomes == {Outcome.ACKNOWLEDGED: 1}
    _assert_exactly_once(load, stored)
    assert sum(map(len, stored.values())) == USERS + 1 and await integrity_problems(bot.db) == []


async def test_after_a_non_resumable_invalid_session_the_bot_identifies_again(world: World, bot: DebateBot) -> None:
    sim = world.sim
    thread = await open_thread(sim, world.alice, world.channel)
    during = ClaimLoad(sim, thread, add_users(world, USERS, "during"), limit=IN_FLIGHT)
    running = asyncio.create_task(during.run())
    await sim.wait_for(lambda: len(during.acknowledged) >= USERS // 4, timeout=30, what="a quarter of the load")
    stopwatch = Stopwatch()
    await sim.invalidate_session(resumable=False)
    outage = stopwatch.elapsed
    await running
    after = ClaimLoad(sim, thread, add_users(world, USERS // 4, "after"), limit=IN_FLIGHT)
    await after.run()
    stored = await claims_by_text(bot.db)
    report(
        f"faults: op 9 invalid session, not resumable: back after {outage:.1f} s; during: {during.summary()}; "
        f"after: {after.summary()}; {sum(map(len, stored.values()))} stored"
    )
    assert set(during.outcomes) <= {Outcome.ACKNOWLEDGED, Outcome.UNDELIVERED}, during.refusals
    assert after.outcomes == {Outcome.ACKNOWLEDGED: USERS // 4}
    for load in (during, after):
        _assert_exactly_once(load, stored)
    assert set(stored) == set(during.acknowledged) | set(after.acknowledged)  # nothing undelivered was stored


# ----- REST faults while a debate starts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StartFault:
    name: str
    path: str
    status: int
    bug: str | None = None

    def param(self) -> ParameterSet:
        marks = [pytest.mark.xfail(strict=True, reason=self.bug)] if self.bug else []
        return pytest.param(self, id=self.name, marks=marks)


START_FAULTS = [
    StartFault("429 on creating the thread", r"^/channels/\d+/threads$", 429),
    StartFault("500 on creating the thread", r"^/channels/\d+/threads$", 500),
    StartFault("503 on creating the thread", r"^/channels/\d+/threads$", 503),
    StartFault("429 on the opening message", r"^/channels/\d+/messages$", 429),
    StartFault("502 on the opening message", r"^/channels/\d+/messages$", 502),
    StartFault("503 on the opening message", r"^/channels/\d+/messages$", 503),
    StartFault("503 on the answer", r"^/webhooks/", 503),
]


@pytest.mark.parametrize("fault", [fault.param() for fault in START_FAULTS])
async def test_a_debate_starts_completely_or_not_at_all(world: World, bot: DebateBot, fault: StartFault) -> None:
    sim = world.sim
    sim.fail_next("POST", fault.path, status=fault.status, retry_after=0.3)
    result = await sim.invoke(world.alice, world.channel, "debate start", topic="Does it start?")
    assert any(r.status == fault.status and re.search(fault.path, r.path) for r in sim.requests)
    async with bot.db.read() as session:
        debates = (await session.execute(select(func.count()).select_from(Debate))).scalar_one()
    threads = sim.threads(world.channel)
    if result.ephemeral:
        assert (debates, threads) == (0, []), f"refused ({result.text}) but recorded"
    else:
        assert "Debate #1 started" in result.text and debates == 1 and len(threads) == 1
        assert "Debate #1" in sim.messages(threads[0])[0].text


async def test_a_missing_permission_is_explained_and_nothing_is_recorded(world: World, bot: DebateBot) -> None:
    world.sim.fail_next("POST", r"^/channels/\d+/threads$", status=403)
    result = await world.sim.invoke(world.alice, world.channel, "debate start", topic="Am I allowed?")
    assert result.ephemeral and "Discord refused me (Missing Permissions): I lack a permission" in result.text
    assert "Create Public Threads" in result.text and "Manage Threads" in result.text
    async with bot.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Debate))).scalar_one() == 0
    assert world.sim.threads(world.channel) == []
