"""Issue 15 through Discord: exports name participants as last seen when they acted (never ``<@id>``), the JSON
export keeps the id beside the name, and a name is written only when it changed."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from sqlmodel import select

from bot.client import DebateBot
from bot.db import Database
from bot.runtime.names import DisplayNames
from schema import MemberName
from sim import InteractionResult, SimChannel
from tests.e2e.conftest import World, start_debate


def _text(result: InteractionResult) -> str:
    message = result.message
    assert message is not None and len(message.attachments) == 1, result.text
    return message.attachments[0].data.decode()


async def _debate(world: World) -> SimChannel:
    world.alice.nick = "Ada Lovelace"
    world.bob.user.global_name = "Ben [the skeptic]"
    thread = await start_debate(world)
    await world.sim.invoke(world.alice, thread, "debate join", side="for")
    opening = world.sim.messages(thread)[0]
    await world.sim.click(world.bob, opening, opening.custom_ids[1])  # a button names its presser too
    await world.sim.invoke(world.alice, thread, "claim", text="Interp tools will generalise")
    await world.sim.invoke(world.bob, thread, "crux add", question="Do circuits transfer?")
    crux = (await world.sim.autocomplete(world.bob, thread, "crux credence", "crux"))[0]["value"]
    await world.sim.invoke(world.alice, thread, "crux credence", crux=crux, value=80)
    await world.sim.invoke(world.bob, thread, "crux credence", crux=crux, value=20)
    return thread


async def test_exports_name_participants_and_json_keeps_their_ids(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    alice, bob = world.alice.id, world.bob.id

    markdown = _text(await world.sim.invoke(world.carol, thread, "debate export", format="markdown"))
    assert "- **for**: Ada Lovelace" in markdown and "- **against**: Ben \\[the skeptic\\]" in markdown
    assert "(for, claim by Ada Lovelace): Interp tools will generalise" in markdown
    assert "- Ada Lovelace (for): **80**" in markdown and "- Ben \\[the skeptic\\] (against): **20**" in markdown
    assert "<@" not in markdown and str(alice) not in markdown

    argdown = _text(await world.sim.invoke(world.carol, thread, "debate export", format="argdown"))
    assert "Credences: Ada Lovelace 80; Ben \\[the skeptic\\] 20." in argdown and "<@" not in argdown

    record = json.loads(_text(await world.sim.invoke(world.carol, thread, "debate export", format="json")))
    assert record["schema_version"] == 5
    assert record["users"] == [
        {"user_id": str(user_id), "name": name}
        for user_id, name in sorted([(alice, "Ada Lovelace"), (bob, "Ben [the skeptic]")])
    ]
    assert record["claims"][0]["author_id"] == str(alice)


async def test_a_new_name_shows_after_the_users_next_interaction(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    world.alice.nick = None  # back to her username: unseen until she acts
    before = _text(await world.sim.invoke(world.carol, thread, "debate export", format="markdown"))
    assert "claim by Ada Lovelace" in before
    await world.sim.invoke(world.alice, thread, "debate status")  # any interaction, even one that records nothing
    after = _text(await world.sim.invoke(world.carol, thread, "debate export", format="markdown"))
    assert "claim by alice" in after and "Ada Lovelace" not in after


async def test_names_are_kept_per_server_for_those_who_acted(world: World, bot: DebateBot, db: Database) -> None:
    thread = await _debate(world)
    for _ in range(3):
        await world.sim.invoke(world.alice, thread, "debate status")
    await world.sim.invoke(world.eve, world.other_channel, "debate list")
    async with db.read() as session:
        rows = {(row.guild_id, row.user_id): row.name for row in (await session.execute(select(MemberName))).scalars()}
    assert rows == {
        (world.guild.id, world.alice.id): "Ada Lovelace",
        (world.guild.id, world.bob.id): "Ben [the skeptic]",
        (world.other_guild.id, world.eve.id): "eve",
    }


class _CountingDatabase:
    """Stands in for the database: counts the names written, refusing the first when told to."""

    def __init__(self, *, fail_first: bool = False) -> None:
        self.written: list[str] = []
        self.fail_first = fail_first

    async def transact(self, job: object, guild_id: int, user_id: int, name: str, at: object) -> None:
        if self.fail_first:
            self.fail_first = False
            raise OSError("database down")
        self.written.append(name)


async def test_the_cache_writes_a_name_only_when_it_changed_and_retries_after_a_failure() -> None:
    db = _CountingDatabase(fail_first=True)
    names = DisplayNames(db, capacity=2)  # type: ignore[arg-type]
    await names.seen(1, 10, "Ada")  # fails: not cached, so written at the next interaction
    for name in ("Ada", "Ada", "Ada L.", "Ada L."):
        await names.seen(1, 10, name)
    assert db.written == ["Ada", "Ada L."]
    await names.seen(1, 11, "Ben")
    await names.seen(1, 12, "Cy")  # capacity 2: the least recently seen (Ada L.) is dropped
    await names.seen(1, 10, "Ada L.")
    await names.seen(2, 11, "Ben")  # another server
    assert db.written == ["Ada", "Ada L.", "Ben", "Cy", "Ada L.", "Ben"]


async def test_a_slow_name_write_does_not_hold_up_the_answer(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new name is written before the interaction is served, but never for longer than ``NAME_WAIT``: a busy
    database must not make a button miss Discord's 3 seconds (a form cannot be deferred)."""
    thread = await _debate(world)
    transact = bot.db.transact

    async def slow(*args: object, **kwargs: object) -> object:
        await asyncio.sleep(4)
        return await transact(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.names, "_db", SimpleNamespace(transact=slow))
    world.alice.nick = "Ada, renamed"
    answered = await world.sim.invoke(world.alice, thread, "debate status")
    assert answered.ephemeral and "Debate #1" in answered.text
