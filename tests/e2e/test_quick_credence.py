"""One-click credence: the menu on a crux's message records a pick at once and tells only the picker how it moved;
"Exact value and reason…" opens the form prefilled with the current value; old messages' "Set my credence" works;
both survive a restart, a double pick records once, and the phase and debate rules hold."""

from __future__ import annotations

import asyncio

import aiohttp
from sqlmodel import col, select

from bot.client import DebateBot
from bot.local import LocalBot
from schema import Credence
from sim import SimChannel, SimMember, SimMessage
from tests.e2e.conftest import World, start_debate

QUICK, FORM = "crux:quick:1", "crux:credence:1"


async def _crux(world: World, thread: SimChannel, member: SimMember | None = None) -> SimMessage:
    """Add crux #1 (id 1) and return its message."""
    added = await world.sim.invoke(member or world.alice, thread, "crux add", question="Will audits bind labs?")
    assert added.message is not None and "Crux #1" in added.text, added.text
    return added.message


async def _debate(world: World, **options: object) -> SimChannel:
    thread = await start_debate(world, **options)
    for member, side in ((world.alice, "for"), (world.bob, "against")):
        await world.sim.invoke(member, thread, "debate join", side=side)
    return thread


async def _credences(bot: DebateBot) -> list[tuple[int, int, str | None]]:
    async with bot.db.read() as session:
        rows = (await session.execute(select(Credence).order_by(col(Credence.id)))).scalars().all()
    return [(row.user_id, row.value, row.reason) for row in rows]


