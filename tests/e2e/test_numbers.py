"""Records are addressed by the numbers users see: every option and select value naming a claim or crux takes its
number in the debate of the thread, never a database id of another record."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from sqlalchemy import select

from bot.client import DebateBot
from bot.runtime.ratelimit import Cooldown
from schema import Claim, ClaimStatus, Crux, CruxClaim, CruxMark, CruxStatus, Debate
from sim import SimChannel
from tests.e2e.conftest import World, start_debate
from tests.snapshot import snapshot


@pytest.fixture(autouse=True)
def unlimited_logging(bot: DebateBot) -> None:
    """These tests log dozens of records as one user, beyond the per-user limit (tested in test_capture)."""
    bot.logging_cooldown = Cooldown(rate=10_000, per=60)


async def _debate(world: World, claims: int, cruxes: int = 0) -> SimChannel:
    """A debate where alice (for) logged ``claims`` claims and named ``cruxes`` cruxes; bob is against."""
    thread = await start_debate(world)
    for member, side in ((world.alice, "for"), (world.bob, "against")):
        await world.sim.invoke(member, thread, "debate join", side=side)
    for number in range(1, claims + 1):
        logged = await world.sim.invoke(world.alice, thread, "claim", text=f"claim {number} of {thread.id}")
        assert f"Claim #{number}" in logged.text, logged.text
    for number in range(1, cruxes + 1):
        named = await world.sim.invoke(world.alice, thread, "crux add", question=f"crux {number} of {thread.id}?")
        assert f"Crux #{number}" in named.text, named.text
    return thread


async def _second_debate(world: World) -> SimChannel:
    """Debate 1 gets 2 claims and 2 cruxes, debate 2 gets 4 of each: the ids of debate 2's records are 3 to 6."""
    await _debate(world, claims=2, cruxes=2)
    return await _debate(world, claims=4, cruxes=4)


async def _claim(bot: DebateBot, thread: SimChannel, number: int) -> Claim:
    """Claim #``number`` of the thread's debate, as stored."""
    statement = select(Claim).join(Debate).where(Debate.thread_id == thread.id, Claim.number == number)
    async with bot.db.read() as session:
        return (await session.execute(statement)).scalar_one()


async def _crux_numbered(bot: DebateBot, thread: SimChannel, number: int) -> Crux:
    """Crux #``number`` of the thread's debate, as stored."""
    statement = select(Crux).join(Debate).where(Debate.thread_id == thread.id, Crux.number == number)
    async with bot.db.read() as session:
        return (await session.execute(statement)).scalar_one()


async def test_rebut_claim_3_in_the_second_debate_rebuts_its_claim_3(world: World, bot: DebateBot) -> None:
    """The reproduction: debate 1 has 2 claims, debate 2 has 4; in debate 2, ``/rebut claim:3`` answered
    "Rebuttal #5 → Claim #1" (the claim with database id 3)."""
    thread = await _second_debate(world)
    rebuttal = await world.sim.invoke(world.bob, thread, "rebut", claim=3, text="No.")
    assert "Rebuttal #5 → Claim #3" in rebuttal.text, rebuttal.text
    async with bot.db.read() as session:
        stored = (await session.execute(select(Claim).where(Claim.text == "No."))).scalar_one()
    assert stored.parent_id == (await _claim(bot, thread, 3)).id


async def test_every_claim_and_crux_option_takes_the_number_shown(world: World, bot: DebateBot) -> None:
    thread = await _second_debate(world)
    sim, alice, bob, mod = world.sim, world.alice, world.bob, world.mod
    supported = await sim.invoke(bob, thread, "support", claim=4, text="Yes.")
    assert "Support #5 → Claim #4" in supported.text, supported.text
    edited = await sim.invoke(alice, thread, "edit", claim=2, text="claim 2, edited")
    assert "Claim #2" in edited.text and (await _claim(bot, thread, 2)).text == "claim 2, edited"
    withdrawn = await sim.invoke(alice, thread, "withdraw", claim=1)
    assert "Claim #1" in withdrawn.text
    assert (await _claim(bot, thread, 1)).status is ClaimStatus.WITHDRAWN
    linked = await sim.invoke(alice, thread, "crux add", question="Linked?", claim=3)
    assert "Claim #3" in linked.text, linked.text
    async with bot.db.read() as session:
        link = (await session.execute(select(CruxClaim))).scalar_one()
    assert link.claim_id == (await _claim(bot, thread, 3)).id
    credence = await sim.invoke(bob, thread, "crux credence", crux=3, value=40)
    assert "**40** on Crux #3" in credence.text, credence.text
    resolved = await sim.invoke(mod, thread, "crux resolve", crux=4, resolution="Settled.")
    assert "Crux #4 resolved" in resolved.text, resolved.text
    assert (await _crux_numbered(bot, thread, 4)).status is CruxStatus.RESOLVED
    reopened = await sim.invoke(mod, thread, "crux reopen", crux=4)
    assert "Crux #4 is open again" in reopened.text, reopened.text
    assert (await _crux_numbered(bot, thread, 4)).status is CruxStatus.OPEN


