"""/agenda: the research agendas debates belong to; and the timer posting the digests set with /digest."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core.debates import digests
from bot.core.debates import lifecycle as core
from bot.core.opinion import divides
from bot.core.scoring import scores as track_record
from bot.core.summary.pages import agenda_page
from bot.core.summary.queries import summarize_agenda
from bot.core.visibility import Audience
from bot.runtime.visibility import post_audience
from cogs import options as o
from cogs import render
from cogs.common import (
    Interaction,
    agenda_autocomplete,
    defer,
    private_audience,
    public_audience,
    read_server,
    read_server_in_background,
    respond,
)
from cogs.pages import page_message, send_pages, send_track_record


class AgendaCog(commands.GroupCog, group_name="agenda", group_description="Research agendas and their debates"):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.scheduler.register(digests.DIGEST, digests.digest_due, self.post_digest, digests.digest_recalled)

    @app_commands.command(name="list", description="This server's research agendas and their debates")
    async def list_(self, interaction: Interaction) -> None:
        found = await read_server(interaction, core.agendas, private_audience(interaction))
        blocks = [
            f"**{render.escape(agenda.name)}** — {n_open} open, {n_all} in all" for agenda, n_open, n_all in found
        ] or ["No agendas yet: give one with /debate start agenda:…"]
        await send_pages(interaction, ["\n".join(blocks)], ephemeral=True, title="Agendas")

    @app_commands.command(name="summary", description="The unresolved cruxes across all debates of an agenda")
    @app_commands.describe(agenda="The research agenda")
    @app_commands.autocomplete(agenda=agenda_autocomplete)
    async def summary(self, interaction: Interaction, agenda: o.Number) -> None:
        await defer(interaction)
        found = await read_server(interaction, summarize_agenda, agenda, public_audience(interaction))
        given = await read_server(interaction, divides.read_agenda_input, agenda, public_audience(interaction))
        bridged = await asyncio.to_thread(divides.assess, given)
        await respond(interaction, **page_message(agenda_page(found, 0, render.mention, bridged), "agenda", agenda))

    @app_commands.command(name="scores", description="Who forecast an agenda's resolved cruxes best, and calibration")
    @app_commands.describe(agenda="The research agenda")
    @app_commands.autocomplete(agenda=agenda_autocomplete)
    async def scores(self, interaction: Interaction, agenda: o.Number) -> None:
        await defer(interaction)
        record = await read_server(interaction, track_record.agenda_track_record, agenda, public_audience(interaction))
        await send_track_record(interaction, record)

    async def post_digest(self, due: digests.DigestDue, nonce: str) -> None:
        """Post a digest that came due with something new (the timer's job re-armed it), with the debates everyone
        reading its channel can see (none if this process's cache does not hold the channel)."""
        place = self.bot.get_channel(due.channel_id)
        audience = (
            post_audience(place)
            if isinstance(place, discord.abc.GuildChannel | discord.Thread)
            else Audience(frozenset(), public=True)
        )
        summary = await read_server_in_background(self.bot, summarize_agenda, due.guild_id, due.agenda_id, audience)
        page = agenda_page(summary, 0, render.mention)
        channel = self.bot.get_partial_messageable(due.channel_id)
        title = f"Digest: {render.escape(summary.name)}"
        await channel.send(nonce=nonce, **page_message(page, "agenda", due.agenda_id, title=title))


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(AgendaCog(bot))
