"""/crux add, credence and resolve."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core import cruxes
from cogs import render
from cogs.common import Interaction, actor, claim_autocomplete, crux_autocomplete, open_debate


class CruxCog(commands.GroupCog, group_name="crux", group_description="Cruxes: questions that would change minds"):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    @app_commands.command(name="add", description="Name a crux: a question whose answer would change your mind")
    @app_commands.describe(question="The question", claim="A claim this crux bears on")
    @app_commands.autocomplete(claim=claim_autocomplete)
    async def add(self, interaction: Interaction, question: str, claim: int | None = None) -> None:
        async with open_debate(interaction) as (session, debate):
            crux, linked = await cruxes.add_crux(session, debate, actor(interaction), question, claim)
        await interaction.response.send_message(embed=render.crux_embed(crux, linked))

    @app_commands.command(name="credence", description="Record how likely you think a crux is true (0–100)")
    @app_commands.describe(crux="The crux", value="Your credence, 0 to 100", reason="What moved you (optional)")
    @app_commands.autocomplete(crux=crux_autocomplete)
    async def credence(self, interaction: Interaction, crux: int, value: int, reason: str | None = None) -> None:
        async with open_debate(interaction) as (session, debate):
            recorded = await cruxes.record_credence(session, debate, actor(interaction), crux, value, reason)
        moved = "" if recorded.previous is None else f" (was {recorded.previous})"
        message = f"{interaction.user.mention}: **{value}**{moved} on Crux #{recorded.crux.number}"
        if recorded.credence.reason:
            message += f" — {discord.utils.escape_markdown(recorded.credence.reason)}"
        await interaction.response.send_message(message)

    @app_commands.command(name="resolve", description="Resolve a crux (debate creator or Manage Threads)")
    @app_commands.describe(crux="The crux", resolution="How it was resolved")
    @app_commands.autocomplete(crux=crux_autocomplete)
    async def resolve(self, interaction: Interaction, crux: int, resolution: str) -> None:
        async with open_debate(interaction) as (session, debate):
            resolved = await cruxes.resolve_crux(session, debate, actor(interaction), crux, resolution)
        embed = discord.Embed(
            title=f"Crux #{resolved.number} resolved", description=resolved.question, colour=discord.Colour.green()
        )
        embed.add_field(name="Resolution", value=resolved.resolution or "", inline=False)
        embed.add_field(name="Resolved by", value=interaction.user.mention)
        await interaction.response.send_message(embed=embed)


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(CruxCog(bot))
