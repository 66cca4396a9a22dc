"""Issue 5 through Discord: rounds and double-crux formats — phase gating, banners, /debate next, the phase clock
(warning, time's up, pause, resume), and the clock across restarts and downtime. Time is a hand-moved clock."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.local import LocalBot
from schema import Debate
from sim import SimChannel
from tests.clock import ManualClock
from tests.e2e.conftest import World, start_debate

OPENING_REFUSAL = (
    "Debate #1 is in its **opening** phase (1 of 4), which allows claims (/claim). Rebuttals come in the rebuttal "
    "phase, when a moderator moves on with /debate next."
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def _joined(world: World, thread: SimChannel) -> SimChannel:
    """``thread`` with alice joined for and bob against."""
    await world.sim.invoke(world.alice, thread, "debate join", side="for")
    await world.sim.invoke(world.bob, thread, "debate join", side="against")
    return thread


def _count(world: World, thread: SimChannel, text: str) -> int:
    return sum(text in message.text for message in world.sim.messages(thread))


async def _posted(world: World, thread: SimChannel, text: str, times: int = 1) -> None:
    await world.sim.wait_for(lambda: _count(world, thread, text) >= times, what=f"“{text}” posted {times}×")


async def _phase(running: LocalBot) -> int:
    assert running.bot is not None
    async with running.bot.db.read() as session:
        return (await session.execute(select(col(Debate.phase)))).scalar_one()


async def test_rounds_gate_each_phase_and_moderators_move_on(world: World, running: LocalBot) -> None:
    thread = await _joined(world, await start_debate(world, format="rounds"))
    banner = world.sim.messages(thread)[1]
    assert "Phase 1 of 4: opening" in banner.text and "**Allowed now:** claims (/claim)" in banner.text
    assert "untimed" in banner.text
    await world.sim.invoke(world.alice, thread, "claim", text="Interp tools will generalise")
    claim = (await world.sim.autocomplete(world.bob, thread, "rebut", "claim"))[0]["value"]
    refused = await world.sim.invoke(world.bob, thread, "rebut", claim=claim, text="They never have")
    assert refused.ephemeral and refused.text == OPENING_REFUSAL
    said = await world.sim.post_message(world.bob, thread, "Would audits change your mind?")
    menu = await world.sim.context_menu(world.bob, said, "Log as crux")
    assert menu.ephemeral and "Cruxes come in the crux phase" in menu.text

    not_yours = await world.sim.invoke(world.bob, thread, "debate next")
    assert not_yours.ephemeral and "Only the debate's creator or a member with Manage Threads" in not_yours.text
    moved = await world.sim.invoke(world.mod, thread, "debate next")
    assert not moved.ephemeral and "moved on: the **opening** phase is over" in moved.text
    assert "Phase 2 of 4: rebuttal" in moved.text and "Which claim would you most like to see fall?" in moved.text
    rebuttal = await world.sim.invoke(world.bob, thread, "rebut", claim=claim, text="They never have")
    assert "Rebuttal #2 → Claim #1" in rebuttal.text
    late = await world.sim.invoke(world.alice, thread, "claim", text="Another")
    assert late.ephemeral and "The phase for claims is over." in late.text
    await world.sim.invoke(world.alice, thread, "debate next")
    crux_phase = world.sim.messages(thread)[-1]
    assert "What would change your mind?" in crux_phase.text
    status = await world.sim.invoke(world.carol, thread, "debate status")
    assert "crux (3 of 4) · untimed" in status.text


async def test_the_clock_warns_moves_on_pauses_and_resumes(world: World, running: LocalBot, clock: ManualClock) -> None:
    thread = await _joined(world, await start_debate(world, format="rounds", minutes=2))
    ends = int(clock.now().timestamp()) + 120
    status = await world.sim.invoke(world.alice, thread, "debate status")
    assert f"opening (1 of 4) · ends <t:{ends}:R>" in status.text
    refused = await world.sim.invoke(world.bob, thread, "crux add", question="Q?")
    assert f"Cruxes come in the crux phase, <t:{ends + 120}:R>." in refused.text
    await clock.advance(seconds=60)
    await _posted(world, thread, "One minute left in the **opening** phase.")
    await clock.advance(seconds=60)
    await _posted(world, thread, "Time's up: the **opening** phase is over.")
    assert "Phase 2 of 4: rebuttal" in world.sim.messages(thread)[-1].text and await _phase(running) == 1

    await clock.advance(seconds=30)
    paused = await world.sim.invoke(world.mod, thread, "debate pause")
    assert "paused the clock: paused with 1 min 30 s left" in paused.text
    await clock.advance(minutes=30)
    assert running.bot is not None and await running.bot.scheduler.run_due() == 0
    assert _count(world, thread, "One minute left in the **rebuttal**") == 0 and await _phase(running) == 1
    status = await world.sim.invoke(world.alice, thread, "debate status")
    assert "rebuttal (2 of 4) · paused with 1 min 30 s left" in status.text
    resumed = await world.sim.invoke(world.alice, thread, "debate resume")
    assert f"the phase ends <t:{int(clock.now().timestamp()) + 90}:R>" in resumed.text
    await clock.advance(seconds=30)
    await _posted(world, thread, "One minute left in the **rebuttal** phase.")
    await clock.advance(seconds=60)
    await _posted(world, thread, "Time's up: the **rebuttal** phase is over.")
    assert await _phase(running) == 2


async def test_a_restart_mid_phase_keeps_the_clock_and_downtime_fires_once(
    world: World, running: LocalBot, clock: ManualClock
) -> None:
    thread = await _joined(world, await start_debate(world, format="rounds", minutes=2))
    await clock.advance(seconds=30)
    await running.restart()
    await clock.advance(seconds=30)
    await _posted(world, thread, "One minute left in the **opening** phase.")

    await running.stop()
    await clock.advance(minutes=10)  # the phase ended while no bot was running
    await running.start()
    await _posted(world, thread, "Time's up: the **opening** phase is over.")
    assert running.bot is not None and await running.bot.scheduler.run_due() == 0
    await running.restart()
    assert running.bot is not None and await running.bot.scheduler.run_due() == 0
    assert _count(world, thread, "Time's up") == 1 and await _phase(running) == 1
    # The next phase was timed from when the bot came back, not from when the last one should have ended.
    await clock.advance(seconds=60)
    await _posted(world, thread, "One minute left in the **rebuttal** phase.")
    assert _count(world, thread, "One minute left") == 2


async def test_the_last_phase_running_out_stops_the_clock(world: World, running: LocalBot, clock: ManualClock) -> None:
    thread = await _joined(world, await start_debate(world, format="double-crux", minutes=1))
    for _ in range(3):
        await world.sim.invoke(world.alice, thread, "debate next")
    await clock.advance(seconds=60)
    await _posted(world, thread, "Time's up: the **resolution** phase, the last, is over.")
    status = await world.sim.invoke(world.alice, thread, "debate status")
    assert "resolution (4 of 4) · time is up" in status.text
    assert _count(world, thread, "One minute left") == 0  # a one-minute phase has no warning


async def test_double_crux_positions_marks_and_the_double_crux(world: World, running: LocalBot) -> None:
    thread = await _joined(world, await start_debate(world, format="double-crux"))
    banner = world.sim.messages(thread)[1]
    assert "Phase 1 of 4: positions" in banner.text and "/debate position" in banner.text
    position = await world.sim.invoke(world.alice, thread, "debate position", text="Interp first", credence=80)
    assert "**80** on the motion" in position.text and "Claim #1" in position.text
    await world.sim.invoke(world.bob, thread, "debate position", text="Governance first", credence=25)
    early = await world.sim.invoke(world.bob, thread, "crux add", question="Will audits bind labs?")
    assert early.ephemeral and "Cruxes come in the crux finding phase" in early.text

    await world.sim.invoke(world.alice, thread, "debate next")
    for question in ("Will audits bind labs?", "Do SAE features transfer?"):
        await world.sim.invoke(world.bob, thread, "crux add", question=question)
    audits = (await world.sim.autocomplete(world.bob, thread, "crux mine", "crux", value="audits"))[0]["value"]
    saes = (await world.sim.autocomplete(world.bob, thread, "crux mine", "crux", value="SAE"))[0]["value"]
    for member in (world.alice, world.bob):
        marked = await world.sim.invoke(member, thread, "crux mine", crux=audits, changes_my_mind=True)
        assert f"{member.mention}: Crux #1 would change my mind." == marked.text
    await world.sim.invoke(world.alice, thread, "crux mine", crux=saes, changes_my_mind=True)
    await world.sim.invoke(world.bob, thread, "crux mine", crux=saes, changes_my_mind=False)
    too_soon = await world.sim.invoke(world.alice, thread, "crux credence", crux=audits, value=70)
    assert too_soon.ephemeral and "Credences come in the operationalising phase" in too_soon.text

    await world.sim.invoke(world.alice, thread, "debate next")
    for crux in (audits, saes):
        await world.sim.invoke(world.alice, thread, "crux credence", crux=crux, value=80)
        await world.sim.invoke(world.bob, thread, "crux credence", crux=crux, value=20)
    summary = (await world.sim.invoke(world.carol, thread, "debate summary")).text
    first, second = summary.split("**Crux #2**")[0], summary.split("**Crux #2**")[1]
    assert "**Crux #1** · **double crux**" in first
    assert "double crux" not in second  # bob said it would not change his mind
