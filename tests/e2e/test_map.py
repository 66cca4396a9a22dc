"""Issue 15 through Discord: ``/debate map`` of a debate of a hundred entries is several readable pictures (each
within 1:3, the most contested part first) and the whole map as an SVG, in one message."""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from bot.client import DebateBot
from bot.core.claims import arguments as claims
from bot.core.cruxes import lifecycle as cruxes
from bot.core.debates import lifecycle as core
from bot.core.exports.argmap import MAX_PICTURES, png_size
from bot.db import Database
from schema import ClaimKind
from tests.e2e.conftest import World, start_debate
from tests.programs import needs_dot

PARTICIPANTS = range(500, 520)


def _argue(session: Session, guild_id: int) -> None:
    """Seventy claims, rebuttals and supports and thirty cruxes with twenty participants' credences on debate #1."""
    rng = random.Random(3)
    debate = core.debate_numbered(session, 1, guild_id)
    for user in PARTICIPANTS:
        core.join(session, debate, user, ("for", "against")[user % 2])
    for number in range(1, 71):
        actor = core.Actor(guild_id, rng.choice(PARTICIPANTS))
        text = f"Argument {number}: " + " ".join(rng.sample(["labs", "chips", "evals", "audits", "circuits"], 3))
        if number == 1 or rng.random() < 0.3:
            claims.add_claim(session, debate, actor, text)
        else:
            kind = rng.choice((ClaimKind.REBUTTAL, ClaimKind.SUPPORT))
            claims.add_reply(session, debate, actor, rng.randrange(max(1, number - 10), number), text, kind)
    for number in range(1, 31):
        crux, _ = cruxes.add_crux(session, debate, core.Actor(guild_id, 500), f"Question {number}?", rng.randint(1, 70))
        for user in rng.sample(PARTICIPANTS, 12):
            cruxes.record_credence(session, debate, core.Actor(guild_id, user), crux.number, rng.randint(0, 100))


@needs_dot
async def test_the_map_of_a_hundred_entries_is_readable_pictures_and_an_svg(
    world: World, bot: DebateBot, db: Database
) -> None:
    thread = await start_debate(world)
    await db.transact(_argue, world.guild.id)
    result = await world.sim.invoke(world.carol, thread, "debate map")
    assert result.message is not None, result.text
    *pictures, svg = result.message.attachments
    assert 2 <= len(pictures) <= MAX_PICTURES and svg.filename == "debate-1.svg" and b"Question 30?" in svg.data
    assert [p.filename for p in pictures] == [f"debate-1-part-{n}.png" for n in range(1, len(pictures) + 1)]
    for picture in pictures:
        width, height = png_size(picture.data)
        assert 1 / 3 <= width / height <= 3, (picture.filename, width, height)
    assert f"in {len(pictures)} pictures: the most contested part first" in result.text
    assert world.sim.errors == []
