"""/debate start, join and summary."""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core import debates as core
from bot.core.errors import WrongPlace
from bot.core.summary import summarize
from cogs import render
from cogs.common import Interaction, actor, open_debate, side_autocomplete

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: Discord's longest


class DebateCog(commands.GroupCog, group_name="debate", group_description="Start and follow structured debates"):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    @app_commands.command(name="start", description="Start a debate in a new thread of this channel")
    @app_commands.describe(
        topic="The question under debate",
        agenda="The research agenda it belongs to (created on first use)",
        sides="Comma-separated sides (default: for, against)",
    )
    @app_commands.guild_only()
    @app_commands.checks.has_permissions(create_public_threads=True)
    async def start(
        self, interaction: Interaction, topic: str, agenda: str | None = None, sides: str | None = None
    ) -> None:
        plan = core.plan_debate(topic, agenda, sides)
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            raise WrongPlace("Start a debate from a server text channel: it will get a thread of its own.")
        await interaction.response.defer(thinking=True)
        thread = await channel.create_thread(
            name=plan.thread_name,
            type=discord.ChannelType.public_thread,
            auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            reason=f"Debate started by {interaction.user}",
        )
        try:
            async with self.bot.db.write() as session:
                debate = await core.start_debate(
                    session, actor(interaction), plan, channel_id=channel.id, thread_id=thread.id
                )
                sides_ = await core.sides_of(session, debate)
        except BaseException:
            await thread.delete()
            raise
        await thread.send(embed=render.opening_embed(debate, sides_, plan.agenda))
        await interaction.followup.send(f"Debate #{debate.number} started: {thread.jump_url}")

    @app_commands.command(name="join", description="Join a side of this debate")
    @app_commands.describe(side="The side you argue for")
    @app_commands.autocomplete(side=side_autocomplete)
    async def join(self, interaction: Interaction, side: str) -> None:
        async with open_debate(interaction) as (session, debate):
            joined = await core.join(session, debate, interaction.user.id, side)
        name = discord.utils.escape_markdown(joined.side.name)
        if joined.previous is None:
            message = f"{interaction.user.mention} joined **{name}**."
        elif joined.previous.id == joined.side.id:
            message = f"{interaction.user.mention} is already on **{name}**."
        else:
            previous = discord.utils.escape_markdown(joined.previous.name)
            message = f"{interaction.user.mention} moved from **{previous}** to **{name}**."
        await interaction.response.send_message(message)

    @app_commands.command(name="summary", description="Post the summary of this debate's unresolved cruxes")
    async def summary(self, interaction: Interaction) -> None:
        async with self.bot.db.read() as session:
            debate = await core.debate_in_thread(session, interaction.guild_id, interaction.channel_id or 0)
            await interaction.response.defer(thinking=True)
            summary = await summarize(session, debate)
        first, *rest = render.summary_embeds(summary)
        await interaction.followup.send(embed=first)
        for embed in rest:
            await interaction.followup.send(embed=embed)


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(DebateCog(bot))
