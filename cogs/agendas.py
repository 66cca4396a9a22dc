"""/agenda: the research agendas debates belong to."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot.client import DebateBot
from bot.core import debates as core
from bot.core import digests
from bot.core import scores as track_record
from bot.core.formats import relative_time
from bot.core.summary import render_agenda_summary, summarize_agenda
from bot.scheduler import AfterCommit
from cogs import render
from cogs.common import (
    Interaction,
    actor,
    agenda_autocomplete,
    defer,
    page_embeds,
    respond,
    send_pages,
    send_track_record,
)
from schema import DigestEvery, Timer

PERIOD_NAMES = {"daily": "day", "weekly": "week"}


class AgendaCog(commands.GroupCog, group_name="agenda", group_description="Research agendas and their debates"):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.scheduler.register(digests.DIGEST, self.digest_due)

    @app_commands.command(name="list", description="This server's research agendas and their debates")
    @app_commands.guild_only()
    async def list_(self, interaction: Interaction) -> None:
        async with self.bot.db.read() as session:
            found = await core.agendas(session, interaction.guild_id or 0)
        blocks = [
            f"**{render.escape(agenda.name)}** — {n_open} open, {n_all} in all" for agenda, n_open, n_all in found
        ] or ["No agendas yet: give one with /debate start agenda:…"]
        await send_pages(interaction, ["\n".join(blocks)], ephemeral=True, title="Agendas")

    @app_commands.command(name="summary", description="The unresolved cruxes across all debates of an agenda")
    @app_commands.describe(agenda="The research agenda")
    @app_commands.autocomplete(agenda=agenda_autocomplete)
    @app_commands.guild_only()
    async def summary(self, interaction: Interaction, agenda: int) -> None:
        await defer(interaction)
        async with self.bot.db.read() as session:
            found = await summarize_agenda(session, interaction.guild_id or 0, agenda)
        await send_pages(
            interaction, render_agenda_summary(found, render.mention), ephemeral=False, colour=render.SUMMARY_COLOUR
        )

    @app_commands.command(name="scores", description="Who forecast an agenda's resolved cruxes best, and calibration")
    @app_commands.describe(agenda="The research agenda")
    @app_commands.autocomplete(agenda=agenda_autocomplete)
    @app_commands.guild_only()
    async def scores(self, interaction: Interaction, agenda: int) -> None:
        guild_id = interaction.guild_id or 0
        async with self.bot.db.read() as session:
            found = await core.agenda_in_guild(session, guild_id, agenda)
            record = await session.run_sync(track_record.agenda_track_record, guild_id, agenda)
        await send_track_record(interaction, record, f"Scores · {found.name}")

    @app_commands.command(name="digest", description="Post an agenda's summary to a channel every day or week")
    @app_commands.describe(
        agenda="The research agenda",
        channel="Where to post it",
        every="How often; off stops it. A day or week with nothing new is skipped.",
    )
    @app_commands.autocomplete(agenda=agenda_autocomplete)
    @app_commands.guild_only()
    async def digest(
        self,
        interaction: Interaction,
        agenda: int,
        channel: discord.TextChannel,
        every: Literal["daily", "weekly", "off"],
    ) -> None:
        async with self.bot.db.write() as session:
            if every == "off":
                stopped = await digests.stop_digest(session, actor(interaction), agenda)
                answer = f"The digest of **{render.escape(stopped.name)}** is off."
            else:
                scheduled = await digests.set_digest(
                    session, actor(interaction), agenda, channel.id, DigestEvery(every), self.bot.clock.now()
                )
                answer = (
                    f"The summary of **{render.escape(scheduled.agenda.name)}** will be posted {every} in "
                    f"{channel.mention}, first {relative_time(scheduled.next_at)}; "
                    f"a {PERIOD_NAMES[every]} with nothing new is skipped."
                )
        self.bot.scheduler.wake()
        await respond(interaction, answer)

    async def digest_due(self, session: AsyncSession, timer: Timer, now: datetime) -> AfterCommit | None:
        """The digest timer's handler: re-arm it, and post the summary after the commit if there is something new."""
        due = await digests.digest_due(session, timer, now)
        return None if due is None else partial(self._post_digest, due)

    async def _post_digest(self, due: digests.DigestDue) -> None:
        channel = self.bot.get_partial_messageable(due.channel_id)
        title = f"Digest: {render.escape(due.summary.name)}"
        for embed in page_embeds(
            render_agenda_summary(due.summary, render.mention), title=title, colour=render.SUMMARY_COLOUR
        ):
            await channel.send(embed=embed)


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(AgendaCog(bot))
