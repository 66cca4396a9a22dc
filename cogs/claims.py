"""/claim, /rebut, /support, /edit and /withdraw. Leave the text out to write it in a modal."""

from __future__ import annotations

from functools import partial

from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core import claims
from bot.core.similar import Record
from cogs import render
from cogs.common import Interaction, actor, claim_autocomplete, in_open_debate, logging_rate, respond, side_autocomplete
from cogs.similar import embed_later, hint_if_duplicate
from cogs.views import text_or_modal
from schema import ClaimKind


class ClaimsCog(commands.Cog):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    @app_commands.command(name="claim", description="Log a claim in this debate (leave text out for a larger box)")
    @app_commands.describe(text="The claim", side="The side it argues for (default: the side you joined)")
    @app_commands.autocomplete(side=side_autocomplete)
    @logging_rate
    async def claim(self, interaction: Interaction, text: str | None = None, side: str | None = None) -> None:
        async def log(answer: Interaction, body: str) -> None:
            who = actor(answer)
            logged = await in_open_debate(
                answer, lambda session, debate: claims.add_claim(session, debate, who, body, side)
            )
            await respond(answer, embed=render.claim_embed(logged))
            hint_if_duplicate(answer, Record.CLAIM, logged.claim.id)

        who = actor(interaction)
        check = partial(claims.claim_side, actor=who, side_name=side)
        await text_or_modal(interaction, text, log, title="Your claim", check=check)

    @app_commands.command(name="rebut", description="Log a rebuttal: an attack on a claim")
    @app_commands.describe(claim="The claim you rebut", text="Your rebuttal (leave out for a larger box)")
    @app_commands.autocomplete(claim=claim_autocomplete)
    @logging_rate
    async def rebut(self, interaction: Interaction, claim: int, text: str | None = None) -> None:
        await self._reply(interaction, claim, text, ClaimKind.REBUTTAL)

    @app_commands.command(name="support", description="Log a support: a reason that backs a claim")
    @app_commands.describe(claim="The claim you support", text="Your support (leave out for a larger box)")
    @app_commands.autocomplete(claim=claim_autocomplete)
    @logging_rate
    async def support(self, interaction: Interaction, claim: int, text: str | None = None) -> None:
        await self._reply(interaction, claim, text, ClaimKind.SUPPORT)

    async def _reply(self, interaction: Interaction, claim_id: int, text: str | None, kind: ClaimKind) -> None:
        async def log(answer: Interaction, body: str) -> None:
            who = actor(answer)
            logged = await in_open_debate(
                answer, lambda session, debate: claims.add_reply(session, debate, who, claim_id, body, kind)
            )
            await respond(answer, embed=render.claim_embed(logged))
            embed_later(answer, Record.CLAIM, logged.claim.id)

        check = partial(claims.reply_target, actor=actor(interaction), parent_id=claim_id, kind=kind)
        await text_or_modal(interaction, text, log, title=f"Your {kind.value}", check=check)

    @app_commands.command(name="edit", description="Edit your own claim, rebuttal or support (history is kept)")
    @app_commands.describe(claim="Your entry", text="The new text (leave out for a larger box)")
    @app_commands.autocomplete(claim=claim_autocomplete)
    async def edit(self, interaction: Interaction, claim: int, text: str | None = None) -> None:
        async def save(answer: Interaction, body: str) -> None:
            who = actor(answer)
            edited = await in_open_debate(
                answer, lambda session, debate: claims.edit_claim(session, debate, who, claim, body)
            )
            await respond(answer, embed=render.edited_embed(edited))
            embed_later(answer, Record.CLAIM, edited.id)

        check = partial(claims.editable_claim, actor=actor(interaction), claim_id=claim)
        await text_or_modal(interaction, text, save, title="New text", check=check)

    @app_commands.command(name="withdraw", description="Withdraw your entry (moderators: anyone's); it stays marked")
    @app_commands.describe(claim="The entry to withdraw")
    @app_commands.autocomplete(claim=claim_autocomplete)
    async def withdraw(self, interaction: Interaction, claim: int) -> None:
        who = actor(interaction)
        withdrawn = await in_open_debate(
            interaction, lambda session, debate: claims.withdraw_claim(session, debate, who, claim)
        )
        await respond(interaction, render.withdrawn_message(withdrawn, interaction.user.id))


async def setup(bot: DebateBot) -> None:
    await bot.add_cog(ClaimsCog(bot))
