"""Message context menus: “Log as claim”, “Log as rebuttal”, “Log as crux” — the record from plain chat."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core.claims import arguments as claims
from bot.core.claims.similar import Record
from bot.core.cruxes import lifecycle as cruxes
from bot.core.errors import InvalidInput
from bot.core.records import ClaimSnapshot
from cogs import render
from cogs.common import (
    Interaction,
    actor,
    check_logging_rate,
    respond,
    write_debate,
    write_debate_in_place,
)
from cogs.cruxes import crux_view
from cogs.similar import embed_later, hint_if_duplicate
from cogs.views import DebateSelect
from schema import ClaimKind


def chat_message(interaction: Interaction, message: discord.Message) -> claims.ChatMessage:
    """What the core needs of a Discord message."""
    return claims.ChatMessage(
        id=message.id,
        author_id=message.author.id,
        content=message.content,
        jump_url=message.jump_url,
        channel_id=message.channel.id,
        reply_to_id=message.reference.message_id if message.reference else None,
        by_this_bot=interaction.client.user is not None and message.author.id == interaction.client.user.id,
    )


class ClaimPicker(DebateSelect, template=r"log:rebuttal:(?P<pending>\d+)(?::(?P<message>\d+))?"):
    """Asks the logger which claim a rebuttal logged from chat answers: the options' values are the claims'
    numbers; the custom_id carries the pending rebuttal kept meanwhile (the message as the context menu delivered
    it) and the message's id, so a pick works after a restart too. A picker of an earlier version carries only the
    message's id: it is answered as expired."""

    def __init__(self, pending_id: int, message_id: int = 0, options: Sequence[discord.SelectOption] = ()) -> None:
        custom_id = f"log:rebuttal:{pending_id}:{message_id}"
        super().__init__(
            discord.ui.Select(custom_id=custom_id, placeholder="Which claim does it rebut?", options=[*options])
        )
        self.pending_id, self.message_id = pending_id, message_id

    @classmethod
    def restore(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> Self:
        return cls(int(match["pending"]), int(match["message"] or 0))

    async def press(self, interaction: Interaction) -> None:
        """Log the kept message as a rebuttal of the claim picked; the picker is edited in place."""
        parent = claims.picked_claim(self.item.values)
        if self.message_id:
            await require_message_in_thread(interaction, self.message_id)
        who = actor(interaction)
        logged = await write_debate_in_place(interaction, claims.log_picked_rebuttal, who, self.pending_id, parent)
        await interaction.response.edit_message(content=f"Logged as Rebuttal #{logged.claim.number}.", view=None)
        await announce_rebuttal(interaction, logged)


def picker_view(message: claims.ChatMessage, pick: claims.RebuttalPick, order: list[ClaimSnapshot]) -> discord.ui.View:
    """The claim picker offering ``pick``'s candidates in that order."""
    options = [discord.SelectOption(label=pick.label(claim), value=str(claim.number)) for claim in order]
    view = discord.ui.View(timeout=None)
    view.add_item(ClaimPicker(pick.pending_id, message.id, options))
    return view


async def require_message_in_thread(interaction: Interaction, message_id: int) -> None:
    """:class:`InvalidInput` unless the message with this id is (still) in the interaction's channel. Without the
    Message Content intent a fetched message's text comes back empty: only its presence is relied on."""
    gone = InvalidInput("That message is no longer in this thread: there is nothing to log.")
    channel = interaction.channel
    if not isinstance(channel, discord.abc.Messageable):
        raise gone
    try:
        await channel.fetch_message(message_id)
    except discord.NotFound:
        raise gone from None


async def announce_rebuttal(interaction: Interaction, logged: claims.Logged) -> None:
    await respond(interaction, embed=render.claim_embed(logged))
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
        chat = chat_message(interaction, message)
        logged = await write_debate(interaction, claims.log_message, actor(interaction), chat, ClaimKind.CLAIM)
        await respond(interaction, embed=render.claim_embed(logged))
        hint_if_duplicate(interaction, Record.CLAIM, logged.claim.id)

    async def log_rebuttal(self, interaction: Interaction, message: discord.Message) -> None:
        chat = chat_message(interaction, message)
        found = await write_debate(interaction, claims.log_chat_rebuttal, actor(interaction), chat)
        if isinstance(found, claims.Logged):
            await announce_rebuttal(interaction, found)
            return
        candidates = found.candidates
        order = await interaction.client.similar.ordered(
            candidates[0].debate_id, chat.content, candidates, chat.author_id
        )
        view = picker_view(chat, found, order)
        await respond(interaction, "Which claim does this message rebut?", view=view, ephemeral=True)

    async def log_crux(self, interaction: Interaction, message: discord.Message) -> None:
        chat = chat_message(interaction, message)
        crux = await write_debate(interaction, cruxes.log_message_as_crux, actor(interaction), chat)
        await respond(interaction, embed=render.crux_embed(crux), view=crux_view(crux))
        hint_if_duplicate(interaction, Record.CRUX, crux.id)


async def setup(bot: DebateBot) -> None:
    bot.add_dynamic_items(ClaimPicker)
    await bot.add_cog(CaptureCog(bot))
