"""Issue 19: /debate import — a channel's or thread's messages as a private, paged draft, recorded only on Record."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from benchmarks import model_fixture
from bot.client import DebateBot
from bot.core.importing.chat import INTENT_OFF
from bot.local import LocalBot
from bot.runtime.ratelimit import Cooldown
from schema import Claim, ClaimKind, Crux, ImportDraft, utcnow
from sim import (
    READ_MESSAGE_HISTORY,
    VIEW_CHANNEL,
    InteractionResult,
    OverwriteType,
    SimChannel,
    SimMessage,
    SimOverwrite,
)
from tests.e2e.conftest import World, start_debate, stored_ids
from tests.snapshot import snapshot


@pytest.fixture(autouse=True)
def message_content_intent(world: World) -> None:
    """The application has the Message Content intent switched on in the portal, as reading others' messages needs."""
    world.sim.message_content_intent = True


async def _thread(world: World, **options: object) -> SimChannel:
    thread = await start_debate(world, member=world.mod, **options)
    for member, side in ((world.alice, "for"), (world.bob, "against")):
        await world.sim.invoke(member, thread, "debate join", side=side)
    return thread


async def _conversation(world: World, channel: SimChannel) -> list[SimMessage]:
    said = world.sim.post_message
    claim = await said(world.alice, channel, "Interpretability will not scale to frontier models.")
    rebuttal = await said(world.bob, channel, "It already finds features in very large models.", reply_to=claim)
    await said(world.carol, channel, "ok")
    question = await said(world.carol, channel, "Will it detect deception by 2030?")
    return [claim, rebuttal, question]


async def _record(bot: DebateBot) -> dict[str, list[tuple[object, ...]]]:
    """The debate's record: every table but the drafts."""
    return {table: rows for table, rows in (await snapshot(bot.db)).items() if table != ImportDraft.__tablename__}


def _draft(result: InteractionResult) -> SimMessage:
    assert result.ephemeral and result.message is not None, result.text
    assert "Import draft" in result.text, result.text
    return result.message


async def _claims(bot: DebateBot) -> list[tuple[int, ClaimKind, int | None, str]]:
    async with bot.db.read() as session:
        claims = (await session.execute(select(Claim).order_by(Claim.number))).scalars()
        return [(c.number, c.kind, c.author_id, c.text) for c in claims]


async def test_import_drafts_the_thread_privately_and_records_only_on_record(world: World, bot: DebateBot) -> None:
    thread = await _thread(world)
    claim, rebuttal, question = await _conversation(world, thread)
    before = await _record(bot)
    result = await world.sim.invoke(world.mod, thread, "debate import")
    draft = _draft(result)
    text = result.text
    assert "3 candidates for Debate #1, 0 accepted; skipped 1 bot message, 1 one-word message." in text
    assert f"1. claim — {world.alice.mention}: Interpretability will not scale to frontier models." in text
    assert f"2. rebuttal of #1 — {world.bob.mention}: It already finds features" in text
    assert f"3. crux — {world.carol.mention}: Will it detect deception by 2030?" in text
    assert claim.id and f"/{thread.id}/{claim.id})" in text  # each item links to its message
    assert await _record(bot) == before  # nothing stored before Record

    await world.sim.click(world.mod, draft, "import:1:kind:2")  # rebuttal → support
    await world.sim.click(world.mod, draft, "import:1:all:0")
    assert "3 accepted" in draft.text and "2. support of #1" in draft.text
    assert await _record(bot) == before
    clicks = await asyncio.gather(  # a double click records once, whichever press comes first
        world.sim.click(world.mod, draft, "import:1:record:0"), world.sim.click(world.mod, draft, "import:1:record:0")
    )
    answers = sorted(click.text for click in clicks)
    assert answers[0].startswith("Recorded 3 items: Claims #1–#2, Crux #1."), answers
    assert answers[1] == "This import draft has expired or was recorded already: run /debate import again."
    assert await _claims(bot) == [
        (1, ClaimKind.CLAIM, world.alice.id, "Interpretability will not scale to frontier models."),
        (2, ClaimKind.SUPPORT, world.bob.id, "It already finds features in very large models."),
    ]
    async with bot.db.read() as session:
        crux = (await session.execute(select(Crux))).scalar_one()
        logged_by = {c.logged_by_id for c in (await session.execute(select(Claim))).scalars()}
    assert (crux.author_id, crux.logged_by_id, crux.source_message_id) == (world.carol.id, world.mod.id, question.id)
    assert logged_by == {world.mod.id}
    public = world.sim.messages(thread)[-1]
    assert f"{world.mod.mention} imported 3 messages from chat into Debate #1" in public.text
    assert rebuttal.id  # the draft took it; a second import skips what is logged
    second = await world.sim.invoke(world.mod, thread, "debate import")
    assert "0 candidates" in second.text and "3 already-logged messages" in second.text


