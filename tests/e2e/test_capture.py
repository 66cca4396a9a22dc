"""Issue 3: logging from chat (context menus), modals for long text, persistent buttons across a restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from bot.client import DebateBot
from bot.core.debates.lifecycle import open_debate_in_thread
from bot.local import LocalBot
from bot.runtime.ratelimit import Cooldown
from cogs import common
from schema import Claim, ClaimKind, Credence, Crux, CruxStatus, Participant, PendingRebuttal, utcnow
from sim import InteractionResult, SimChannel, SimMember
from tests.e2e.conftest import World, start_debate, stored_ids
from tests.snapshot import snapshot


async def _joined_thread(world: World) -> SimChannel:
    thread = await start_debate(world)
    for member, side in ((world.alice, "for"), (world.bob, "against")):
        await world.sim.invoke(member, thread, "debate join", side=side)
    return thread


async def _fill(world: World, member: SimMember, channel: SimChannel, opened: InteractionResult, **values: str):
    """Submit the modal the bot opened in ``opened``."""
    assert opened.modal is not None, f"expected a modal, got: {opened.text}"
    return await world.sim.submit_modal(member, channel, opened.modal["custom_id"], values)


async def _count(bot: DebateBot, model: type) -> int:
    async with bot.db.read() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_log_as_claim_keeps_the_author_the_logger_and_a_link(world: World, bot: DebateBot) -> None:
    thread = await _joined_thread(world)
    said = await world.sim.post_message(world.bob, thread, "Governance windows close within five years.")
    logged = await world.sim.context_menu(world.alice, said, "Log as claim")
    assert not logged.ephemeral and "Claim #1" in logged.text
    assert world.bob.mention in logged.text and world.alice.mention in logged.text and "against" in logged.text
    async with bot.db.read() as session:
        claim = (await session.execute(select(Claim))).scalar_one()
    assert (claim.author_id, claim.logged_by_id, claim.source_message_id) == (
        world.bob.user.id,
        world.alice.user.id,
        said.id,
    )
    assert claim.source_url and claim.source_url.endswith(f"/{thread.id}/{said.id}")

    before = await snapshot(bot.db)
    again = await world.sim.context_menu(world.carol, said, "Log as claim")
    assert again.ephemeral and "already logged as Claim #1" in again.text
    assert await snapshot(bot.db) == before


async def test_a_message_without_text_cannot_be_logged(world: World, bot: DebateBot) -> None:
    thread = await _joined_thread(world)
    picture = await world.sim.post_message(world.bob, thread, "", attachments=[("chart.png", b"\x89PNG fake")])
    before = await snapshot(bot.db)
    for menu in ("Log as claim", "Log as rebuttal", "Log as crux"):
        result = await world.sim.context_menu(world.alice, picture, menu)
        assert result.ephemeral and "has no text to log" in result.text, (menu, result.text)
    assert await snapshot(bot.db) == before


async def test_log_as_rebuttal_of_a_reply_links_without_asking(world: World, bot: DebateBot) -> None:
    thread = await _joined_thread(world)
    claim_message = await world.sim.post_message(world.alice, thread, "Interp will scale.")
    await world.sim.context_menu(world.alice, claim_message, "Log as claim")
    reply = await world.sim.post_message(world.bob, thread, "It has not so far.", reply_to=claim_message)
    result = await world.sim.context_menu(world.bob, reply, "Log as rebuttal")
    assert not result.ephemeral and "Rebuttal #2 → Claim #1" in result.text
    async with bot.db.read() as session:
        rebuttal = (await session.execute(select(Claim).where(Claim.number == 2))).scalar_one()
        parent = (await session.execute(select(Claim).where(Claim.number == 1))).scalar_one()
    assert rebuttal.kind is ClaimKind.REBUTTAL and rebuttal.parent_id == parent.id


async def test_log_as_rebuttal_without_a_reply_asks_which_claim(world: World, bot: DebateBot) -> None:
    thread = await _joined_thread(world)
    nothing_yet = await world.sim.post_message(world.bob, thread, "No.")
    refused = await world.sim.context_menu(world.bob, nothing_yet, "Log as rebuttal")
    assert refused.ephemeral and "no claim in this debate to rebut yet" in refused.text
    for text in ("First claim", "Second claim"):
        await world.sim.invoke(world.alice, thread, "claim", text=text)
    loose = await world.sim.post_message(world.bob, thread, "The first one is wrong.")
    asked = await world.sim.context_menu(world.bob, loose, "Log as rebuttal")
    assert asked.ephemeral and asked.message is not None and "Which claim" in asked.text
    select_menu = asked.message.components[0]["components"][0]
    labels = [option["label"] for option in select_menu["options"]]
    assert labels == ["#2 Second claim", "#1 First claim"]
    first_id = select_menu["options"][1]["value"]
    picked = await world.sim.select(world.bob, asked.message, select_menu["custom_id"], [first_id])
    await world.sim.wait_for(lambda: bool(picked.followups), what="the rebuttal posted for everyone")
    assert picked.message is not None and picked.message.content == "Logged as Rebuttal #3."
    public = picked.followups[0]
    assert "Rebuttal #3 → Claim #1" in public.text and not public.flags & 64
    assert public in world.sim.messages(thread)


async def test_log_as_crux_posts_it_with_its_buttons(world: World, bot: DebateBot) -> None:
    thread = await _joined_thread(world)
    question = await world.sim.post_message(world.carol, thread, "Would a 2027 audit regime change your mind?")
    result = await world.sim.context_menu(world.alice, question, "Log as crux")
    assert "Crux #1" in result.text and world.carol.mention in result.text
    assert result.message is not None and set(result.message.custom_ids) == {
        "crux:quick:1",
        "crux:credence:1",
        "crux:resolve:1",
    }


async def test_commands_without_text_open_a_modal_for_long_text(world: World, bot: DebateBot) -> None:
    thread = await _joined_thread(world)
    long_text = "A long argument. " * 200
    opened = await world.sim.invoke(world.alice, thread, "claim")
    claim = await _fill(world, world.alice, thread, opened, text=long_text)
    assert "Claim #1" in claim.text and "A long argument." in claim.text
    claim_id = (await world.sim.autocomplete(world.bob, thread, "rebut", "claim"))[0]["value"]
    opened = await world.sim.invoke(world.bob, thread, "rebut", claim=claim_id)
    rebuttal = await _fill(world, world.bob, thread, opened, text="Too long; also wrong.")
    assert "Rebuttal #2 → Claim #1" in rebuttal.text
    opened = await world.sim.invoke(world.bob, thread, "crux add")
    crux = await _fill(world, world.bob, thread, opened, text="Will it scale?")
    assert "Crux #1" in crux.text
    async with bot.db.read() as session:
        stored = (await session.execute(select(Claim.text).where(Claim.number == 1))).scalar_one()
    assert stored == long_text.strip()


async def test_what_would_be_refused_is_refused_before_a_modal_asks_for_text(world: World, bot: DebateBot) -> None:
    thread = await _joined_thread(world)
    logged = await world.sim.invoke(world.alice, thread, "claim", text="Interp scales")
    claim_id = (await world.sim.autocomplete(world.bob, thread, "rebut", "claim"))[0]["value"]
    refusals = [
        (world.carol, thread, "claim", {}, "Join a side with /debate join before you log a claim"),
        (world.alice, thread, "claim", {"side": "maybe"}, "no side called “maybe”"),
        (world.carol, thread, "rebut", {"claim": claim_id}, "Join a side with /debate join before you log a rebuttal"),
        (world.bob, thread, "support", {"claim": 999_999}, "There is no Claim #999999 in this debate"),
        (world.bob, thread, "edit", {"claim": claim_id}, "Claim #1 is not yours"),
        (world.bob, thread, "crux add", {"claim": 999_999}, "There is no Claim #999999 in this debate"),
        (world.alice, world.channel, "claim", {}, "This is not a debate thread"),
    ]
    for member, channel, command, options, refusal in refusals:
        result = await world.sim.invoke(member, channel, command, **options)
        assert result.modal is None and result.ephemeral and refusal in result.text, (command, options, result.text)
    await world.sim.invoke(world.alice, thread, "debate end")
    closed = await world.sim.invoke(world.alice, thread, "claim")
    assert closed.modal is None and "is closed" in closed.text
    assert "Claim #1" in logged.text and await _count(bot, Claim) == 1


async def test_join_buttons_are_idempotent_and_survive_a_restart(world: World, running: LocalBot) -> None:
    thread = await start_debate(world, sides="interp, governance")
    opening = world.sim.messages(thread)[0]
    join_ids = opening.custom_ids
    assert len(join_ids) == 2
    first = await world.sim.click(world.bob, opening, join_ids[1])
    second = await world.sim.click(world.bob, opening, join_ids[1])
    assert "joined **governance**" in first.text and second.ephemeral and "already on **governance**" in second.text
    await running.restart()
    after = await world.sim.click(world.bob, opening, join_ids[0])
    assert "moved from **governance** to **interp**" in after.text
    assert running.bot is not None and await _count(running.bot, Participant) == 1


async def test_crux_buttons_set_credence_and_resolve_after_a_restart(world: World, running: LocalBot) -> None:
    thread = await _joined_thread(world)
    posted = await world.sim.invoke(world.bob, thread, "crux add", question="Do circuits transfer?")
    assert posted.message is not None
    crux_message = posted.message
    await running.restart()

    opened = await world.sim.click(world.bob, crux_message, "crux:credence:1")
    recorded = await _fill(world, world.bob, thread, opened, value="35", reason="small models only")
    assert "**35** on Crux #1\nsmall models only" in recorded.text
    opened = await world.sim.click(world.bob, crux_message, "crux:credence:1")
    repeated = await _fill(world, world.bob, thread, opened, value="35", reason="small models only")
    assert repeated.ephemeral and "Already recorded" in repeated.text
    opened = await world.sim.click(world.bob, crux_message, "crux:credence:1")
    not_a_number = await _fill(world, world.bob, thread, opened, value="lots")
    assert not_a_number.ephemeral and "whole number from 0 to 100" in not_a_number.text

    refused = await world.sim.click(world.bob, crux_message, "crux:resolve:1")
    assert refused.ephemeral and "Only the debate's creator" in refused.text
    opened = await world.sim.click(world.mod, crux_message, "crux:resolve:1")
    resolved = await _fill(
        world, world.mod, thread, opened, resolution="They transfer within a model family.", outcome="yes"
    )
    assert "Crux #1 resolved: yes" in resolved.text and f"{world.bob.mention}: baseline" in resolved.text
    closed = await world.sim.click(world.bob, crux_message, "crux:credence:1")
    assert closed.modal is None and closed.ephemeral and "Crux #1 is resolved; credences are closed" in closed.text
    assert running.bot is not None
    async with running.bot.db.read() as session:
        assert (await session.execute(select(Crux.status))).scalar_one() is CruxStatus.RESOLVED
        assert (await session.execute(select(func.count()).select_from(Credence))).scalar_one() == 1


async def test_logging_too_fast_is_refused_with_when_to_retry(world: World, bot: DebateBot) -> None:
    thread = await _joined_thread(world)
    bot.logging_cooldown = Cooldown(rate=2, per=60)
    for text in ("one", "two"):
        assert "Claim #" in (await world.sim.invoke(world.alice, thread, "claim", text=text)).text
    refused = await world.sim.invoke(world.alice, thread, "claim", text="three")
    assert refused.ephemeral and "Slow down" in refused.text and "Try again in 60 s" in refused.text
    said = await world.sim.post_message(world.bob, thread, "Another point")
    menu = await world.sim.context_menu(world.alice, said, "Log as claim")
    assert menu.ephemeral and "Slow down" in menu.text
    other = await world.sim.invoke(world.bob, thread, "claim", text="bob is not limited by alice")
    assert "Claim #3" in other.text
    assert await _count(bot, Claim) == 3


@pytest.mark.parametrize(
    ("command", "options", "answer"),
    [("claim", {"text": "Queued"}, "Claim #"), ("crux add", {"question": "Queued?"}, "Crux #")],
    ids=["claim (one job)", "crux (a write session)"],
)
async def test_a_record_queued_behind_another_write_is_deferred_then_answered(
    world: World, bot: DebateBot, command: str, options: dict[str, str], answer: str
) -> None:
    """A record is answered at once when its write is quick, even after a short wait behind another write; queued
    past ``LATE``, it says "thinking…" first and is answered (and stored) once the way is clear."""
    thread = await _joined_thread(world)

    async def behind_another_write(seconds: float) -> InteractionResult:
        async with bot.db.write() as session:  # another writer holds the database and the debate's row
            await session.run_sync(open_debate_in_thread, world.guild.id, thread.id)
            queued = asyncio.create_task(world.sim.invoke(world.alice, thread, command, **options))
            await asyncio.sleep(seconds)
            assert not queued.done()
        return await queued

    quick = await world.sim.invoke(world.alice, thread, command, **options)
    assert quick.type == 4 and f"{answer}1" in quick.text
    short_wait = await behind_another_write(0.2)
    assert short_wait.type == 4 and f"{answer}2" in short_wait.text
    long_wait = await behind_another_write(common.LATE.total_seconds() + 0.3)
    assert long_wait.type == 5 and f"{answer}3" in long_wait.text and not long_wait.ephemeral
    assert world.sim.errors == []


async def test_a_busy_bot_defers_and_still_answers(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``LATE`` the bot acknowledges first ("thinking…") and answers as a follow-up, within Discord's 3 s."""
    thread = await _joined_thread(world)
    monkeypatch.setattr(common, "LATE", timedelta(0))
    claim = await world.sim.invoke(world.alice, thread, "claim", text="Deferred but answered")
    assert claim.type == 5 and "Claim #1" in claim.text and not claim.ephemeral
    said = await world.sim.post_message(world.bob, thread, "Logged while busy")
    logged = await world.sim.context_menu(world.alice, said, "Log as crux")
    assert logged.type == 5 and "Crux #1" in logged.text
    refused = await world.sim.invoke(world.carol, thread, "claim", text="Carol joined no side")
    assert refused.original is not None and refused.original.deleted  # the public "thinking…" placeholder is gone
    assert refused.ephemeral and "Join a side" in refused.text  # only Carol sees the refusal
    assert all("Join a side with /debate join" not in m.text for m in world.sim.messages(thread))
    assert await _count(bot, Claim) == 1 and world.sim.errors == []


