"""/digest: an agenda's summary posted to a channel on a schedule. A top-level command of its own, for members with
Manage Threads by default (Discord honours ``default_member_permissions`` on top-level commands only), so that
server admins can manage who may use it in Server Settings → Integrations while ``/agenda`` stays open to members.
The posting itself is the agenda cog's timer handler."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core.debates import digests
from bot.core.debates.formats import relative_time
from cogs import options as o
from cogs import render
from cogs.common import Interaction, agenda_autocomplete, respond, write_server
from schema import DigestEvery

PERIOD_NAMES = {"daily": "day", "weekly": "week"}


@app_commands.default_permissions(manage_threads=True)
class DigestCog(commands.GroupCog, group_name="digest", group_description="Post an agenda's summary on a schedule"):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    @app_commands.command(name="set", description="Post an agenda's summary to a channel every day or week")
    @app_commands.describe(
        agenda="The research agenda",
        channel="Where to post it",
        every="How often; a day or week with nothing new is skipped",
    )
    @app_commands.autocomplete(agenda=agenda_autocomplete)
    async def set_(
        self,
        interaction: Interaction,
        agenda: o.Number,
        channel: discord.TextChannel,
        every: Literal["daily", "weekly"],
    ) -> None:
        now = self.bot.clock.now()
        scheduled = await write_server(interaction, digests.set_digest, agenda, channel.id, DigestEvery(every), now)
        self.bot.scheduler.wake()
        await respond(
            interaction,
            f"The summary of **{render.escape(scheduled.agenda.name)}** will be posted {every} in {channel.mention}, "
            f"first {relative_time(scheduled.next_at)}; a {PERIOD_NAMES[every]} with nothing new is skipped.",
        )

    @app_commands.command(name="stop", description="Stop posting an agenda's digest")
    @app_commands.describe(agenda="The research agenda")
    @app_commands.autocomplete(agenda=agenda_autocomplete)
    async def stop(self, interaction: Interaction, agenda: o.Number) -> None:
        stopped = await write_server(interaction, digests.stop_digest, agenda)
        await respond(interaction, f"The digest of **{render.escape(stopped.name)}** is off.")


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(DigestCog(bot))
