"""/privacy: what the bot keeps about a member, answered privately anywhere in a server (the text lives in
``bot.core.privacy.statement``). Export and erasure (``/mydata``, ``/debate delete``'s confirmation) are in
``cogs/mydata.py``."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core.privacy.statement import removed_after, statement
from cogs.common import Interaction, respond


class PrivacyCog(commands.Cog):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    @app_commands.command(name="privacy", description="What this bot keeps about you, why, for how long, who sees it")
    async def privacy(self, interaction: Interaction) -> None:
        embed = discord.Embed(
            title="What this bot keeps about you",
            description=statement(
                removed=removed_after(self.bot.settings.server_retention_days),
                model=self.bot.settings.llm_destination(),
            ),
            colour=discord.Colour.blurple(),
        )
        await respond(interaction, embed=embed, ephemeral=True)


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
