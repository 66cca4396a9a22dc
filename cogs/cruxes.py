"""/crux: add, credence, resolve, reopen, list, mine."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Literal

from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core import cruxes, doublecrux, scores
from bot.core import text as t
from bot.core.similar import Record
from bot.core.summary import summarize
from cogs import render
from cogs.common import (
    Interaction,
    actor,
    any_debate,
    claim_autocomplete,
    crux_autocomplete,
    logging_rate,
    open_debate,
    resolved_crux_autocomplete,
    respond,
    send_pages,
    send_track_record,
)
from cogs.similar import hint_if_duplicate
from cogs.views import TEXT, add_crux_components, crux_view, record_credence, resolve, text_modal, text_or_modal
from schema import CruxOutcome


async def name_crux(interaction: Interaction, question: str, claim: int | None) -> None:
    """Name a crux, linked to claim #``claim`` if given, and post it with its buttons."""
    async with open_debate(interaction) as (session, debate):
        crux, linked = await cruxes.add_crux(session, debate, actor(interaction), question, claim)
    await respond(interaction, embed=render.crux_embed(crux, linked), view=crux_view(crux))
    hint_if_duplicate(interaction, Record.CRUX, crux.id)


async def crux_submitted(interaction: Interaction, match: re.Match[str], values: Mapping[str, str]) -> None:
    await name_crux(interaction, values.get(TEXT, ""), int(match["claim"]) if match["claim"] else None)


class CruxCog(commands.GroupCog, group_name="crux", group_description="Cruxes: questions that would change minds"):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    @app_commands.command(name="add", description="Name a crux: a question whose answer would change your mind")
    @app_commands.describe(
        question="The question (leave out for a larger box)", claim="The number of a claim this crux bears on"
    )
    @app_commands.autocomplete(claim=claim_autocomplete)
    @logging_rate
    async def add(self, interaction: Interaction, question: str | None = None, claim: int | None = None) -> None:
        modal = text_modal(
            f"crux:{'' if claim is None else claim}",
            title="Your crux",
            label="What would change your mind?",
            max_length=t.QUESTION_MAX,
        )
        await text_or_modal(
            interaction,
            question,
            lambda answer, body: name_crux(answer, body, claim),
            lambda _: modal,
            partial(cruxes.crux_claim, claim=claim),
        )

    @app_commands.command(name="credence", description="Record how likely you think a crux is true (0–100)")
    @app_commands.describe(
        crux="The crux's number", value="Your credence, 0 to 100", reason="What moved you (optional)"
    )
    @app_commands.autocomplete(crux=crux_autocomplete)
    async def credence(self, interaction: Interaction, crux: int, value: int, reason: str | None = None) -> None:
        await record_credence(interaction, crux, value, reason)

    @app_commands.command(name="resolve", description="Resolve a crux (debate creator or Manage Threads)")
    @app_commands.describe(
        crux="The crux's number",
        resolution="How it was resolved",
        outcome="yes or no: the credences are scored; annulled: no fair answer (not scored)",
        source="A link to where the answer comes from (http or https)",
    )
    @app_commands.autocomplete(crux=crux_autocomplete)
    async def resolve(
        self,
        interaction: Interaction,
        crux: int,
        resolution: str,
        outcome: Literal["yes", "no", "annulled"] | None = None,
        source: str | None = None,
    ) -> None:
        await resolve(interaction, crux, resolution, CruxOutcome(outcome) if outcome else None, source)

    @app_commands.command(name="scores", description="Who forecast this debate's resolved cruxes best, and calibration")
    async def scores(self, interaction: Interaction) -> None:
        async with any_debate(interaction) as (session, debate):
            record = await session.run_sync(scores.debate_track_record, debate)
        await send_track_record(interaction, record, f"Scores · Debate #{debate.number}")

    @app_commands.command(name="reopen", description="Reopen a resolved crux (debate creator or Manage Threads)")
    @app_commands.describe(crux="The number of the resolved crux")
    @app_commands.autocomplete(crux=resolved_crux_autocomplete)
    async def reopen(self, interaction: Interaction, crux: int) -> None:
        async with open_debate(interaction) as (session, debate):
            reopened = await cruxes.reopen_crux(session, debate, actor(interaction), crux)
        await respond(
            interaction,
            f"Crux #{reopened.number} is open again (reopened by {interaction.user.mention}).",
            embed=render.crux_embed(reopened),
            view=crux_view(reopened),
        )

    @app_commands.command(name="list", description="This debate's cruxes")
    @app_commands.describe(status="Which cruxes (default: open)")
    async def list_(self, interaction: Interaction, status: Literal["open", "resolved", "all"] = "open") -> None:
        async with any_debate(interaction) as (session, debate):  # every crux of that status, unlike the summary
            summary = await summarize(
                session, debate, cruxes=0 if status == "resolved" else None, resolved=0 if status == "open" else None
            )
        shown = {"open": summary.unresolved, "resolved": summary.resolved, "all": summary.unresolved + summary.resolved}
        blocks = [render.crux_block(crux) for crux in shown[status]] or [f"No {status} cruxes in this debate."]
        await send_pages(interaction, blocks, ephemeral=True, title=f"Cruxes ({status})", colour=render.SUMMARY_COLOUR)

    @app_commands.command(name="mine", description="Double-crux: say whether a crux would change your mind")
    @app_commands.describe(
        crux="The crux's number", changes_my_mind="Would its answer change your mind about the motion?"
    )
    @app_commands.autocomplete(crux=crux_autocomplete)
    async def mine(self, interaction: Interaction, crux: int, changes_my_mind: bool) -> None:
        async with open_debate(interaction) as (session, debate):
            mark = await doublecrux.mark_crux(session, debate, actor(interaction), crux, changes_my_mind)
        would = "would change my mind" if mark.changes_mind else "would not change my mind"
        await respond(interaction, f"{interaction.user.mention}: Crux #{mark.crux.number} {would}.")


async def setup(bot: DebateBot) -> None:
    add_crux_components(bot)
    bot.modals.add(r"crux:(?P<claim>\d*)", crux_submitted)
    await bot.add_cog(CruxCog(bot))
