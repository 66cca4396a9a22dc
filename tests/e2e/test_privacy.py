"""``/privacy``: what the bot keeps about a member, told privately anywhere in a server; ``/mydata export`` and
``/mydata forget``, a member's own data; ``/debate delete``, a moderator's."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.client import DebateBot
from bot.core.privacy import export as privacy_export
from bot.core.privacy.statement import statement
from bot.db import Database
from cogs import common
from schema import Claim, Credence, Crux, table_of
from sim.interactions import InteractionResult
from sim.models import SimChannel
from tests.e2e.conftest import World, start_debate


async def test_privacy_tells_a_member_privately_what_is_kept_in_a_channel_and_in_a_debate(
    world: World, bot: DebateBot
) -> None:
    thread = await start_debate(world, topic="Interp or governance?")
    before = {place.id: len(world.sim.messages(place)) for place in (world.channel, thread)}
    for place in (world.channel, thread):
        answer = await world.sim.invoke(world.carol, place, "privacy")
        assert answer.ephemeral, answer.text
        assert answer.embeds[0]["description"] == statement()
        for told in ("Your Discord user id", "credences with their reasons", "a day at most", "operator's database"):
            assert told in answer.text, told
    assert {place.id: len(world.sim.messages(place)) for place in (world.channel, thread)} == before


async def _claims_and_credence(world: World, thread: SimChannel) -> None:
    """Bob and Alice each log a claim; Bob names a crux; Alice records a credence with a reason on it."""
    await world.sim.invoke(world.bob, thread, "debate join", side="against")
    await world.sim.invoke(world.alice, thread, "debate join", side="for")
    await world.sim.invoke(world.alice, thread, "claim", text="ALICE-CLAIM interp generalises")
    await world.sim.invoke(world.bob, thread, "claim", text="BOB-CLAIM governance first")
    await world.sim.invoke(world.bob, thread, "crux add", question="BOB-CRUX will interp scale?")
    await world.sim.invoke(world.alice, thread, "crux credence", crux=1, value=70, reason="ALICE-REASON the results")


def _button(result: InteractionResult) -> str:
    [row] = result.components
    [button] = row["components"]
    return str(button["custom_id"])


async def test_mydata_export_sends_the_member_a_private_file_with_their_data_only(world: World, bot: DebateBot) -> None:
    thread = await start_debate(world, topic="Interp or governance?")
    await _claims_and_credence(world, thread)

    answer = await world.sim.invoke(world.alice, world.channel, "mydata export")

    assert answer.ephemeral
    [file] = answer.attachments
    assert file.filename == "mydata.json"
    document = json.loads(file.data)
    assert document["user_id"] == str(world.alice.id) and document["guild_id"] == str(world.guild.id)
    assert [row["text"] for row in document["tables"]["claim"]] == ["ALICE-CLAIM interp generalises"]
    assert [row["reason"] for row in document["tables"]["credence"]] == ["ALICE-REASON the results"]
    assert "BOB-CLAIM" not in file.data.decode()


async def test_mydata_export_packs_its_files_off_the_event_loop(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed_on: list[threading.Thread] = []

    def export_files(document: dict[str, object], limit: int) -> list[tuple[str, bytes]]:
        packed_on.append(threading.current_thread())
        return privacy_export.export_files(document, limit)

    cog = bot.cogs["MyDataCog"]
    monkeypatch.setitem(type(cog).export.callback.__globals__, "export_files", export_files)  # the loaded module's

    answer = await world.sim.invoke(world.alice, world.channel, "mydata export")

    assert [file.filename for file in answer.attachments] == ["mydata.json"]
    assert packed_on and threading.main_thread() not in packed_on, "JSON and gzip grow with the member's data"


async def test_mydata_forget_asks_then_erases_the_member_and_only_for_them(
    world: World, bot: DebateBot, db: Database
) -> None:
    thread = await start_debate(world, topic="Interp or governance?")
    await _claims_and_credence(world, thread)

    asked = await world.sim.invoke(world.alice, thread, "mydata forget")
    assert asked.ephemeral
    assert "What stays" in asked.embeds[0]["description"]
    assert asked.message is not None
    confirm = _button(asked)
    for someone_else in (world.bob, world.mod):
        refused = await world.sim.click(someone_else, asked.message, confirm)
        assert refused.ephemeral and "someone else's" in (refused.content or ""), refused.content
    assert "ALICE-CLAIM" in str(await _texts(db))

    done = await world.sim.click(world.alice, asked.message, confirm)

    await world.sim.wait_for(lambda: "no longer holds" in (done.content or ""), what="the confirmation edited")
    texts = await _texts(db)
    assert "ALICE-CLAIM" not in str(texts) and "ALICE-REASON" not in str(texts)
    assert "BOB-CLAIM governance first" in texts and "BOB-CRUX will interp scale?" in texts
    record = (await world.sim.invoke(world.bob, thread, "debate export", format="markdown")).attachments[0].data
    assert "removed at the author's request" in record.decode() and "BOB-CLAIM" in record.decode()
    assert "a member who asked to be forgotten" in record.decode()

    again = await world.sim.invoke(world.alice, thread, "mydata forget")
    assert again.message is not None
    await world.sim.click(world.alice, again.message, _button(again))
    message = again.message
    await world.sim.wait_for(lambda: "held nothing about you" in (message.content or ""), what="the answer edited")

    await world.sim.invoke(world.alice, thread, "debate join", side="for")  # her side was forgotten too
    for member in (world.bob, world.alice):  # the debate goes on
        logged = await world.sim.invoke(member, thread, "rebut", claim=1, text=f"{member.id} answers")
        assert not logged.ephemeral, logged.text


async def test_a_forged_forget_button_naming_another_member_is_refused(
    world: World, bot: DebateBot, db: Database
) -> None:
    thread = await start_debate(world, topic="Interp or governance?")
    await _claims_and_credence(world, thread)
    asked = await world.sim.invoke(world.bob, thread, "mydata forget")
    assert asked.message is not None
    forged = f"mydata:forget:{world.alice.id}"
    asked.message.components[0]["components"][0]["custom_id"] = forged

    refused = await world.sim.click(world.bob, asked.message, forged)

    assert refused.ephemeral and "someone else's" in (refused.content or "")
    assert "ALICE-CLAIM interp generalises" in await _texts(db)


async def test_debate_delete_is_for_moderators_and_asks_before_deleting(
    world: World, bot: DebateBot, db: Database
) -> None:
    thread = await start_debate(world, topic="Interp or governance?")
    await _claims_and_credence(world, thread)

    refused = await world.sim.invoke(world.alice, world.channel, "debate delete", number=1)
    assert refused.ephemeral and "Manage Threads" in refused.text
    missing = await world.sim.invoke(world.mod, world.channel, "debate delete", number=9)
    assert missing.ephemeral and "no debate #9" in missing.text

    asked = await world.sim.invoke(world.mod, world.channel, "debate delete", number=1)
    assert asked.ephemeral and "left as Discord has it" in asked.text
    assert asked.message is not None
    other = await world.sim.click(world.alice, asked.message, _button(asked))
    assert "someone else's" in (other.content or "")
    assert "ALICE-CLAIM interp generalises" in await _texts(db)

    second = await world.sim.invoke(world.mod, world.channel, "debate delete", number=1)  # pressed after the first

    await world.sim.click(world.mod, asked.message, _button(asked))

    message = asked.message
    await world.sim.wait_for(lambda: "Debate #1 is deleted" in (message.content or ""), what="the confirmation edited")
    assert await _texts(db) == []
    assert second.message is not None
    late = await world.sim.click(world.mod, second.message, _button(second))
    assert late.ephemeral and "That debate was already deleted" in late.text
    gone = await world.sim.invoke(world.alice, thread, "claim", text="still here?")
    assert gone.ephemeral


async def _texts(db: Database) -> list[str]:
    """Every claim's and crux's text, and every credence's reason, stored."""

    def texts(session: Session) -> list[str]:
        claim, crux, credence = table_of(Claim), table_of(Crux), table_of(Credence)
        found = [*session.scalars(select(claim.c.text)), *session.scalars(select(crux.c.question))]
        return found + [reason for reason in session.scalars(select(credence.c.reason)) if reason]

    return await db.query(texts)


