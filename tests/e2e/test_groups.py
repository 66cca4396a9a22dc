"""/debate groups and the summary's line about opinion groups, through the local Discord-compatible server."""

from __future__ import annotations

import sys

import pytest

from bot.client import DebateBot
from sim import SimChannel, SimMember
from tests.conftest import needs_analysis
from tests.e2e.conftest import World, add_cruxes, start_debate

QUESTIONS = ["Will evals catch deception?", "Do circuits transfer?", "Is compute the bottleneck?", "Is 2030 late?"]
# Two camps that cut across the declared sides: three of "for" think like one of "against", and the other way round.
CAMPS = {
    "ana": ("for", [85, 90, 80, 50]),
    "ben": ("for", [80, 85, 90, 55]),
    "cy": ("for", [90, 80, 85, 45]),
    "dee": ("against", [85, 85, 80, 50]),
    "eli": ("for", [15, 10, 20, 50]),
    "fay": ("against", [20, 15, 10, 55]),
    "gus": ("against", [10, 20, 15, 45]),
    "hal": ("against", [15, 15, 20, 50]),
}


async def debate_with(world: World, camps: dict[str, tuple[str, list[int]]]) -> tuple[SimChannel, list[SimMember]]:
    """A debate with the four questions as cruxes and each member's side and credences on them."""
    thread = await start_debate(world)
    ids = await add_cruxes(world, thread, QUESTIONS)
    members = []
    for name, (side, credences) in camps.items():
        member = world.sim.add_member(world.guild, name)
        members.append(member)
        assert "joined" in (await world.sim.invoke(member, thread, "debate join", side=side)).text
        for crux, value in zip(ids, credences, strict=True):
            recorded = await world.sim.invoke(member, thread, "crux credence", crux=crux, value=value)
            assert not recorded.ephemeral, recorded.text
    return thread, members


@needs_analysis
async def test_groups_that_stand_out_are_shown_with_the_cruxes_that_divide_them(world: World, bot: DebateBot) -> None:
    thread, members = await debate_with(world, CAMPS)
    result = await world.sim.invoke(world.carol, thread, "debate groups")
    assert not result.ephemeral
    text = result.text
    assert "2 groups in the latest credences of 8 participants, 4 cruxes" in text
    first, second = ", ".join(m.mention for m in members[:4]), ", ".join(m.mention for m in members[4:])
    assert f"**Group 1 — high on Crux #1, #2 and #3** (4): {first}\nSides: *for* 3, *against* 1" in text
    assert f"**Group 2 — low on Crux #1, #2 and #3** (4): {second}\nSides: *against* 3, *for* 1" in text
    assert "**What divides them most**" in text
    assert "**Crux #1** · group 1: **85**, group 2: **15** (70 apart)\n> Will evals catch deception?" in text
    assert "Crux #4" not in text  # everyone near 50 on it
    assert "**Across the declared sides:** *for* is split between groups 1 and 2" in text
    assert result.allowed_mentions is not None and result.allowed_mentions.get("parse") == []

    summary = await world.sim.invoke(world.carol, thread, "debate summary")
    heading = summary.text.split("\n\n")[0]
    assert (
        "**Opinion groups:** 2 stand out (group 1 high on Crux #1, #2 and #3; group 2 low on Crux #1, #2 and #3) — "
        "`/debate groups` shows them."
    ) in heading
    assert world.sim.errors == []


@needs_analysis
async def test_without_groups_it_says_so_plainly_and_the_summary_says_nothing(world: World, bot: DebateBot) -> None:
    agreeing = {f"p{i}": ("for" if i % 2 else "against", [60 + i, 70, 30, 50]) for i in range(6)}
    thread, _ = await debate_with(world, dict(list(agreeing.items())[:3]))
    few = await world.sim.invoke(world.carol, thread, "debate groups")
    assert not few.ephemeral
    assert "No opinion groups stand out yet: 3 participants, 4 cruxes. Groups are looked for from 6" in few.text

    for name, (side, credences) in list(agreeing.items())[3:]:
        member = world.sim.add_member(world.guild, name)
        await world.sim.invoke(member, thread, "debate join", side=side)
        for crux, value in zip(range(1, 5), credences, strict=True):
            await world.sim.invoke(member, thread, "crux credence", crux=crux, value=value)
    none = await world.sim.invoke(world.carol, thread, "debate groups")
    assert "No opinion groups stand out yet: 6 participants, 4 cruxes." in none.text
    assert "split no more clearly than the same credences shuffled between participants" in none.text
    summary = await world.sim.invoke(world.carol, thread, "debate summary")
    assert "6 participants" in summary.text and "Opinion groups" not in summary.text
    assert world.sim.errors == []


async def test_without_the_analysis_extra_it_says_how_to_install_it(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "bot.core.opinion.clustering", None)  # as if numpy and scipy were missing
    thread = await start_debate(world)
    result = await world.sim.invoke(world.alice, thread, "debate groups")
    assert result.ephemeral and 'pip install -e ".[analysis]"' in result.text
    summary = await world.sim.invoke(world.alice, thread, "debate summary")
    assert not summary.ephemeral and "Debate #1" in summary.text and "Opinion groups" not in summary.text
    outside = await world.sim.invoke(world.alice, world.channel, "debate groups")
    assert outside.ephemeral and "debate" in outside.text and "pip install" not in outside.text
