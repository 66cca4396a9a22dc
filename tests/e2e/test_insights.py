"""Where the sides agree and who moved, through Discord: the posted summary's sections and /debate status. With three
participants the summary's common ground falls back from the bridging model to the sides' majorities, and says so."""

from __future__ import annotations

import importlib.util

from bot.client import DebateBot
from bot.db import Database
from sim import SimChannel
from tests.e2e.conftest import World, start_debate, summarize


async def _debate(world: World) -> SimChannel:
    thread = await start_debate(world)
    for member, side in ((world.alice, "for"), (world.bob, "against"), (world.carol, "against")):
        await world.sim.invoke(member, thread, "debate join", side=side)
    return thread


async def _crux(world: World, thread: SimChannel, question: str) -> int:
    await world.sim.invoke(world.alice, thread, "crux add", question=question)
    return int((await world.sim.autocomplete(world.alice, thread, "crux credence", "crux", value=question))[0]["value"])


async def _status(world: World, thread: SimChannel) -> str:
    result = await world.sim.invoke(world.carol, thread, "debate status")
    assert result.ephemeral
    return result.text


async def test_the_summary_names_common_ground_and_who_moved_and_status_counts_them(
    world: World, bot: DebateBot, db: Database
) -> None:
    thread = await _debate(world)
    agreed = await _crux(world, thread, "Do both sides expect this?")
    disputed = await _crux(world, thread, "Is this disputed?")
    for member, value in ((world.alice, 80), (world.bob, 70), (world.carol, 60)):
        await world.sim.invoke(member, thread, "crux credence", crux=agreed, value=value)
    await world.sim.invoke(world.alice, thread, "crux credence", crux=disputed, value=30)
    await world.sim.invoke(world.bob, thread, "crux credence", crux=disputed, value=20)
    await world.sim.invoke(
        world.alice, thread, "crux credence", crux=disputed, value=75, reason=f"@everyone {world.bob.mention} *read* it"
    )

    status = await _status(world, thread)
    assert "2 open, 0 resolved · 1 where the sides agree" in status
    assert "Who moved (since the debate began)" in status and f"{world.alice.mention}: 1 crux" in status

    summary = await summarize(world, db, world.carol, thread)
    text = summary.text
    assert not summary.ephemeral and summary.allowed_mentions == {"parse": []}
    head = text.split("**Crux #")[0]  # on the first page, before the cruxes
    assert "**Common ground** (1 crux, by the declared sides' majorities): all sides think likely #1" in head
    fell_back = (
        "needs 15 participants with credences, and there are 3"
        if importlib.util.find_spec("numpy")
        else "needs the analysis extra (numpy)"  # the README's test command installs no extra
    )
    assert f"\n*The bridging model {fell_back}.*" in head
    assert f"**Who moved** (since the debate began)\n• Crux #2 (moved 45): {world.alice.mention} 30→**75**" in head
    mention = world.bob.mention.replace("<", "\\<").replace(">", "\\>")  # shown as typed, not as a mention
    assert f"• {world.alice.mention} (for): **30 → 75** — “@everyone {mention} \\*read\\* it”" in text

    assert "Who moved" not in await _status(world, thread)  # nobody moved since that summary
    await world.sim.invoke(world.bob, thread, "crux credence", crux=agreed, value=30, reason="second look")
    await world.sim.invoke(world.carol, thread, "crux credence", crux=disputed, value=50)  # new: not movement
    status = await _status(world, thread)
    assert "Who moved (since the last summary)" in status and f"{world.bob.mention}: 1 crux" in status
    assert f"{world.carol.mention}: 1" not in status and "where the sides agree" not in status

    again = (await world.sim.invoke(world.carol, thread, "debate summary")).text
    assert f"**Who moved** (since the last summary)\n• Crux #1 (moved 40): {world.bob.mention} 70→**30**" in again
    assert f"• {world.bob.mention} (against): **70 → 30** — “second look”" in again
    assert "Common ground" not in again