async def test_debate_delete_confirmed_while_the_database_is_slow_still_deletes(
    world: World, bot: DebateBot, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The confirmation acknowledges before it reads: a read grown late (which defers by itself) cannot make the
    button's own acknowledgement fail."""
    thread = await start_debate(world, topic="Interp or governance?")
    await _claims_and_credence(world, thread)
    asked = await world.sim.invoke(world.mod, world.channel, "debate delete", number=1)
    assert asked.message is not None
    monkeypatch.setattr(common, "LATE", timedelta(0))
    query = bot.db.query

    async def slow_query(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.2)
        return await query(*args, **kwargs)

    monkeypatch.setattr(bot.db, "query", slow_query)

    await world.sim.click(world.mod, asked.message, _button(asked))

    message = asked.message
    await world.sim.wait_for(lambda: "Debate #1 is deleted" in (message.content or ""), what="the confirmation edited")
    assert await _texts(db) == []
    assert world.sim.errors == []


@pytest.mark.parametrize(("days", "told"), [(7, "is deleted 7 days later"), (0, "is kept until the bot's operator")])
async def test_privacy_tells_the_operators_retention_period_for_a_removed_server(
    days: int, told: str, world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.settings, "server_retention_days", days)

    answer = await world.sim.invoke(world.carol, world.channel, "privacy")

    assert f"all it keeps about the server {told}" in answer.text, answer.text
    assert "30 days" not in answer.text
