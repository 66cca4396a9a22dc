"""Phased formats in Discord: the phase banner, and the phase clock's timers announcing in the debate's thread."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

import discord
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot.client import DebateBot
from bot.core import formats
from bot.scheduler import AfterCommit
from schema import Debate, Timer

PHASE_COLOUR = discord.Colour.teal()


def phase_embed(debate: Debate) -> discord.Embed:
    """The banner of the debate's current phase: what is allowed now, a prompt, the clock."""
    title, body = formats.banner(debate)
    return discord.Embed(title=title, description=body, colour=PHASE_COLOUR)


def phase_change_message(change: formats.PhaseChange, reason: str) -> dict[str, Any]:
    """What the thread sees when a phase ends: ``reason`` ("Time's up", "… moved on"), and the next phase's banner."""
    if change.started is None:
        return {
            "content": f"{reason}: the **{change.ended.name}** phase, the last, is over. "
            "A moderator can post the final summary with /debate end."
        }
    return {
        "content": f"{reason}: the **{change.ended.name}** phase is over.",
        "embed": phase_embed(change.debate),
    }


class FormatsCog(commands.Cog):
    """Fires the phase clocks' timers: a warning a minute before a phase ends, and moving on when it does."""

    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.scheduler.register(formats.PHASE_WARNING, self.phase_warning)
        self.bot.scheduler.register(formats.PHASE_END, self.phase_end)

    async def phase_warning(self, session: AsyncSession, timer: Timer, now: datetime) -> AfterCommit | None:
        """One minute left: say so in the thread."""
        due = await formats.warning_due(session, timer, now)
        if due is None:
            return None
        debate, phase = due
        return partial(self._post, debate.thread_id, content=f"One minute left in the **{phase.name}** phase.")

    async def phase_end(self, session: AsyncSession, timer: Timer, now: datetime) -> AfterCommit | None:
        """Time's up: move the debate on and post the next phase's banner."""
        change = await formats.time_up(session, timer, now)
        if change is None:
            return None
        return partial(self._post, change.debate.thread_id, **phase_change_message(change, "Time's up"))

    async def _post(self, thread_id: int, **message: Any) -> None:
        await self.bot.get_partial_messageable(thread_id).send(**message)


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(FormatsCog(bot))
