"""Issue 3: the full command set — status, list, end, support, edit, withdraw, crux list/reopen, agendas, help —
and who may moderate."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.client import DebateBot
from schema import Claim, ClaimRevision, ClaimStatus, Debate, DebateStatus
from sim import SimChannel
from tests.e2e.conftest import World, start_debate
from tests.snapshot import snapshot


async def _debate_with_claims(world: World) -> SimChannel:
    """alice (creator, for) and bob (against), Claim #1 by alice and Rebuttal #2 by bob."""
    thread = await start_debate(world)
    await world.sim.invoke(world.alice, thread, "debate join", side="for")
    await world.sim.invoke(world.bob, thread, "debate join", side="against")
    await world.sim.invoke(world.alice, thread, "claim", text="Interp tools will generalise")
    claim_id = await _claim_id(world, thread, "Interp")
    await world.sim.invoke(world.bob, thread, "rebut", claim=claim_id, text="They never have")
    return thread


async def _claim_id(world: World, thread: SimChannel, typed: str) -> int:
    return int((await world.sim.autocomplete(world.alice, thread, "edit", "claim", value=typed))[0]["value"])


async def test_status_counts_sides_records_and_cruxes(world: World, bot: DebateBot) -> None:
    thread = await _debate_with_claims(world)
    await world.sim.invoke(world.carol, thread, "debate join", side="against")
    await world.sim.invoke(world.alice, thread, "crux add", question="Q?")
    status = await world.sim.invoke(world.carol, thread, "debate status")
    assert status.ephemeral
    assert "for: 1" in status.text and "against: 2" in status.text
    assert "1 claim, 1 rebuttal, 0 supports" in status.text and "1 open, 0 resolved" in status.text


async def test_list_pages_open_debates_of_this_server_only(world: World, bot: DebateBot) -> None:
    for i in range(11):
        await start_debate(world, topic=f"Topic {i}")
    elsewhere = world.sim.add_text_channel(world.other_guild, "debates")
    await world.sim.invoke(world.eve, elsewhere, "debate start", topic="Not listed here")
    first = await world.sim.invoke(world.bob, world.channel, "debate list")
    assert first.ephemeral and "Open debates (11)" in first.text and "Page 1 of 2" in first.text
    assert "Topic 10" in first.text and "Topic 1 " not in first.text and "Not listed" not in first.text
    second = await world.sim.invoke(world.bob, world.channel, "debate list", page=2)
    assert "Topic 0" in second.text and "Page 2 of 2" in second.text
    beyond = await world.sim.invoke(world.bob, world.channel, "debate list", page=3)
    assert beyond.ephemeral and "2 pages of debates; pick 1–2" in beyond.text


async def test_support_edit_and_withdraw_keep_history(world: World, bot: DebateBot) -> None:
    thread = await _debate_with_claims(world)
    claim_id = await _claim_id(world, thread, "Interp")
    support = await world.sim.invoke(world.alice, thread, "support", claim=claim_id, text="SAEs found features")
    assert "Support #3 → Claim #1" in support.text
    edited = await world.sim.invoke(
        world.alice, thread, "edit", claim=claim_id, text="Interp tools will generalise soon"
    )
    assert "Claim #1 edited" in edited.text
    before = await snapshot(bot.db)
    not_yours = await world.sim.invoke(world.bob, thread, "edit", claim=claim_id, text="hijack")
    assert not_yours.ephemeral and "Claim #1 is not yours" in not_yours.text
    bystander = await world.sim.invoke(world.bob, thread, "withdraw", claim=claim_id)
    assert bystander.ephemeral and "only its author, the debate's creator" in bystander.text
    assert await snapshot(bot.db) == before

    withdrawn = await world.sim.invoke(world.alice, thread, "withdraw", claim=claim_id)
    assert "Claim #1 was withdrawn" in withdrawn.text
    again = await world.sim.invoke(world.alice, thread, "withdraw", claim=claim_id)
    assert again.ephemeral and "already withdrawn" in again.text
    rebut_withdrawn = await world.sim.invoke(world.bob, thread, "rebut", claim=claim_id, text="moot")
    assert rebut_withdrawn.ephemeral and "was withdrawn: there is nothing left to answer" in rebut_withdrawn.text
    assert all("Interp" not in c["name"] for c in await world.sim.autocomplete(world.bob, thread, "rebut", "claim"))
    async with bot.db.read() as session:
        claim = (await session.execute(select(Claim).where(Claim.id == claim_id))).scalar_one()
        history = (await session.execute(select(ClaimRevision.text))).scalars().all()
    assert claim.status is ClaimStatus.WITHDRAWN and claim.text == "Interp tools will generalise soon"
    assert history == ["Interp tools will generalise"]


