"""Common ground and what divides us by the bridging model, through the local Discord-compatible server: the
summary's sections and the divide beside the opinion groups of /debate groups. (Below the model's minimums the
summary falls back and says so: tests/e2e/test_insights.py.)"""

from __future__ import annotations

import asyncio

import pytest

from bot.client import DebateBot
from bot.core.opinion import divides
from sim import VIEW_CHANNEL, SimChannel, SimMember
from tests.conftest import needs_analysis
from tests.e2e.conftest import World, add_cruxes, start_debate
from tests.e2e.test_jobs import READ, WRITE, counting

QUESTIONS = ["Do evals matter?", "Is regulation the answer?", "Is it 2030?", "Will it be solved by luck?"]


def _credences(camp: int, person: int, split: bool) -> list[int]:
    """Everyone thinks crux 1 likely and crux 4 unlikely; the camps split on crux 2; crux 3 is anyone's guess, or
    (``split``) the camps split on it too."""
    wobble = (person % 5) * 2 - 4
    third = (75 if camp == 0 else 25) if split else 50
    return [80 + wobble, (88 if camp == 0 else 12) + wobble, third + wobble, 25 - wobble]


async def _debate(
    world: World, sides: list[str], camps: list[int], *, split: bool = False, **options: object
) -> tuple[SimChannel, list[SimMember]]:
    thread = await start_debate(world, **options)
    ids = await add_cruxes(world, thread, QUESTIONS)
    members = []
    for person, (side, camp) in enumerate(zip(sides, camps, strict=True)):
        member = world.sim.add_member(world.guild, f"m{person}-{thread.id}")
        members.append(member)
        await world.sim.invoke(member, thread, "debate join", side=side)
        for crux, value in zip(ids, _credences(camp, person, split), strict=True):
            recorded = await world.sim.invoke(member, thread, "crux credence", crux=crux, value=value)
            assert not recorded.ephemeral, recorded.text
    return thread, members


COMMON_GROUND = (
    "**Common ground** (2) — both sides of the main divide lean the same way, even after one more extreme rating:\n"
    "• #1 yes, firmly: *for* 80 · *against* 78\n"  # low medians, by hand
    "• #4 no, firmly: *for* 25 · *against* 25"
)
WHAT_DIVIDES = "**What divides us** (along the declared sides):\n• #2: *for* 88 · *against* 10"
CAMPS = [0] * 10 + [1] * 6


async def _sides_as_camps(world: World) -> SimChannel:
    thread, _ = await _debate(world, ["for" if camp == 0 else "against" for camp in CAMPS], CAMPS)
    return thread


