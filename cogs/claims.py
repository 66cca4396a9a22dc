"""/claim and /rebut: logging claims and attacks on them."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core import claims
from cogs import render
from cogs.common import Interaction, actor, claim_autocomplete, open_debate, side_autocomplete
from schema import ClaimKind


class ClaimsCog(commands.Cog):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    @app_commands.command(name="claim", description="Log a claim in this debate")
    @app_commands.describe(text="The claim", side="The side it argues for (default: the side you joined)")
    @app_commands.autocomplete(side=side_autocomplete)
    async def claim(self, interaction: Interaction, text: str, side: str | None = None) -> None:
        async with open_debate(interaction) as (session, debate):
            logged = await claims.add_claim(session, debate, actor(interaction), text, side)
        await interaction.response.send_message(embed=render.claim_embed(logged))

    @app_commands.command(name="rebut", description="Log a rebuttal: an attack on a claim")
    @app_commands.describe(claim="The claim you rebut", text="Your rebuttal")
    @app_commands.autocomplete(claim=claim_autocomplete)
    async def rebut(self, interaction: Interaction, claim: int, text: str) -> None:
        async with open_debate(interaction) as (session, debate):
            logged = await claims.add_reply(session, debate, actor(interaction), claim, text, ClaimKind.REBUTTAL)
        await interaction.response.send_message(embed=render.claim_embed(logged))


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(ClaimsCog(bot))
