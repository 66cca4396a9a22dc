"""Message context menus: “Log as claim”, “Log as rebuttal”, “Log as crux” — the record from plain chat."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot, report_error
from bot.core import claims, cruxes
from bot.core import text as t
from bot.core.errors import InvalidInput
from bot.core.similar import Record
from cogs import render
from cogs.common import Interaction, actor, check_logging_rate, in_open_debate, open_debate, respond
from cogs.similar import embed_later, hint_if_duplicate
from cogs.views import crux_view
from schema import Claim, ClaimKind


def chat_message(message: discord.Message) -> claims.ChatMessage:
    """What the core needs of a Discord message."""
    return claims.ChatMessage(
        id=message.id,
        author_id=message.author.id,
        content=message.content,
        jump_url=message.jump_url,
        reply_to_id=message.reference.message_id if message.reference else None,
    )


class ClaimPicker(discord.ui.View):
    """Asks, only the logger, which claim a rebuttal logged from chat answers."""

    def __init__(self, message: claims.ChatMessage, candidates: list[Claim]) -> None:
        super().__init__(timeout=600)
        self.message = message
        self.select: discord.ui.Select[ClaimPicker] = discord.ui.Select(
            placeholder="Which claim does it rebut?",
            options=[
                discord.SelectOption(label=t.one_line(f"#{c.number} {c.text}", 100), value=str(c.id))
                for c in candidates
            ],
        )
        self.select.callback = self.picked  # type: ignore[assignment]
        self.add_item(self.select)

    async def picked(self, interaction: Interaction) -> None:
        await log_rebuttal(interaction, self.message, int(self.select.values[0]), picker=True)

    async def on_error(self, interaction: Interaction, error: Exception, item: Any) -> None:  # type: ignore[override]
        await report_error(interaction, error)


async def log_rebuttal(interaction: Interaction, message: claims.ChatMessage, parent_id: int, *, picker: bool) -> None:
    who = actor(interaction)
    logged = await in_open_debate(
        interaction,
        lambda session, debate: claims.log_message(session, debate, who, message, ClaimKind.REBUTTAL, parent_id),
        may_defer=not picker,  # the picker is edited in place
    )
    embed = render.claim_embed(logged)
    if picker:
        await interaction.response.edit_message(content=f"Logged as Rebuttal #{logged.claim.number}.", view=None)
        await respond(interaction, embed=embed)
    else:
        await respond(interaction, embed=embed)
    embed_later(interaction, Record.CLAIM, logged.claim.id)


class CaptureCog(commands.Cog):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot
        self.menus = [
            app_commands.ContextMenu(name="Log as claim", callback=self.log_claim),
            app_commands.ContextMenu(name="Log as rebuttal", callback=self.log_rebuttal),
            app_commands.ContextMenu(name="Log as crux", callback=self.log_crux),
        ]
        for menu in self.menus:
            menu.add_check(check_logging_rate)

    async def cog_load(self) -> None:
        for menu in self.menus:
            self.bot.tree.add_command(menu)

    async def cog_unload(self) -> None:
        for menu in self.menus:
            self.bot.tree.remove_command(menu.name, type=menu.type)

    async def log_claim(self, interaction: Interaction, message: discord.Message) -> None:
        who, chat = actor(interaction), chat_message(message)
        logged = await in_open_debate(
            interaction, lambda session, debate: claims.log_message(session, debate, who, chat, ClaimKind.CLAIM)
        )
        await respond(interaction, embed=render.claim_embed(logged))
        hint_if_duplicate(interaction, Record.CLAIM, logged.claim.id)

    async def log_rebuttal(self, interaction: Interaction, message: discord.Message) -> None:
        chat = chat_message(message)
        async with interaction.client.db.read() as session:
            target, candidates = await session.run_sync(
                claims.rebuttal_targets, interaction.guild_id, interaction.channel_id or 0, chat
            )
        if target is not None:
            await log_rebuttal(interaction, chat, target.id or 0, picker=False)
        elif candidates:
            candidates = await interaction.client.similar.ordered(candidates[0].debate_id, chat.content, candidates)
            await respond(
                interaction, "Which claim does this message rebut?", view=ClaimPicker(chat, candidates), ephemeral=True
            )
        else:
            raise InvalidInput("There is no claim in this debate to rebut yet: log one first.")

    async def log_crux(self, interaction: Interaction, message: discord.Message) -> None:
        async with open_debate(interaction) as (session, debate):
            crux = await cruxes.log_message_as_crux(session, debate, actor(interaction), chat_message(message))
        await respond(interaction, embed=render.crux_embed(crux), view=crux_view(crux))
        hint_if_duplicate(interaction, Record.CRUX, crux.id)


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(CaptureCog(bot))