async def test_import_reads_another_channel_only_with_view_and_history_there(world: World, bot: DebateBot) -> None:
    thread = await _thread(world)
    await _conversation(world, world.channel)
    refused = await world.sim.invoke(world.carol, thread, "debate import", channel=world.channel)
    assert refused.ephemeral and "Only the debate's creator or a member with Manage Threads" in refused.text
    world.sim.deny(world.mod, world.channel, READ_MESSAGE_HISTORY)
    refused = await world.sim.invoke(world.mod, thread, "debate import", channel=world.channel)
    assert refused.ephemeral
    assert f"You need View Channel and Read Message History in {world.channel.mention}" in refused.text
    world.sim.deny(world.mod, world.channel, VIEW_CHANNEL)
    assert (
        "You need View Channel"
        in (await world.sim.invoke(world.mod, thread, "debate import", channel=world.channel)).text
    )
    world.channel.overwrites.clear()
    allowed = await world.sim.invoke(world.mod, thread, "debate import", channel=world.channel, messages=3)
    assert "2 candidates" in allowed.text and "skipped 1 one-word message" in allowed.text  # the latest 3 only
    assert "It already finds features" in allowed.text and "Will it detect deception" in allowed.text
    assert await _claims(bot) == []


async def test_without_the_message_content_intent_the_import_says_how_to_switch_it_on(
    world: World, bot: DebateBot
) -> None:
    thread = await _thread(world)
    await _conversation(world, thread)
    world.sim.message_content_intent = False
    before = await snapshot(bot.db)
    result = await world.sim.invoke(world.mod, thread, "debate import")
    assert result.ephemeral and result.text == INTENT_OFF
    assert "\n" not in INTENT_OFF and "Privileged Gateway Intents" in INTENT_OFF
    assert await snapshot(bot.db) == before
    world.sim.message_content_intent = True
    assert "3 candidates" in (await world.sim.invoke(world.mod, thread, "debate import")).text


async def test_the_draft_pages_and_its_buttons_survive_a_restart(world: World, running: LocalBot) -> None:
    thread = await _thread(world)
    for number in range(1, 21):
        await world.sim.post_message(world.alice, thread, f"Point number {number} about interpretability.")
    draft = _draft(await world.sim.invoke(world.mod, thread, "debate import"))
    assert "Page 1 of 3" in draft.text and "8. claim" in draft.text and "9. claim" not in draft.text
    await world.sim.click(world.mod, draft, "import:1:page:1")
    assert "Page 2 of 3" in draft.text and "9. claim" in draft.text
    await world.sim.click(world.mod, draft, "import:1:accept:9")
    await running.restart()
    await world.sim.click(world.mod, draft, "import:1:page:2")
    assert "Page 3 of 3" in draft.text and "20. claim" in draft.text and "1 accepted" in draft.text
    await world.sim.click(world.mod, draft, "import:1:accept:20")
    recorded = await world.sim.click(world.mod, draft, "import:1:record:0")
    assert "Recorded 2 items: Claims #1–#2." in recorded.text
    assert running.bot is not None
    assert [text for _, _, _, text in await _claims(running.bot)] == [
        "Point number 9 about interpretability.",
        "Point number 20 about interpretability.",
    ]


