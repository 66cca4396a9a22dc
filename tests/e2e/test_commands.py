"""Every command of the walking skeleton, driven through the local Discord-compatible server by the real bot."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.client import DebateBot
from bot.db import Database
from bot.local import LocalBot
from schema import Claim, Credence, Crux, CruxStatus, Debate, Participant
from sim import (
    CREATE_PUBLIC_THREADS,
    DEFAULT_MEMBER_PERMISSIONS,
    ClientRefusal,
    InteractionResult,
    SimChannel,
    SimMessage,
)
from sim.models import iter_components
from tests.e2e.conftest import World, start_debate
from tests.snapshot import snapshot


async def _join(world: World, thread: SimChannel, **sides: str) -> None:
    for name, side in sides.items():
        result = await world.sim.invoke(getattr(world, name), thread, "debate join", side=side)
        assert "joined" in result.text, result.text


async def _claim(world: World, thread: SimChannel, member_name: str, text: str) -> int:
    """Log a claim and return its id, as autocomplete would offer it."""
    result = await world.sim.invoke(getattr(world, member_name), thread, "claim", text=text)
    assert not result.ephemeral, result.text
    choices = await world.sim.autocomplete(world.alice, thread, "rebut", "claim", value=text[:20])
    return int(choices[0]["value"])


async def _crux(world: World, thread: SimChannel, question: str) -> int:
    result = await world.sim.invoke(world.alice, thread, "crux add", question=question)
    assert "Crux #" in result.text, result.text
    choices = await world.sim.autocomplete(world.alice, thread, "crux credence", "crux", value=question[:20])
    return int(choices[0]["value"])


async def test_start_creates_a_thread_with_an_opening_message_and_a_record(world: World, bot: DebateBot) -> None:
    topic = "Should the marginal AI-safety hour go to interpretability or to governance, given " + "x" * 100
    result = await world.sim.invoke(
        world.alice, world.channel, "debate start", topic=topic, agenda="AI safety", sides="interp, governance"
    )
    assert not result.ephemeral
    thread = world.sim.threads(world.channel)[-1]
    assert result.text.startswith("Debate #1 started:") and str(thread.id) in result.text
    assert thread.type == 11 and len(thread.name) <= 100 and thread.name.startswith("Should the marginal")
    opening = world.sim.messages(thread)[0]
    assert "Debate #1" in opening.text and "interp · governance" in opening.text and "AI safety" in opening.text
    async with bot.db.read() as session:
        debate = (await session.execute(select(Debate))).scalar_one()
    assert (debate.thread_id, debate.topic, debate.creator_id) == (thread.id, topic, world.alice.user.id)


async def test_start_refuses_bad_options_without_creating_anything(world: World, bot: DebateBot) -> None:
    before = await snapshot(bot.db)
    cases = {
        "A debate needs 2 to 6 sides": {"topic": "t", "sides": "only one"},
        "The topic is empty": {"topic": "   "},
    }
    for expected, options in cases.items():
        result = await world.sim.invoke(world.alice, world.channel, "debate start", **options)
        assert result.ephemeral and expected in result.text, result.text
    with pytest.raises(ClientRefusal, match="300"):  # Discord's client holds back what is longer than the limit
        await world.sim.invoke(world.alice, world.channel, "debate start", topic="y" * 301)
    assert world.sim.threads(world.channel) == []
    assert await snapshot(bot.db) == before


async def test_start_needs_create_public_threads_and_a_text_channel(world: World, bot: DebateBot) -> None:
    lurker = world.sim.add_member(
        world.guild, "lurker", permissions=DEFAULT_MEMBER_PERMISSIONS & ~CREATE_PUBLIC_THREADS
    )
    refused = await world.sim.invoke(lurker, world.channel, "debate start", topic="t")
    assert refused.ephemeral and "Create Public Threads" in refused.text
    thread = await start_debate(world)
    nested = await world.sim.invoke(world.alice, thread, "debate start", topic="inside a thread")
    assert nested.ephemeral and "text channel" in nested.text
    assert len(world.sim.threads(world.channel)) == 1


async def test_join_offers_this_debates_sides_and_moves_between_them(world: World, bot: DebateBot) -> None:
    thread = await start_debate(world, sides="interp, governance, neither")
    choices = await world.sim.autocomplete(world.bob, thread, "debate join", "side", value="gov")
    assert [c["name"] for c in choices] == ["governance"]
    joined = await world.sim.invoke(world.bob, thread, "debate join", side="governance")
    assert joined.text == f"{world.bob.mention} joined **governance**." and not joined.ephemeral
    moved = await world.sim.invoke(world.bob, thread, "debate join", side="interp")
    assert "moved from **governance** to **interp**" in moved.text
    unknown = await world.sim.invoke(world.bob, thread, "debate join", side="both")
    assert unknown.ephemeral and "no side called “both”" in unknown.text
    async with bot.db.read() as session:
        assert len((await session.execute(select(Participant))).all()) == 1


async def test_commands_outside_a_debate_thread_say_where_to_go(world: World, bot: DebateBot) -> None:
    before = await snapshot(bot.db)
    for command, options in [
        ("claim", {"text": "x"}),
        ("debate join", {"side": "for"}),
        ("debate summary", {}),
        ("crux add", {"question": "q?"}),
    ]:
        result = await world.sim.invoke(world.alice, world.channel, command, **options)
        assert result.ephemeral and "not a debate thread" in result.text, (command, result.text)
    assert await snapshot(bot.db) == before


async def test_claims_and_rebuttals_are_numbered_and_linked(world: World, bot: DebateBot) -> None:
    thread = await start_debate(world)
    refused = await world.sim.invoke(world.bob, thread, "claim", text="Interp scales")
    assert refused.ephemeral and "Join a side with /debate join" in refused.text
    await _join(world, thread, alice="for", bob="against")
    claim = await world.sim.invoke(world.alice, thread, "claim", text="Interpretability tools will generalise")
    assert "Claim #1" in claim.text and "Interpretability tools will generalise" in claim.text and "for" in claim.text
    claim_id = (await world.sim.autocomplete(world.bob, thread, "rebut", "claim"))[0]["value"]
    rebuttal = await world.sim.invoke(world.bob, thread, "rebut", claim=claim_id, text="They never have so far")
    assert "Rebuttal #2 → Claim #1" in rebuttal.text and "against" in rebuttal.text
    async with bot.db.read() as session:
        stored = (await session.execute(select(Claim).order_by(Claim.number))).scalars().all()
    assert [(c.number, c.kind.value, c.parent_id) for c in stored] == [(1, "claim", None), (2, "rebuttal", claim_id)]


async def test_claim_for_a_named_side_and_overlong_text(world: World, bot: DebateBot) -> None:
    thread = await start_debate(world)
    steelman = await world.sim.invoke(
        world.carol, thread, "claim", text="Steelman: policy moves faster", side="against"
    )
    assert "Claim #1" in steelman.text and "against" in steelman.text
    before = await snapshot(bot.db)
    with pytest.raises(ClientRefusal, match="4000"):
        await world.sim.invoke(world.carol, thread, "claim", text="z" * 4001, side="against")
    assert await snapshot(bot.db) == before


async def test_rebut_refuses_unknown_and_foreign_claims(world: World, bot: DebateBot) -> None:
    elsewhere = world.sim.add_text_channel(world.other_guild, "debates")
    other = await world.sim.invoke(world.eve, elsewhere, "debate start", topic="Other server's debate")
    assert "started" in other.text
    other_thread = world.sim.threads(elsewhere)[-1]
    await world.sim.invoke(world.eve, other_thread, "debate join", side="for")
    foreign_id = await _claim_as(world, other_thread, "eve", "a claim from another server")

    thread = await start_debate(world)
    await _join(world, thread, alice="for")
    offered = await world.sim.autocomplete(world.alice, thread, "rebut", "claim")
    assert offered == []
    before = await snapshot(bot.db)
    for claim_id in (foreign_id, 999_999):
        result = await world.sim.invoke(world.alice, thread, "rebut", claim=claim_id, text="no")
        assert result.ephemeral and f"There is no Claim #{claim_id} in this debate" in result.text
    assert await snapshot(bot.db) == before


async def _claim_as(world: World, thread: SimChannel, member_name: str, text: str) -> int:
    member = getattr(world, member_name)
    await world.sim.invoke(member, thread, "claim", text=text)
    return int((await world.sim.autocomplete(member, thread, "rebut", "claim"))[0]["value"])


async def test_crux_credence_and_resolution(world: World, bot: DebateBot) -> None:
    thread = await start_debate(world)
    await _join(world, thread, alice="for", bob="against")
    claim_id = await _claim(world, thread, "alice", "Circuits found in small models transfer")
    added = await world.sim.invoke(world.bob, thread, "crux add", question="Do circuits transfer?", claim=claim_id)
    assert "Crux #1" in added.text and "Claim #1" in added.text
    crux_id = (await world.sim.autocomplete(world.bob, thread, "crux credence", "crux"))[0]["value"]

    first = await world.sim.invoke(world.bob, thread, "crux credence", crux=crux_id, value=40)
    second = await world.sim.invoke(world.bob, thread, "crux credence", crux=crux_id, value=15, reason="read the paper")
    assert "**40** on Crux #1" in first.text and "**15** (was 40) on Crux #1\nread the paper" in second.text
    before = await snapshot(bot.db)
    for bad in (101, -5):
        with pytest.raises(ClientRefusal, match=r"\[0, 100\]"):
            await world.sim.invoke(world.bob, thread, "crux credence", crux=crux_id, value=bad)
    refused = await world.sim.invoke(world.bob, thread, "crux resolve", crux=crux_id, resolution="settled")
    assert refused.ephemeral and "Only the debate's creator or a member with Manage Threads" in refused.text
    assert await snapshot(bot.db) == before

    resolved = await world.sim.invoke(world.mod, thread, "crux resolve", crux=crux_id, resolution="They do, partly")
    assert "Crux #1 resolved" in resolved.text and "They do, partly" in resolved.text
    async with bot.db.read() as session:
        crux = (await session.execute(select(Crux))).scalar_one()
        values = (await session.execute(select(Credence.value).order_by(Credence.id))).scalars().all()
    assert crux.status is CruxStatus.RESOLVED and crux.resolved_by_id == world.mod.user.id
    assert values == [40, 15]
    assert await world.sim.autocomplete(world.bob, thread, "crux credence", "crux") == []


async def test_creator_resolves_and_summary_lists_only_unresolved_cruxes(world: World, bot: DebateBot) -> None:
    thread = await start_debate(world)
    await _join(world, thread, alice="for", bob="against")
    open_id = await _crux(world, thread, "Will governance windows close by 2030?")
    closed_id = await _crux(world, thread, "Is compute the binding constraint?")
    await world.sim.invoke(world.alice, thread, "crux credence", crux=open_id, value=80)
    await world.sim.invoke(world.bob, thread, "crux credence", crux=open_id, value=20)
    resolved = await world.sim.invoke(world.alice, thread, "crux resolve", crux=closed_id, resolution="Yes")
    assert not resolved.ephemeral

    summary = await world.sim.invoke(world.carol, thread, "debate summary")
    assert not summary.ephemeral
    text = summary.text
    unresolved_part = text.split("Resolved (1)")[0]
    assert "Crux #1" in unresolved_part and "double crux" in unresolved_part and "spread 60" in unresolved_part
    assert f"{world.alice.mention} (for): **80**" in text and f"{world.bob.mention} (against): **20**" in text
    assert "Crux #2" not in unresolved_part and "Resolved: Yes" in text


async def test_echoed_text_never_pings(world: World, bot: DebateBot) -> None:
    thread = await start_debate(world, topic="@everyone should we? <@&1>")
    await _join(world, thread, alice="for")
    result = await world.sim.invoke(world.alice, thread, "claim", text=f"@here {world.bob.mention} look")
    assert result.allowed_mentions is not None and result.allowed_mentions.get("parse") == []
    for message in world.sim.messages(thread):
        assert message.allowed_mentions is not None and message.allowed_mentions.get("parse") == [], message.text


async def _page_through(world: World, first: InteractionResult) -> list[str]:
    """The texts of ``first`` and of every page after it, pressing **Next ▶** (each answered privately)."""
    texts, result = [first.text], first
    while result.message is not None and (following := _next_button(result.message)):
        result = await world.sim.click(world.carol, result.message, following)
        assert result.ephemeral and result.followups == [], result.text
        texts.append(result.text)
    return texts


def _next_button(message: SimMessage) -> str | None:
    found = [c["custom_id"] for c in iter_components(message.components) if c.get("label") == "Next ▶"]
    return found[0] if found else None


async def test_summary_of_a_large_debate_is_one_message_and_its_buttons_page_privately(
    world: World, running: LocalBot
) -> None:
    thread = await start_debate(world)
    await _join(world, thread, alice="for", bob="against")
    ids = [await _crux(world, thread, f"Question {i}: " + "long words " * 80) for i in range(12)]
    await world.sim.invoke(world.alice, thread, "crux credence", crux=ids[11], value=90)
    await world.sim.invoke(world.bob, thread, "crux credence", crux=ids[11], value=10)
    summary = await world.sim.invoke(world.alice, thread, "debate summary")
    assert summary.message is not None and summary.followups == [] and not summary.ephemeral
    assert len(summary.message.embeds) == 1 and summary.message.attachments == []
    text = summary.text
    assert "12 unresolved cruxes, 0 resolved" in text
    shown = sorted((i for i in range(12) if f"Question {i}:" in text), key=lambda i: text.index(f"Question {i}:"))
    assert shown[:3] == [11, 0, 1]  # the one disagreement first, then by number
    assert f"…and {12 - len(shown)} more cruxes: **Next ▶** shows them, `/crux list` lists them." in text
    assert "The whole record, every text in full: `/debate export format:markdown`." in text

    await running.restart()  # the buttons outlive the bot process
    pages = await _page_through(world, summary)
    assert len(pages) >= 3 and all("of 12" in page for page in pages[1:])
    seen = [i for page in pages for i in range(12) if f"Question {i}:" in page]
    assert sorted(seen) == list(range(12)) and len(seen) == 12  # every crux once, in order
    assert world.sim.messages(thread)[-1].id == summary.message.id  # nothing more posted publicly

    listed = await world.sim.invoke(world.carol, thread, "crux list")
    assert listed.ephemeral and listed.followups == []
    listed_pages = await _page_through(world, listed)
    assert all(any(f"Question {i}:" in page for page in listed_pages) for i in range(12))
    assert world.sim.errors == []


async def test_commands_are_synced_once_and_not_again_after_a_restart(
    world: World, running: LocalBot, db: Database
) -> None:
    names = {c["name"] for c in world.sim.commands()}
    assert {"debate", "claim", "rebut", "crux"} <= names
    puts = world.sim.command_puts
    await running.restart()
    assert world.sim.command_puts == puts
    thread = await start_debate(world)
    assert thread.name.startswith("Should the marginal")
