"""Issue 15 through Discord: the summary of a debate of 20 participants and 300 cruxes is one message within
Discord's limits and one phone screen, its first page as the issue orders it; /debate end, /agenda summary and the
digest likewise."""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from bot.client import DebateBot
from bot.core.cruxes import lifecycle as cruxes
from bot.core.debates import lifecycle as core
from bot.core.summary.pages import FIRST_CRUXES, PAGE_LINES, phone_lines
from bot.db import Database
from sim import InteractionResult
from tests.e2e.conftest import World, start_debate

PARTICIPANTS = range(700, 720)
CRUXES = 300


def _argue(session: Session, guild_id: int) -> None:
    """Twenty participants (ten a side) each give a credence on each of 300 cruxes; one crux in ten splits the sides."""
    rng = random.Random(15)
    debate = core.debate_numbered(session, 1, guild_id)
    for user in PARTICIPANTS:
        core.join(session, debate, user, ("for", "against")[user % 2])
    for number in range(1, CRUXES + 1):
        question = f"Question {number}: will {rng.choice(['labs', 'treaties', 'audits'])} matter more by 2030?"
        crux, _ = cruxes.add_crux(session, debate, core.Actor(guild_id, 700), question)
        splits = number % 10 == 0
        for user in PARTICIPANTS:
            lean = (80 if user % 2 else 20) if splits else 60
            value = max(0, min(100, lean + rng.randint(-15, 15)))
            cruxes.record_credence(session, debate, core.Actor(guild_id, user), crux.number, value)


def _check_one_message(result: InteractionResult) -> str:
    message = result.message
    assert message is not None and result.followups == [], result.text
    assert len(message.embeds) <= 10 and sum(len(e.get("description", "")) for e in message.embeds) <= 6000
    return result.text


async def test_the_summary_of_20_participants_and_300_cruxes_is_one_message_and_one_phone_screen(
    world: World, bot: DebateBot, db: Database
) -> None:
    thread = await start_debate(world, agenda="AI safety")
    await db.transact(_argue, world.guild.id)
    text = _check_one_message(await world.sim.invoke(world.carol, thread, "debate summary"))
    lines = text.splitlines()
    assert lines[0].startswith("**Debate #1: Should the marginal")
    assert lines[1] == "300 unresolved cruxes, 0 resolved · 0 claims, 0 rebuttals, 0 supports · 20 participants"
    shown = [line for line in lines if line.startswith("**Crux #")]
    assert len(shown) >= FIRST_CRUXES and all("double crux" in line for line in shown)  # double cruxes first
    assert "lowest " in text and " — highest " in text and "(+18 more)" in text  # the extremes and a count
    assert f"…and {CRUXES - len(shown)} more cruxes: **Next ▶** shows them" in text
    assert phone_lines(text) <= PAGE_LINES, phone_lines(text)

    agenda = (await world.sim.autocomplete(world.carol, world.channel, "agenda summary", "agenda"))[0]["value"]
    agenda_summary = await world.sim.invoke(world.carol, world.channel, "agenda summary", agenda=agenda)
    agenda_text = _check_one_message(agenda_summary)
    assert "**Agenda: AI safety**" in agenda_text and phone_lines(agenda_text) <= PAGE_LINES
    assert agenda_summary.message is not None
    following = next(i for i in agenda_summary.message.custom_ids if i.startswith("page:agenda:"))
    second = await world.sim.click(world.bob, agenda_summary.message, following)
    assert second.ephemeral and "Debate #1" in second.text and "Agenda: AI safety" not in second.text
    assert phone_lines(second.text) <= PAGE_LINES

    ended = await world.sim.invoke(world.mod, thread, "debate end")
    await world.sim.wait_for(lambda: len(ended.followups) >= 1, what="the final summary")
    assert "is closed by" in ended.text and len(ended.followups) == 1  # the closing line, then the summary
    final = ended.followups[0]
    assert "(closed)" in final.text and len(final.embeds) == 1 and phone_lines(final.text) <= PAGE_LINES
    assert world.sim.errors == []
