"""/agenda: the research agendas debates belong to."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core import debates as core
from bot.core.summary import render_agenda_summary, summarize_agenda
from cogs import render
from cogs.common import Interaction, agenda_autocomplete, markdown_file, send_pages


class AgendaCog(commands.GroupCog, group_name="agenda", group_description="Research agendas and their debates"):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

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
        async with self.bot.db.read() as session:
            found = await summarize_agenda(session, interaction.guild_id or 0, agenda)
        await interaction.response.defer(thinking=True)
        whole = render_agenda_summary(found, render.mention, quote_limit=None)
        await send_pages(
            interaction,
            render_agenda_summary(found, render.mention),
            ephemeral=False,
            colour=render.SUMMARY_COLOUR,
            attachment=markdown_file(whole, "agenda-summary.md"),
        )


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(AgendaCog(bot))