@pytest.mark.parametrize(
    ("command", "options", "answer"),
    [
        ("rebut", {"claim": 7, "text": "x"}, "There is no Claim #7 in this debate"),
        ("support", {"claim": 7, "text": "x"}, "There is no Claim #7 in this debate"),
        ("edit", {"claim": 7, "text": "x"}, "There is no Claim #7 in this debate"),
        ("withdraw", {"claim": 7}, "There is no Claim #7 in this debate"),
        ("rebut", {"claim": 7}, "There is no Claim #7 in this debate"),
        ("crux add", {"question": "q?", "claim": 7}, "There is no Claim #7 in this debate"),
        ("crux credence", {"crux": 7, "value": 50}, "There is no Crux #7 in this debate"),
        ("crux resolve", {"crux": 7, "resolution": "r"}, "There is no Crux #7 in this debate"),
        ("crux reopen", {"crux": 7}, "There is no Crux #7 in this debate"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
async def test_a_number_that_is_not_in_this_debate_is_refused(
    world: World, bot: DebateBot, command: str, options: Mapping[str, object], answer: str
) -> None:
    """Debate 1 has records with ids 7 and up (9 claims, 9 cruxes); debate 2 has 4 of each: #7 is not in it."""
    await _debate(world, claims=9, cruxes=9)
    thread = await _debate(world, claims=4, cruxes=4)
    before = await snapshot(bot.db)
    member = world.mod if command in ("crux resolve", "crux reopen") else world.alice
    result = await world.sim.invoke(member, thread, command, **options)
    assert result.ephemeral and answer in result.text, result.text
    assert result.modal is None
    assert await snapshot(bot.db) == before


async def test_crux_mine_takes_the_number_shown(world: World, bot: DebateBot) -> None:
    await _debate(world, claims=0, cruxes=2)
    thread = await start_debate(world, format="double-crux")
    for member, side in ((world.alice, "for"), (world.bob, "against")):
        await world.sim.invoke(member, thread, "debate join", side=side)
    await world.sim.invoke(world.alice, thread, "debate next")  # to the crux-finding phase
    for number in (1, 2, 3):
        assert f"Crux #{number}" in (await world.sim.invoke(world.bob, thread, "crux add", question=f"q{number}?")).text
    mine = await world.sim.invoke(world.bob, thread, "crux mine", crux=2, changes_my_mind=True)
    assert "Crux #2 would change my mind" in mine.text, mine.text
    async with bot.db.read() as session:
        marked = (await session.execute(select(CruxMark))).scalar_one()
    assert marked.crux_id == (await _crux_numbered(bot, thread, 2)).id
    before = await snapshot(bot.db)
    missing = await world.sim.invoke(world.bob, thread, "crux mine", crux=7, changes_my_mind=True)
    assert missing.ephemeral and "There is no Crux #7 in this debate" in missing.text, missing.text
    assert await snapshot(bot.db) == before


async def test_autocomplete_offers_the_numbers_shown(world: World, bot: DebateBot) -> None:
    thread = await _second_debate(world)
    claims = await world.sim.autocomplete(world.bob, thread, "rebut", "claim")
    assert [(choice["name"][:3], choice["value"]) for choice in claims] == [
        ("#4 ", 4),
        ("#3 ", 3),
        ("#2 ", 2),
        ("#1 ", 1),
    ]
    typed = await world.sim.autocomplete(world.bob, thread, "rebut", "claim", value="3")
    assert [choice["value"] for choice in typed] == [3]
    cruxes = await world.sim.autocomplete(world.bob, thread, "crux credence", "crux")
    assert [choice["value"] for choice in cruxes] == [4, 3, 2, 1]
    await world.sim.invoke(world.mod, thread, "crux resolve", crux=2, resolution="Done.")
    resolved = await world.sim.autocomplete(world.mod, thread, "crux reopen", "crux")
    assert [choice["value"] for choice in resolved] == [2]
