"""Issue 29: /debate import on an exchange as people write it — a concession drafted as a support of what it concedes
and a reply linked to the message it quotes, each saying why, through the local Discord-compatible server. The
messages are written for this test, in the style of a real thread."""

from __future__ import annotations

from sqlalchemy import select

from bot.client import DebateBot
from schema import Claim, ClaimKind
from tests.e2e.conftest import World
from tests.e2e.test_imports import _draft, _thread, message_content_intent  # noqa: F401 (the intent is on)


async def test_a_concession_is_drafted_as_a_support_and_a_quoting_reply_is_linked_to_what_it_quotes(
    world: World, bot: DebateBot
) -> None:
    thread = await _thread(world)
    said = world.sim.post_message
    claim = await said(world.alice, thread, "Voluntary commitments will not hold once a lab falls behind its rivals.")
    await said(world.bob, thread, "You're right that they have not held so far.", reply_to=claim)
    quoting = "> once a lab falls behind its rivals\nNo lab has fallen behind yet, so we do not know."
    await said(world.carol, thread, quoting)
    result = await world.sim.invoke(world.mod, thread, "debate import")
    draft = _draft(result)
    text = result.text
    assert f"2. support of #1 — {world.bob.mention}: You're right that they have not held so far. (agrees" in text
    assert "(agrees (“You're right”))" in text
    assert f"3. rebuttal of #1 — {world.carol.mention}: " in text and "(quotes #1)" in text  # no reply reference

    await world.sim.click(world.mod, draft, "import:1:all:0")
    recorded = await world.sim.click(world.mod, draft, "import:1:record:0")
    assert recorded.text.startswith("Recorded 3 items: Claims #1–#3."), recorded.text
    async with bot.db.read() as session:
        claims = list((await session.execute(select(Claim).order_by(Claim.number))).scalars())
    numbers = {c.id: c.number for c in claims}
    assert [(c.number, c.kind, numbers.get(c.parent_id)) for c in claims] == [
        (1, ClaimKind.CLAIM, None),
        (2, ClaimKind.SUPPORT, 1),
        (3, ClaimKind.REBUTTAL, 1),
    ]
    assert world.sim.errors == []