async def test_a_private_answer_stays_private_when_the_bot_deferred_first(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deferral is public ("thinking…"); a private answer after it must not fill it in for everyone."""
    thread = await _joined_thread(world)
    await world.sim.invoke(world.alice, thread, "claim", text="Interp scales")
    await world.sim.invoke(world.alice, thread, "crux add", question="Will it?")
    said = await world.sim.post_message(world.bob, thread, "It does not.")
    monkeypatch.setattr(common, "LATE", timedelta(0))
    answers = {
        "picker": await world.sim.context_menu(world.bob, said, "Log as rebuttal"),
        "crux list": await world.sim.invoke(world.bob, thread, "crux list"),
        "status": await world.sim.invoke(world.bob, thread, "debate status"),
    }
    for name, answer in answers.items():
        assert answer.type == 5 and answer.ephemeral, (name, answer.text)
        placeholder = answer.original  # deleted when public; crux list and status defer privately from the start
        assert placeholder is not None and (placeholder.deleted or placeholder.ephemeral), name
    assert all("Which claim" not in m.text for m in world.sim.messages(thread))


MENUS = ("Log as claim", "Log as rebuttal", "Log as crux")


async def test_the_bots_own_messages_cannot_be_logged(world: World, bot: DebateBot) -> None:
    thread = await _joined_thread(world)
    await world.sim.invoke(world.alice, thread, "claim", text="Interp scales")
    before = await snapshot(bot.db)
    for own in world.sim.messages(thread)[:1] + world.sim.messages(thread)[-1:]:  # the opening, a claim's answer
        assert own.author.id == world.sim.bot_user.id
        for menu in MENUS:
            result = await world.sim.context_menu(world.alice, own, menu)
            assert result.ephemeral and "That message is mine" in result.text, (menu, result.text)
    assert await snapshot(bot.db) == before


async def test_a_message_of_another_channel_cannot_be_logged_here(world: World, bot: DebateBot) -> None:
    """Discord only sends a message's menu from the message's channel; a forged interaction from a debate thread
    naming a message of another thread, or of the parent channel, is refused."""
    elsewhere = await _joined_thread(world)
    thread = await _joined_thread(world)
    await world.sim.invoke(world.alice, thread, "claim", text="Interp scales")
    before = await snapshot(bot.db)
    for message in (
        await world.sim.post_message(world.bob, elsewhere, "Said in another debate."),
        await world.sim.post_message(world.bob, world.channel, "Said in the channel."),
    ):
        for menu in MENUS:
            result = await world.sim.context_menu(world.alice, message, menu, channel=thread)
            assert result.ephemeral and "That message is not in this debate's thread" in result.text, result.text
    assert await snapshot(bot.db) == before


async def test_a_forged_pick_is_refused_specifically(world: World, bot: DebateBot) -> None:
    """The claim picker's values are numbers of offered claims: forged ones get a specific answer, not an apology,
    and change nothing; so does a pick once the message is gone."""
    thread = await _joined_thread(world)
    await world.sim.invoke(world.alice, thread, "claim", text="Interp scales")
    said = await world.sim.post_message(world.bob, thread, "It does not.")
    asked = await world.sim.context_menu(world.bob, said, "Log as rebuttal")
    assert asked.message is not None
    (custom_id,) = asked.message.custom_ids
    before = await snapshot(bot.db)
    forged = [
        (custom_id, ["abc"], "“abc” is not a claim of the list"),
        (custom_id, ["1e3"], "“1e3” is not a claim of the list"),
        (custom_id, [], "Pick one of the claims offered"),
        (custom_id, ["1", "1"], "Pick one of the claims offered"),
        (custom_id, ["99999999999"], "is not a claim of the list"),
        (custom_id, ["7"], "There is no Claim #7 in this debate"),
    ]
    for forged_id, values, answer in forged:
        data = {"custom_id": forged_id, "component_type": 3, "values": values}
        result = await world.sim.forge_component(world.bob, asked.message, data)
        assert result.ephemeral and answer in result.text, (forged_id, values, result.text)
    await world.sim.delete_message(world.bob, said)
    gone = await world.sim.select(world.bob, asked.message, custom_id, ["1"])
    assert gone.ephemeral and "That message is no longer in this thread" in gone.text, gone.text
    assert await snapshot(bot.db) == before


async def test_a_picked_rebuttal_is_logged_as_the_menu_delivered_it_without_the_message_content_intent(
    world: World, bot: DebateBot
) -> None:
    """Over REST, the message would come back without its text (the bot has no Message Content intent): the pick
    logs the text the context menu delivered, kept meanwhile; a day later the choice has expired."""
    assert not world.sim.message_content_intent
    thread = await _joined_thread(world)
    await world.sim.invoke(world.alice, thread, "claim", text="Interp scales")
    said = await world.sim.post_message(world.bob, thread, "It does not, past 10B parameters.")
    later = await world.sim.post_message(world.bob, thread, "Nor does probing.")
    asked = await world.sim.context_menu(world.bob, said, "Log as rebuttal")
    assert asked.message is not None
    picked = await world.sim.select(world.bob, asked.message, asked.message.custom_ids[0], ["1"])
    await world.sim.wait_for(lambda: bool(picked.followups), what="the rebuttal posted for everyone")
    assert "It does not, past 10B parameters." in picked.followups[0].text

    expiring = await world.sim.context_menu(world.bob, later, "Log as rebuttal")
    assert expiring.message is not None
    async with bot.db.write() as session:
        await session.execute(update(PendingRebuttal).values(expires_at=utcnow() - timedelta(seconds=1)))
    before = await snapshot(bot.db)
    expired = await world.sim.select(world.bob, expiring.message, expiring.message.custom_ids[0], ["1"])
    assert expired.ephemeral and "That choice has expired: use Log as rebuttal on the message again." in expired.text
    assert await snapshot(bot.db) == before


async def test_a_message_kept_for_a_pick_is_deleted_after_its_day(world: World, bot: DebateBot) -> None:
    thread = await _joined_thread(world)
    await world.sim.invoke(world.alice, thread, "claim", text="Interp scales")
    kept = await world.sim.post_message(world.bob, thread, "It does not.")
    other = await world.sim.post_message(world.bob, thread, "Nor this.")
    for message in (kept, other):
        await world.sim.context_menu(world.bob, message, "Log as rebuttal")
    expire = update(PendingRebuttal).where(col(PendingRebuttal.message_id) == kept.id).values(expires_at=utcnow())
    async with bot.db.write() as session:
        await session.execute(expire)
    bot.scheduler.wake()  # the scheduler deletes what is past its day at every wake
    assert await stored_ids(bot.db, PendingRebuttal, [other.id], column="message_id") == [other.id]
