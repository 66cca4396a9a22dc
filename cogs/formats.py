"""Phased formats in Discord: the phase banner, and the phase clock's timers announcing in the debate's thread."""

from __future__ import annotations

from typing import Any

import discord
from discord.ext import commands

from bot.client import DebateBot
from bot.core.debates import formats
from bot.core.records import DebateSnapshot

PHASE_COLOUR = discord.Colour.teal()


def phase_embed(debate: DebateSnapshot) -> discord.Embed:
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
        scheduler = self.bot.scheduler
        scheduler.register(formats.PHASE_WARNING, formats.warning_due, self.announce_warning, formats.warning_due)
        scheduler.register(formats.PHASE_END, formats.time_up, self.announce_time_up, formats.time_up_recalled)

    async def announce_warning(self, due: tuple[DebateSnapshot, formats.Phase], nonce: str) -> None:
        """One minute left: say so in the thread."""
        debate, phase = due
        await self._post(debate.thread_id, nonce, content=f"One minute left in the **{phase.name}** phase.")

    async def announce_time_up(self, change: formats.PhaseChange, nonce: str) -> None:
        """Time's up: the debate moved on; post the next phase's banner."""
        await self._post(change.debate.thread_id, nonce, **phase_change_message(change, "Time's up"))

    async def _post(self, thread_id: int, nonce: str, **message: Any) -> None:
        """Post once: sent again with the same nonce (a retried timer), Discord returns the earlier message."""
        await self.bot.get_partial_messageable(thread_id).send(nonce=nonce, **message)


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(FormatsCog(bot))
