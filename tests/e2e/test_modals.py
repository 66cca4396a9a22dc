"""Nothing typed is lost across a restart: a modal opened before the bot restarts and submitted after it is answered
and stored, as is a pick in the claim picker; modal values are read in both of Discord's shapes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.local import LocalBot
from schema import Claim, ClaimKind, Credence, Crux, CruxClaim, CruxStatus, Side
from sim import InteractionResult, SimChannel
from tests.e2e.conftest import World, start_debate
from tests.snapshot import snapshot

TYPED = "Typed before the restart, submitted after it."


async def _scene(world: World) -> SimChannel:
    """A debate where alice (for) logged Claim #1 and named Crux #1 (with its buttons); bob is against."""
    thread = await start_debate(world)
    for member, side in ((world.alice, "for"), (world.bob, "against")):
        await world.sim.invoke(member, thread, "debate join", side=side)
    assert "Claim #1" in (await world.sim.invoke(world.alice, thread, "claim", text="Interp scales")).text
    assert "Crux #1" in (await world.sim.invoke(world.alice, thread, "crux add", question="Will it?")).text
    return thread


Opener = Callable[[World, SimChannel], Awaitable[InteractionResult]]


def _command(member: str, command: str, **options: object) -> Opener:
    async def open_modal(world: World, thread: SimChannel) -> InteractionResult:
        return await world.sim.invoke(getattr(world, member), thread, command, **options)

    return open_modal


def _button(member: str, custom_id: str) -> Opener:
    async def open_modal(world: World, thread: SimChannel) -> InteractionResult:
        crux_message = next(m for m in world.sim.messages(thread) if custom_id in m.custom_ids)
        return await world.sim.click(getattr(world, member), crux_message, custom_id)

    return open_modal


async def _claim(db: Database, text: str) -> Claim:
    async with db.read() as session:
        return (await session.execute(select(Claim).where(Claim.text == text))).scalar_one()


async def _side_named(db: Database, side_id: int | None) -> str:
    async with db.read() as session:
        return (await session.execute(select(Side.name).where(Side.id == side_id))).scalar_one()


async def _claim_on_joined_side(db: Database) -> None:
    assert await _side_named(db, (await _claim(db, TYPED)).side_id) == "for"


async def _claim_on_named_side(db: Database) -> None:
    assert await _side_named(db, (await _claim(db, TYPED)).side_id) == "against"


async def _rebuttal(db: Database) -> None:
    assert (await _claim(db, TYPED)).kind is ClaimKind.REBUTTAL


async def _support(db: Database) -> None:
    assert (await _claim(db, TYPED)).kind is ClaimKind.SUPPORT


async def _edited(db: Database) -> None:
    assert (await _claim(db, TYPED)).number == 1


async def _crux_linked(db: Database) -> None:
    async with db.read() as session:
        crux = (await session.execute(select(Crux).where(Crux.question == TYPED))).scalar_one()
        link = (await session.execute(select(CruxClaim).where(CruxClaim.crux_id == crux.id))).scalar_one()
    assert link.claim_id == (await _claim(db, "Interp scales")).id


async def _credence(db: Database) -> None:
    async with db.read() as session:
        credence = (await session.execute(select(Credence))).scalar_one()
    assert (credence.value, credence.reason) == (35, TYPED)


async def _resolved(db: Database) -> None:
    async with db.read() as session:
        crux = (await session.execute(select(Crux))).scalar_one()
    assert (crux.status, crux.resolution) == (CruxStatus.RESOLVED, TYPED)


@dataclass(frozen=True)
class Form:
    what: str
    opener: Opener
    member: str
    values: dict[str, str]
    answer: str
    stored: Callable[[Database], Awaitable[None]]


