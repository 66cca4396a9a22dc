"""/claim, /rebut, /support, /edit, /withdraw and /history. Leave the text out to write it in a modal."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core.claims import arguments as claims
from bot.core.claims.similar import Record
from bot.core.records import SideSnapshot
from cogs import options as o
from cogs import render
from cogs.common import (
    Interaction,
    actor,
    claim_autocomplete,
    logging_rate,
    read_debate,
    respond,
    side_autocomplete,
    write_debate,
)
from cogs.pages import send_pages
from cogs.similar import embed_later, hint_if_duplicate
from cogs.views import TEXT, text_modal, text_or_modal
from schema import ClaimKind, ClaimNumber


async def log_claim(interaction: Interaction, body: str, side: str | None) -> None:
    logged = await write_debate(interaction, claims.add_claim, actor(interaction), body, side)
    await respond(interaction, embed=render.claim_embed(logged))
    hint_if_duplicate(interaction, Record.CLAIM, logged.claim.id)


async def log_reply(interaction: Interaction, claim: ClaimNumber, body: str, kind: ClaimKind) -> None:
    logged = await write_debate(interaction, claims.add_reply, actor(interaction), claim, body, kind)
    await respond(interaction, embed=render.claim_embed(logged))
    embed_later(interaction, Record.CLAIM, logged.claim.id)


async def save_edit(interaction: Interaction, claim: ClaimNumber, body: str) -> None:
    edited = await write_debate(interaction, claims.edit_claim, actor(interaction), claim, body)
    await respond(interaction, embed=render.edited_embed(edited))
    embed_later(interaction, Record.CLAIM, edited.id)


async def claim_submitted(interaction: Interaction, match: re.Match[str], values: Mapping[str, str]) -> None:
    await log_claim(interaction, values.get(TEXT, ""), match["side"] or None)


async def reply_submitted(interaction: Interaction, match: re.Match[str], values: Mapping[str, str]) -> None:
    await log_reply(interaction, ClaimNumber(int(match["claim"])), values.get(TEXT, ""), ClaimKind(match["kind"]))


async def edit_submitted(interaction: Interaction, match: re.Match[str], values: Mapping[str, str]) -> None:
    await save_edit(interaction, ClaimNumber(int(match["claim"])), values.get(TEXT, ""))


class ClaimsCog(commands.Cog):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    @app_commands.command(name="claim", description="Log a claim in this debate (leave text out for a larger box)")
    @app_commands.describe(text="The claim", side="The side it argues for (default: the side you joined)")
    @app_commands.autocomplete(side=side_autocomplete)
    @logging_rate
    async def claim(
        self, interaction: Interaction, text: o.ClaimText | None = None, side: o.SideName | None = None
    ) -> None:
        def modal(chosen: SideSnapshot) -> discord.ui.Modal:
            named = chosen.name if side and side.strip() else ""  # the side's own name: it fits in the custom_id
            return text_modal(f"claim:{named}", title="Your claim")

        check = partial(claims.claim_side, actor=actor(interaction), side_name=side)
        await text_or_modal(interaction, text, partial(log_claim, side=side), modal, check)

    @app_commands.command(name="rebut", description="Log a rebuttal: an attack on a claim")
    @app_commands.describe(claim="The number of the claim you rebut", text="Your rebuttal (leave out for a larger box)")
    @app_commands.autocomplete(claim=claim_autocomplete)
    @logging_rate
    async def rebut(self, interaction: Interaction, claim: o.Number, text: o.ClaimText | None = None) -> None:
        await self._reply(interaction, ClaimNumber(claim), text, ClaimKind.REBUTTAL)

    @app_commands.command(name="support", description="Log a support: a reason that backs a claim")
    @app_commands.describe(
        claim="The number of the claim you support", text="Your support (leave out for a larger box)"
    )
    @app_commands.autocomplete(claim=claim_autocomplete)
    @logging_rate
    async def support(self, interaction: Interaction, claim: o.Number, text: o.ClaimText | None = None) -> None:
        await self._reply(interaction, ClaimNumber(claim), text, ClaimKind.SUPPORT)

    async def _reply(self, interaction: Interaction, claim: ClaimNumber, text: str | None, kind: ClaimKind) -> None:
        check = partial(claims.reply_target, actor=actor(interaction), parent=claim, kind=kind)
        await text_or_modal(
            interaction,
            text,
            lambda answer, body: log_reply(answer, claim, body, kind),
            lambda _: text_modal(f"{kind.value}:{claim}", title=f"Your {kind.value}"),
            check,
        )

    @app_commands.command(name="edit", description="Edit your own claim, rebuttal or support (history is kept)")
    @app_commands.describe(claim="The number of your entry", text="The new text (leave out for a larger box)")
    @app_commands.autocomplete(claim=claim_autocomplete)
    async def edit(self, interaction: Interaction, claim: o.Number, text: o.ClaimText | None = None) -> None:
        number = ClaimNumber(claim)
        check = partial(claims.editable_claim, actor=actor(interaction), number=number)
        await text_or_modal(
            interaction,
            text,
            lambda answer, body: save_edit(answer, number, body),
            lambda _: text_modal(f"edit:{number}", title="New text"),
            check,
        )

    @app_commands.command(name="withdraw", description="Withdraw your entry (moderators: anyone's); it stays marked")
    @app_commands.describe(claim="The number of the entry to withdraw")
    @app_commands.autocomplete(claim=claim_autocomplete)
    async def withdraw(self, interaction: Interaction, claim: o.Number) -> None:
        withdrawn = await write_debate(interaction, claims.withdraw_claim, actor(interaction), ClaimNumber(claim))
        await respond(interaction, render.withdrawn_message(withdrawn, interaction.user.id))

    @app_commands.command(name="history", description="The earlier texts of an edited claim, rebuttal or support")
    @app_commands.describe(claim="The number of the entry")
    @app_commands.autocomplete(claim=claim_autocomplete)
    async def history(self, interaction: Interaction, claim: o.Number) -> None:
        found = await read_debate(interaction, claims.claim_history, ClaimNumber(claim))
        await send_pages(interaction, render.history_blocks(found), ephemeral=True, title=render.history_title(found))


async def setup(bot: DebateBot) -> None:
    bot.modals.add(r"claim:(?P<side>(?s:.*))", claim_submitted)
    bot.modals.add(r"(?P<kind>rebuttal|support):(?P<claim>\d+)", reply_submitted)
    bot.modals.add(r"edit:(?P<claim>\d+)", edit_submitted)
    await bot.add_cog(ClaimsCog(bot))