async def test_crux_list_and_reopen(world: World, bot: DebateBot) -> None:
    thread = await _debate_with_claims(world)
    for question in ("Open one?", "Closed one?"):
        await world.sim.invoke(world.bob, thread, "crux add", question=question)
    closed_id = (await world.sim.autocomplete(world.alice, thread, "crux resolve", "crux", value="Closed"))[0]["value"]
    await world.sim.invoke(world.alice, thread, "crux resolve", crux=closed_id, resolution="Settled by data")
    open_list = await world.sim.invoke(world.bob, thread, "crux list")
    assert open_list.ephemeral and "Open one?" in open_list.text and "Closed one?" not in open_list.text
    resolved_list = await world.sim.invoke(world.bob, thread, "crux list", status="resolved")
    assert "Closed one?" in resolved_list.text and "Settled by data" in resolved_list.text
    offered = await world.sim.autocomplete(world.alice, thread, "crux reopen", "crux")
    assert [c["value"] for c in offered] == [closed_id]
    refused = await world.sim.invoke(world.bob, thread, "crux reopen", crux=closed_id)
    assert refused.ephemeral and "Only the debate's creator or a member with Manage Threads can reopen" in refused.text
    reopened = await world.sim.invoke(world.mod, thread, "crux reopen", crux=closed_id)
    assert "Crux #2 is open again" in reopened.text
    still_open = await world.sim.invoke(world.mod, thread, "crux reopen", crux=closed_id)
    assert still_open.ephemeral and "open already" in still_open.text


async def test_end_posts_the_final_summary_closes_and_locks(world: World, bot: DebateBot) -> None:
    thread = await _debate_with_claims(world)
    await world.sim.invoke(world.alice, thread, "crux add", question="Does it transfer?")
    refused = await world.sim.invoke(world.bob, thread, "debate end")
    assert refused.ephemeral and "can end the debate" in refused.text
    ended = await world.sim.invoke(world.alice, thread, "debate end", outcome="Agree to test on GPT-2 first")
    await world.sim.wait_for(
        lambda: bool((world.sim.channel(thread.id).thread_metadata or {}).get("locked")), what="lock"
    )
    assert "Debate #1 is closed" in ended.text and "Agree to test on GPT-2 first" in ended.text
    assert "Does it transfer?" in ended.followups[0].text
    closed_thread = world.sim.channel(thread.id)
    assert closed_thread.thread_metadata is not None
    assert closed_thread.thread_metadata["locked"] and closed_thread.thread_metadata["archived"]
    async with bot.db.read() as session:
        debate = (await session.execute(select(Debate))).scalar_one()
    assert debate.status is DebateStatus.CLOSED and debate.outcome == "Agree to test on GPT-2 first"
    late = await world.sim.invoke(world.mod, thread, "claim", text="too late")
    assert late.ephemeral and "Debate #1 is closed" in late.text
    readable = await world.sim.invoke(world.carol, thread, "debate summary")
    assert "Does it transfer?" in readable.text


@pytest.mark.parametrize("who", ["creator", "mod", "participant", "bystander"])
async def test_who_may_resolve(world: World, bot: DebateBot, who: str) -> None:
    thread = await _debate_with_claims(world)
    await world.sim.invoke(world.bob, thread, "crux add", question="Q?")
    crux_id = (await world.sim.autocomplete(world.bob, thread, "crux resolve", "crux"))[0]["value"]
    member = {"creator": world.alice, "mod": world.mod, "participant": world.bob, "bystander": world.carol}[who]
    result = await world.sim.invoke(member, thread, "crux resolve", crux=crux_id, resolution="Done")
    allowed = who in ("creator", "mod")
    assert ("Crux #1 resolved" in result.text) is allowed and result.ephemeral is not allowed


async def test_agenda_list_and_help(world: World, bot: DebateBot) -> None:
    await start_debate(world, topic="One", agenda="AI safety")
    thread = await start_debate(world, topic="Two", agenda="ai safety")
    await world.sim.invoke(world.alice, thread, "debate end")
    await start_debate(world, topic="Three", agenda="Biosecurity")
    agendas = await world.sim.invoke(world.carol, world.channel, "agenda list")
    assert agendas.ephemeral and "**AI safety** — 1 open, 2 in all" in agendas.text
    assert "**Biosecurity** — 1 open, 1 in all" in agendas.text
    shown = await world.sim.invoke(world.carol, world.channel, "debate help")
    assert shown.ephemeral and "/crux add" in shown.text and "Log as claim" in shown.text


async def test_every_command_and_option_has_a_description(world: World, bot: DebateBot) -> None:
    def walk(options: list[dict]) -> list[dict]:
        return [o for option in options for o in (option, *walk(option.get("options", [])))]

    for command in world.sim.commands():
        if command.get("type", 1) != 1:
            continue
        assert command["description"], command["name"]
        for option in walk(command.get("options", [])):
            assert option["description"], (command["name"], option["name"])
    names = {(c.get("type", 1), c["name"]) for c in world.sim.commands()}
    assert {(3, "Log as claim"), (3, "Log as rebuttal"), (3, "Log as crux")} <= names
