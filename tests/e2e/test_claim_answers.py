"""The answers on the claim path, exactly as the bot sends them: what a faster claim path must not change."""

from __future__ import annotations

from typing import Any

from bot.client import DebateBot
from tests.e2e.conftest import World, start_debate


def _answer(title: str, description: str, colour: int, by: int, side: str) -> dict[str, Any]:
    """The callback body of a logged record: one embed, no content, no mentions allowed."""
    fields = [{"inline": True, "name": "By", "value": f"<@{by}>"}, {"inline": True, "name": "Side", "value": side}]
    embed = {"color": colour, "description": description, "fields": fields, "flags": 0, "title": title, "type": "rich"}
    data = {"allowed_mentions": {"parse": []}, "content": None, "embeds": [embed], "tts": False}
    return {"data": data, "type": 4}


async def test_claim_rebuttal_and_support_answers_are_unchanged(world: World, bot: DebateBot) -> None:
    sim, alice, bob = world.sim, world.alice, world.bob
    thread = await start_debate(world)
    await sim.invoke(alice, thread, "debate join", side="for")
    await sim.invoke(bob, thread, "debate join", side="against")
    since = len(sim.requests)
    await sim.invoke(alice, thread, "claim", text="Interp *tools* generalise <@&1> `x`")
    await sim.invoke(bob, thread, "claim", text="Governance first", side="for")
    await sim.invoke(bob, thread, "rebut", claim=1, text="They do not\n> scale")
    await sim.invoke(alice, thread, "support", claim=1, text="Probing results")
    assert [r.json for r in sim.requests[since:] if r.path.endswith("/callback")] == [
        _answer("Claim #1", r"Interp \*tools\* generalise \<@&1\> \`x\`", 5793266, alice.id, "for"),
        _answer("Claim #2", "Governance first", 5793266, bob.id, "for"),
        _answer("Rebuttal #3 → Claim #1", "They do not\n\\> scale", 15158332, bob.id, "against"),
        _answer("Support #4 → Claim #1", "Probing results", 3066993, alice.id, "for"),
    ]