FORMS = [
    Form("/claim", _command("alice", "claim"), "alice", {"text": TYPED}, "Claim #2", _claim_on_joined_side),
    Form(
        "/claim side",
        _command("alice", "claim", side="against"),
        "alice",
        {"text": TYPED},
        "Claim #2",
        _claim_on_named_side,
    ),
    Form("/rebut", _command("bob", "rebut", claim=1), "bob", {"text": TYPED}, "Rebuttal #2 → Claim #1", _rebuttal),
    Form(
        "/support", _command("alice", "support", claim=1), "alice", {"text": TYPED}, "Support #2 → Claim #1", _support
    ),
    Form("/edit", _command("alice", "edit", claim=1), "alice", {"text": TYPED}, "Claim #1", _edited),
    Form("/crux add claim", _command("bob", "crux add", claim=1), "bob", {"text": TYPED}, "Crux #2", _crux_linked),
    Form(
        "Set my credence",
        _button("bob", "crux:credence:1"),
        "bob",
        {"value": "35", "reason": TYPED},
        "**35** on Crux #1",
        _credence,
    ),
    Form(
        "Resolve",
        _button("mod", "crux:resolve:1"),
        "mod",
        {"resolution": TYPED, "outcome": "yes"},
        "Crux #1 resolved",
        _resolved,
    ),
]


@pytest.mark.parametrize("form", FORMS, ids=[form.what for form in FORMS])
async def test_a_modal_opened_before_a_restart_is_answered_and_stored_after_it(
    world: World, running: LocalBot, form: Form
) -> None:
    thread = await _scene(world)
    opened = await form.opener(world, thread)
    assert opened.modal is not None, opened.text
    await running.restart()
    assert running.bot is not None
    submitted = await world.sim.submit_modal(
        getattr(world, form.member), thread, opened.modal["custom_id"], form.values
    )
    assert not submitted.ephemeral and form.answer in submitted.text, submitted.text
    await form.stored(running.bot.db)


def _label_shaped(custom_id: str, value: str) -> dict[str, object]:
    """A text input's answer inside a label (component type 18), as newer clients submit it."""
    return {"type": 18, "component": {"type": 4, "custom_id": custom_id, "value": value}}


async def test_modal_values_are_read_in_the_label_shape_too(world: World, running: LocalBot) -> None:
    thread = await _scene(world)
    opened = await world.sim.click(world.bob, world.sim.messages(thread)[-1], "crux:credence:1")
    assert opened.modal is not None, opened.text
    await running.restart()
    assert running.bot is not None
    components = [_label_shaped("value", "35"), _label_shaped("reason", TYPED)]
    recorded = await world.sim.forge_modal(world.bob, thread, opened.modal["custom_id"], components)
    assert "**35** on Crux #1" in recorded.text, recorded.text
    await _credence(running.bot.db)


async def test_a_form_the_bot_does_not_know_gets_a_specific_answer(world: World, running: LocalBot) -> None:
    thread = await _scene(world)
    assert running.bot is not None
    before = await snapshot(running.bot.db)
    unknown = await world.sim.forge_modal(world.bob, thread, "modal:nonsense:1", [_label_shaped("text", "x")])
    assert unknown.ephemeral and "I do not know that form" in unknown.text, unknown.text
    assert await snapshot(running.bot.db) == before


async def test_the_claim_picker_works_after_a_restart(world: World, running: LocalBot) -> None:
    thread = await _scene(world)
    said = await world.sim.post_message(world.bob, thread, "Interp never scaled before.")
    asked = await world.sim.context_menu(world.bob, said, "Log as rebuttal")
    assert asked.ephemeral and asked.message is not None, asked.text
    picker = asked.message
    (custom_id,) = picker.custom_ids
    await running.restart()
    assert running.bot is not None
    picked = await world.sim.select(world.bob, picker, custom_id, ["1"])
    await world.sim.wait_for(lambda: bool(picked.followups), what="the rebuttal posted for everyone")
    assert picked.message is not None and picked.message.content == "Logged as Rebuttal #2."
    assert "Rebuttal #2 → Claim #1" in picked.followups[0].text
    rebuttal = await _claim(running.bot.db, "Interp never scaled before.")
    assert (rebuttal.kind, rebuttal.source_message_id) == (ClaimKind.REBUTTAL, said.id)