async def test_a_pick_records_at_once_and_only_the_picker_sees_old_to_new(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    message = await _crux(world, thread)
    [menu] = [c for row in message.components for c in row["components"] if c["custom_id"] == QUICK]
    assert [option["value"] for option in menu["options"]] == [str(v) for v in range(0, 101, 10)]
    buttons = {c["custom_id"]: c["label"] for row in message.components for c in row["components"] if c["type"] == 2}
    assert buttons == {FORM: "Exact value and reason…", "crux:resolve:1": "Resolve"}
    posted = len(world.sim.messages(thread))

    first = await world.sim.select(world.alice, message, QUICK, ["70"])
    assert first.ephemeral and first.text.startswith("Your credence on Crux #1: 70 (your first).")
    moved = await world.sim.select(world.alice, message, QUICK, ["40"])
    assert moved.ephemeral and moved.text.startswith("Your credence on Crux #1: 70 → 40.")
    again = await world.sim.select(world.alice, message, QUICK, ["40"])  # a double pick
    assert again.ephemeral and again.text == "Already recorded: your credence on Crux #1 is 40."
    other = await world.sim.select(world.bob, message, QUICK, ["100"])
    assert other.text.startswith("Your credence on Crux #1: 100 (your first).")

    assert len(world.sim.messages(thread)) == posted  # nothing posted for everyone
    alice, bob = world.alice.user.id, world.bob.user.id
    assert await _credences(bot) == [(alice, 70, None), (alice, 40, None), (bob, 100, None)]
    listed = await world.sim.invoke(world.carol, thread, "crux list")
    assert "40" in listed.text and "100" in listed.text


async def test_the_form_opens_with_the_current_value_and_records_value_and_reason(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    message = await _crux(world, thread)
    fresh = await world.sim.click(world.bob, message, FORM)
    assert fresh.modal is not None
    labels = fresh.modal["components"]
    assert [c["type"] for c in labels] == [18, 18] and labels[0]["description"] == "You have none yet"
    assert "value" not in labels[0]["component"]

    await world.sim.select(world.alice, message, QUICK, ["30"])
    opened = await world.sim.click(world.alice, message, FORM)
    assert opened.modal is not None and opened.modal["custom_id"] == "modal:credence:1"
    value = opened.modal["components"][0]
    assert value["description"] == "Yours now: 30" and value["component"]["value"] == "30"
    submitted = await world.sim.submit_modal(
        world.alice, thread, "modal:credence:1", {"value": "35", "reason": "read the paper"}
    )
    assert not submitted.ephemeral and "**35** (was 30) on Crux #1" in submitted.text
    assert "read the paper" in submitted.text
    assert (await _credences(bot))[-1] == (world.alice.user.id, 35, "read the paper")


async def test_old_crux_messages_keep_their_set_my_credence_button(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    await _crux(world, thread)
    old_buttons = [
        {"type": 2, "style": 1, "label": "Set my credence", "custom_id": FORM},
        {"type": 2, "style": 2, "label": "Resolve", "custom_id": "crux:resolve:1"},
    ]
    body = {"content": "Crux #1 (posted by an earlier version)", "components": [{"type": 1, "components": old_buttons}]}
    headers = {"Authorization": f"Bot {world.sim.token}"}
    messages = f"{world.sim.api_base}/channels/{thread.id}/messages"
    async with aiohttp.ClientSession(headers=headers) as http, http.post(messages, json=body) as response:
        assert response.status == 200
    old = world.sim.messages(thread)[-1]
    assert old.custom_ids == [FORM, "crux:resolve:1"]
    opened = await world.sim.click(world.bob, old, FORM)
    assert opened.modal is not None and opened.modal["title"] == "Your credence on Crux #1"
    recorded = await world.sim.submit_modal(world.bob, thread, "modal:credence:1", {"value": "15"})
    assert "**15** on Crux #1" in recorded.text
    assert await _credences(bot) == [(world.bob.user.id, 15, None)]


async def test_picks_survive_a_restart_and_keep_the_rules(world: World, running: LocalBot) -> None:
    thread = await _debate(world)
    message = await _crux(world, thread)
    await running.restart()
    picked = await world.sim.select(world.alice, message, QUICK, ["60"])
    assert picked.text.startswith("Your credence on Crux #1: 60 (your first).")
    assert running.bot is not None
    forged = await world.sim.forge_component(
        world.alice, message, {"custom_id": QUICK, "component_type": 3, "values": ["101"]}
    )
    assert forged.ephemeral and "A credence is a percentage from 0 to 100 (got 101)" in forged.text
    await world.sim.invoke(world.alice, thread, "crux resolve", crux=1, resolution="They did.", outcome="yes")
    resolved = await world.sim.select(world.bob, message, QUICK, ["20"])
    assert resolved.ephemeral and "Crux #1 is resolved; credences are closed." in resolved.text
    await world.sim.invoke(world.alice, thread, "debate end")
    ended = await world.sim.click(world.bob, message, FORM)
    assert ended.ephemeral and "is closed" in ended.text
    assert await _credences(running.bot) == [(world.alice.user.id, 60, None)]


async def test_a_pick_follows_the_phase_rules(world: World, bot: DebateBot) -> None:
    thread = await _debate(world, format="double-crux")
    await world.sim.invoke(world.alice, thread, "debate next")  # crux finding: cruxes yes, credences not yet
    message = await _crux(world, thread, world.bob)
    too_soon = await world.sim.select(world.alice, message, QUICK, ["70"])
    assert too_soon.ephemeral and "Credences come in the operationalising phase" in too_soon.text
    form = await world.sim.click(world.alice, message, FORM)
    assert form.ephemeral and "Credences come in the operationalising phase" in form.text
    await world.sim.invoke(world.alice, thread, "debate next")
    picked = await world.sim.select(world.alice, message, QUICK, ["70"])
    assert picked.text.startswith("Your credence on Crux #1: 70 (your first).")
    assert await _credences(bot) == [(world.alice.user.id, 70, None)]


async def test_a_double_pick_at_the_same_moment_records_once(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    message = await _crux(world, thread)
    picks = await asyncio.gather(*(world.sim.select(world.bob, message, QUICK, ["30"]) for _ in range(2)))
    assert sorted(pick.text.split(":")[0] for pick in picks) == ["Already recorded", "Your credence on Crux #1"]
    assert all(pick.ephemeral for pick in picks)
    assert await _credences(bot) == [(world.bob.user.id, 30, None)]