@needs_analysis
async def test_the_summary_shows_common_ground_across_the_divide_and_what_divides_along_the_sides(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = await _sides_as_camps(world)
    with counting(bot, monkeypatch) as counts:
        summary = await world.sim.invoke(world.carol, thread, "debate summary")
        await world.sim.wait_for(lambda: counts[WRITE] > 0, what="its time recorded, once posted")
    assert counts[READ] == 1 and counts[WRITE] == 1, counts  # the groups' and the bridging's credences read with it
    assert not summary.ephemeral and summary.allowed_mentions == {"parse": []}
    head = summary.text.split("**Crux #")[0]
    assert COMMON_GROUND in head and WHAT_DIVIDES in head
    assert "#3" not in head  # nobody leans, and the sides do not split on it
    assert "majorities" not in head and "The bridging model needs" not in head
    assert world.sim.errors == []


@needs_analysis
async def test_a_large_debate_gets_its_common_ground_in_an_edit_after_posting(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(divides, "FIT_BEFORE_POSTING", 10)  # as if its 64 credences were too many to fit first
    thread = await _sides_as_camps(world)
    with counting(bot, monkeypatch) as counts:
        await world.sim.invoke(world.carol, thread, "debate summary")  # posted without it, then edited
        for _ in range(250):
            edited = world.sim.messages(thread)[-1].text
            if "Common ground" in edited:
                break
            await asyncio.sleep(0.02)
    assert COMMON_GROUND in edited and WHAT_DIVIDES in edited
    assert counts[READ] == 1 and counts[WRITE] == 1, counts  # no second read for the edit
    assert world.sim.errors == []


@needs_analysis
async def test_groups_show_a_divide_that_follows_the_opinion_groups_not_the_sides(world: World, bot: DebateBot) -> None:
    camps = [0, 1] * 8  # each side half of each camp
    sides = ["for"] * 4 + ["against"] * 4 + ["for"] * 4 + ["against"] * 4
    thread, _ = await _debate(world, sides, camps, split=True)
    result = await world.sim.invoke(world.carol, thread, "debate groups")
    assert not result.ephemeral
    assert "2 groups in the latest credences of 16 participants" in result.text
    assert (
        "**The main divide** (the bridging model's factor) follows the opinion groups: group 1 at one end, group 2 "
        "at the other"
        in result.text
        or "follows the opinion groups: group 2 at one end, group 1 at the other" in result.text
    )
    assert world.sim.errors == []


@needs_analysis
async def test_groups_below_the_minimum_say_the_divide_is_not_measured(world: World, bot: DebateBot) -> None:
    thread, _ = await _debate(world, ["for", "against"] * 4, [0, 1] * 4)
    result = await world.sim.invoke(world.carol, thread, "debate groups")
    assert (
        "**The main divide:** not measured — the bridging model needs 15 participants with credences, and there are 8."
        in result.text
    )


@needs_analysis
async def test_the_agenda_summary_fits_the_debates_everyone_here_can_see(world: World, bot: DebateBot) -> None:
    camps = [0] * 10 + [1] * 6
    sides = ["for" if camp == 0 else "against" for camp in camps]
    _, members = await _debate(world, sides, camps, agenda="Safety")
    staff = world.sim.add_text_channel(world.guild, "staff")
    world.sim.overwrite(staff, world.guild.members[world.sim.bot_user.id], allow=VIEW_CHANNEL)
    world.sim.deny(world.alice, staff, VIEW_CHANNEL)
    result = await world.sim.invoke(world.bob, staff, "debate start", topic="Staff only?", agenda="Safety")
    assert "started" in result.text, result.text
    hidden = world.sim.threads(staff)[-1]
    await world.sim.invoke(world.bob, hidden, "crux add", question="Hidden agreement?")
    for member, side in zip(members, sides, strict=True):  # the same people agree on a crux Alice cannot see
        await world.sim.invoke(member, hidden, "debate join", side=side)
        await world.sim.invoke(member, hidden, "crux credence", crux=1, value=95)
    agenda = (await world.sim.autocomplete(world.alice, world.channel, "agenda summary", "agenda", value="Safety"))[0]
    summary = await world.sim.invoke(world.alice, world.channel, "agenda summary", agenda=int(agenda["value"]))
    assert not summary.ephemeral
    assert "**Common ground** (2): debate 1: yes #1; no #4\n**What divides us:** debate 1: #2" in summary.text
    assert "debate 2" not in summary.text and "Hidden agreement" not in summary.text


@needs_analysis
async def test_the_divide_shows_the_sides_renamed_once_their_creator_is_forgotten(world: World, bot: DebateBot) -> None:
    """Alice started the debate and named its sides but gave no credence: forgetting her changes no credence, yet
    the next summary shows the sides by their new names, not the divide remembered with hers."""
    thread = await _sides_as_camps(world)
    before = await world.sim.invoke(world.carol, thread, "debate summary")
    assert WHAT_DIVIDES in before.text

    asked = await world.sim.invoke(world.alice, world.channel, "mydata forget")
    assert asked.message is not None
    [row] = asked.components
    await world.sim.click(world.alice, asked.message, str(row["components"][0]["custom_id"]))
    after = await world.sim.invoke(world.carol, thread, "debate summary")

    head = after.text.split("**Crux #")[0]
    assert "*for*" not in head and "*against*" not in head, head
    assert "**What divides us** (along the declared sides):\n• #2: *side " in head, head
    assert world.sim.errors == []
