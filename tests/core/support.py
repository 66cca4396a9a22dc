"""What the direct tests of the core share: a debate started and joined, as ``/debate start`` and ``/debate join``
would leave it."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.debates import lifecycle as core
from bot.db import Database
from schema import Debate


async def started_debate(
    db: Database,
    *,
    guild: int,
    creator: int,
    joined: Mapping[int, str] | None = None,
    topic: str = "Interp or governance?",
    thread: int = 2,
) -> Debate:
    """A debate started by ``creator`` in ``thread``, with each user of ``joined`` on the side named."""
    async with db.write() as session:
        plan = core.plan_debate(topic)
        debate = await session.run_sync(
            core.start_debate, core.Actor(guild, creator), plan, channel_id=1, thread_id=thread
        )
        for user, side in (joined or {}).items():
            await session.run_sync(core.join, debate, user, side)
    return debate
