"""``/privacy``: what the bot keeps about a member, told privately anywhere in a server."""

from __future__ import annotations

from bot.client import DebateBot
from bot.core.privacy.statement import statement
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