async def test_an_expired_draft_says_to_import_again_and_only_its_importer_may_use_it(
    world: World, bot: DebateBot
) -> None:
    thread = await _thread(world)
    await _conversation(world, thread)
    draft = _draft(await world.sim.invoke(world.mod, thread, "debate import"))
    other = await world.sim.click(world.alice, draft, "import:1:all:0")
    assert other.ephemeral and f"This draft is {world.mod.mention}'s" in other.text
    async with bot.db.write() as session:
        await session.execute(update(ImportDraft).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = await world.sim.click(world.mod, draft, "import:1:accept:1")
    assert expired.ephemeral and "expired" in expired.text and "run /debate import again" in expired.text
    await world.sim.invoke(world.mod, thread, "debate import")
    bot.scheduler.wake()  # the scheduler deletes drafts past their day at every wake
    assert await stored_ids(bot.db, ImportDraft, [2]) == [2]


async def test_the_phase_holds_what_it_does_not_allow_and_logging_limits_do_not_apply(
    world: World, bot: DebateBot
) -> None:
    thread = await _thread(world, format="rounds")  # opening: claims only
    await _conversation(world, thread)
    bot.logging_cooldown = Cooldown(rate=1, per=60)
    draft = _draft(await world.sim.invoke(world.mod, thread, "debate import"))
    assert "[held: the opening phase does not allow rebuttals]" in draft.text
    assert "[held: the opening phase does not allow cruxes]" in draft.text
    await world.sim.click(world.mod, draft, "import:1:all:0")
    assert "1 accepted" in draft.text  # what the phase holds is not accepted by Accept all
    await world.sim.click(world.mod, draft, "import:1:accept:2")
    recorded = await world.sim.click(world.mod, draft, "import:1:record:0")
    assert "Recorded 1 item: Claim #1." in recorded.text
    assert "Held in the draft (2): #2: the opening phase does not allow rebuttals; #3: " in recorded.text
    await world.sim.invoke(world.mod, thread, "debate next")  # the rebuttal phase
    recorded = await world.sim.click(world.mod, draft, "import:1:record:0")
    assert "Recorded 1 item: Claim #2." in recorded.text
    assert [(n, kind) for n, kind, _, _ in await _claims(bot)] == [(1, ClaimKind.CLAIM), (2, ClaimKind.REBUTTAL)]


async def test_a_second_import_offers_nothing_already_recorded_nor_a_repeat_of_it(world: World, bot: DebateBot) -> None:
    thread = await _thread(world)
    said = world.sim.post_message
    await said(world.alice, thread, "Interpretability will not scale to frontier models.")
    repeat = await said(world.bob, thread, "Interpretability will not  scale to frontier models.")
    first = _draft(await world.sim.invoke(world.mod, thread, "debate import"))
    assert "1 candidate for Debate #1" in first.text and "1 repeat" in first.text
    await world.sim.click(world.mod, first, "import:1:all:0")
    assert "Recorded 1 item: Claim #1." in (await world.sim.click(world.mod, first, "import:1:record:0")).text
    await said(world.carol, thread, "Repeating it does not make it true.", reply_to=repeat)

    second = _draft(await world.sim.invoke(world.mod, thread, "debate import"))
    assert "1 candidate for Debate #1" in second.text, second.text
    assert "1 already-logged message, 1 repeat" in second.text
    assert f"1. rebuttal of Claim #1 — {world.carol.mention}: Repeating it does not make it true." in second.text


async def test_a_message_recorded_meanwhile_is_not_recorded_again_as_another_kind(world: World, bot: DebateBot) -> None:
    thread = await _thread(world)
    await world.sim.post_message(world.alice, thread, "Interpretability will not scale to frontier models.")
    first = _draft(await world.sim.invoke(world.mod, thread, "debate import"))
    second = _draft(await world.sim.invoke(world.mod, thread, "debate import"))  # both drafted before either records
    await world.sim.click(world.mod, first, "import:1:accept:1")
    assert "Recorded 1 item: Claim #1." in (await world.sim.click(world.mod, first, "import:1:record:0")).text
    await world.sim.click(world.mod, second, "import:2:kind:1")  # the same message as a crux
    await world.sim.click(world.mod, second, "import:2:accept:1")
    recorded = await world.sim.click(world.mod, second, "import:2:record:0")
    assert "Nothing was recorded. Held in the draft (1): #1: its message was logged meanwhile" in recorded.text
    async with bot.db.read() as session:
        assert (await session.execute(select(Crux))).first() is None
    assert [number for number, _, _, _ in await _claims(bot)] == [1]


LONG = ("Scaling interpretability to frontier models is harder than it looks. " * 20).strip()
"""A claim longer than a crux's question may be."""


async def test_a_long_item_cannot_become_a_crux_and_record_stores_the_rest_naming_what_it_could_not(
    world: World, bot: DebateBot
) -> None:
    thread = await _thread(world)
    await world.sim.post_message(world.alice, thread, LONG)
    await world.sim.post_message(world.bob, thread, "Governance buys time for alignment research.")
    draft = _draft(await world.sim.invoke(world.mod, thread, "debate import"))
    with pytest.raises(ValueError, match="disabled"):  # a claim answering nothing, too long for a crux
        await world.sim.click(world.mod, draft, "import:1:kind:1")
    before = await snapshot(bot.db)
    forged = await world.sim.forge_component(world.mod, draft, {"custom_id": "import:1:kind:1", "component_type": 2})
    too_long = f"its text is {len(LONG):,} characters long, and a crux may have 1,000 at most"
    assert forged.ephemeral and forged.text == f"Item #1 can only be a claim: {too_long}.", forged.text
    assert await snapshot(bot.db) == before

    async with bot.db.write() as session:  # a draft an earlier version let become a long crux
        row = (await session.execute(select(ImportDraft))).scalar_one()
        data = json.loads(row.data)
        data["items"][0]["kind"] = "crux"
        row.data = json.dumps(data)
    await world.sim.click(world.mod, draft, "import:1:all:0")
    assert "1. crux" in draft.text
    recorded = await world.sim.click(world.mod, draft, "import:1:record:0")
    assert f"Recorded 1 item: Claim #1. Held in the draft (1): #1: {too_long} (change its kind)." in recorded.text
    assert [text for _, _, _, text in await _claims(bot)] == ["Governance buys time for alignment research."]
    await world.sim.click(world.mod, draft, "import:1:kind:1")  # the crux can leave: back to a claim
    assert "Recorded 1 item: Claim #2." in (await world.sim.click(world.mod, draft, "import:1:record:0")).text
    assert [text for _, _, _, text in await _claims(bot)][1] == LONG


async def test_what_the_phase_holds_waits_in_the_draft_for_its_phase(world: World, bot: DebateBot) -> None:
    thread = await _thread(world, format="rounds")  # opening: claims only; then rebuttals; then cruxes
    await _conversation(world, thread)
    draft = _draft(await world.sim.invoke(world.mod, thread, "debate import"))
    await world.sim.click(world.mod, draft, "import:1:all:0")
    recorded = await world.sim.click(world.mod, draft, "import:1:record:0")
    assert (
        "Recorded 1 item: Claim #1. Held in the draft (2): #2: the opening phase does not allow rebuttals; "
        "#3: the opening phase does not allow cruxes. The draft is kept until "
    ) in recorded.text
    assert "record them when they can be (what the phase holds, when its phase comes)" in recorded.text
    assert "import:1:record:0" in draft.custom_ids and await stored_ids(bot.db, ImportDraft, [1]) == [1]

    await world.sim.invoke(world.mod, thread, "debate next")  # the rebuttal phase
    await world.sim.click(world.mod, draft, "import:1:all:0")
    recorded = await world.sim.click(world.mod, draft, "import:1:record:0")
    assert "Recorded 1 item: Claim #2. Held in the draft (1): #3: the rebuttal phase does not allow cruxes." in (
        recorded.text
    )
    await world.sim.invoke(world.mod, thread, "debate next")  # the crux phase
    await world.sim.click(world.mod, draft, "import:1:all:0")
    assert (await world.sim.click(world.mod, draft, "import:1:record:0")).text.startswith("Recorded 1 item: Crux #1.")
    assert [(n, kind) for n, kind, _, _ in await _claims(bot)] == [(1, ClaimKind.CLAIM), (2, ClaimKind.REBUTTAL)]
    assert await stored_ids(bot.db, ImportDraft, []) == []  # nothing left to wait for: the draft is gone


async def test_a_source_the_bot_cannot_read_is_named_with_what_it_lacks_there(world: World, bot: DebateBot) -> None:
    thread = await _thread(world)
    me = world.guild.members[world.sim.bot_user.id]
    elsewhere = {name: world.sim.add_text_channel(world.guild, name) for name in ("history", "view", "stale")}
    for channel in elsewhere.values():
        await _conversation(world, channel)
    world.sim.deny(me, elsewhere["history"], READ_MESSAGE_HISTORY)  # Discord would answer no messages at all
    world.sim.deny(me, elsewhere["view"], VIEW_CHANNEL)  # Discord would answer 403 Missing Access
    elsewhere["stale"].overwrites[me.id] = SimOverwrite(
        OverwriteType.MEMBER, deny=VIEW_CHANNEL
    )  # an overwrite the bot has not heard of: the 403 tells
    before = await snapshot(bot.db)
    reading = "View Channel and Read Message History"
    answers = {
        "history": "I cannot read the messages of {0}: I lack Read Message History there. "
        f"A server admin can give me {reading} in {{0}}.",
        "view": f"I cannot read the messages of {{0}}: I lack {reading} there. "  # without View, nothing else counts
        f"A server admin can give me {reading} in {{0}}.",
        "stale": f"Discord refused me the messages of {{0}} (Missing Access): I need {reading} there.",
    }
    for name, answer in answers.items():
        refused = await world.sim.invoke(world.mod, thread, "debate import", channel=elsewhere[name])
        assert refused.ephemeral and refused.text == answer.format(elsewhere[name].mention), refused.text
    assert await snapshot(bot.db) == before


DEBATE = [
    (0, "Interpretability tools will let us verify that frontier models are honest."),
    (1, "Compute governance can slow down a dangerous frontier race within five years."),
    (2, "Verifying the honesty of frontier models with interpretability tools will never work."),
    (0, "Export controls on chips cannot slow the race: labs will find other compute."),
]
EXTRA = all(importlib.util.find_spec(name) for name in ("onnxruntime", "tokenizers", "numpy"))


@pytest.mark.skipif(not EXTRA, reason="the semantic extra is not installed (pip install -e '.[semantic]')")
@pytest.mark.skipif(not model_fixture.installed(), reason=model_fixture.MISSING)
@pytest.mark.parametrize("similar_records", [True])
async def test_with_the_semantic_extra_a_claim_made_a_rebuttal_rebuts_the_most_similar_one(
    world: World, bot: DebateBot
) -> None:
    thread = await _thread(world)
    members = (world.alice, world.bob, world.carol)
    for who, text in DEBATE:
        await world.sim.post_message(members[who], thread, text)
    draft = _draft(await world.sim.invoke(world.mod, thread, "debate import"))
    await bot.similar.settled()  # the pre-link runs after the draft is shown
    for _ in range(2):  # claim → crux → rebuttal of the most similar earlier claim by someone else
        await world.sim.click(world.mod, draft, "import:1:kind:3")
        await world.sim.click(world.mod, draft, "import:1:kind:4")
    assert "3. rebuttal of #1" in draft.text and "4. rebuttal of #2" in draft.text
    await world.sim.click(world.mod, draft, "import:1:all:0")
    await world.sim.click(world.mod, draft, "import:1:record:0")
    async with bot.db.read() as session:
        claims = {c.number: c for c in (await session.execute(select(Claim))).scalars()}
    assert claims[3].parent_id == claims[1].id and claims[4].parent_id == claims[2].id


async def test_without_the_semantic_extra_a_claim_answering_nothing_is_a_claim_or_a_crux(
    world: World, bot: DebateBot
) -> None:
    thread = await _thread(world)
    for who, text in DEBATE:
        await world.sim.post_message((world.alice, world.bob, world.carol)[who], thread, text)
    draft = _draft(await world.sim.invoke(world.mod, thread, "debate import"))
    await bot.similar.settled()
    await world.sim.click(world.mod, draft, "import:1:kind:3")
    assert "3. crux" in draft.text
    await world.sim.click(world.mod, draft, "import:1:kind:3")
    assert "3. claim" in draft.text
