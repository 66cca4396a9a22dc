"""/crux: add, credence, resolve, reopen, list, mine; the buttons on a crux's message and the modals they open."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any, Literal, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import MODAL_PREFIX, DebateBot
from bot.core import text as t
from bot.core.claims.similar import Record
from bot.core.cruxes import doublecrux
from bot.core.cruxes import lifecycle as cruxes
from bot.core.records import CruxSnapshot
from bot.core.scoring import scores
from bot.core.summary.pages import crux_list_page
from cogs import options as o
from cogs import render
from cogs.common import (
    Interaction,
    actor,
    check_open_debate,
    claim_autocomplete,
    crux_autocomplete,
    defer,
    logging_rate,
    read_debate,
    resolved_crux_autocomplete,
    respond,
    write_debate,
)
from cogs.pages import page_message, send_track_record
from cogs.similar import hint_if_duplicate
from cogs.views import TEXT, DebateButton, DebateSelect, ask, text_modal, text_or_modal
from schema import ClaimNumber, CruxId, CruxNumber, CruxOutcome

QUICK_CREDENCES = range(0, 101, 10)
"""The values the menu on a crux's message offers; the form takes any whole number from 0 to 100."""
QUICK_NOTES = {0: "Certainly not", 50: "Even odds", 100: "Certainly"}


def credence_modal(form: cruxes.CredenceForm) -> discord.ui.Modal:
    """Asks for a credence (0-100), prefilled with the user's current one, and an optional reason."""
    crux, current = form.crux, form.current
    modal = discord.ui.Modal(
        title=f"Your credence on Crux #{crux.number}", custom_id=f"{MODAL_PREFIX}credence:{crux.number}"
    )
    value = discord.ui.TextInput[Any](
        placeholder="How likely is it true? e.g. 70",
        default=None if current is None else str(current),
        max_length=5,
        custom_id="value",
    )
    reason = discord.ui.TextInput[Any](
        style=discord.TextStyle.paragraph, required=False, max_length=t.REASON_MAX, custom_id="reason"
    )
    now = "You have none yet" if current is None else f"Yours now: {current}"
    modal.add_item(discord.ui.Label(text="Credence, 0 to 100", description=now, component=value))
    modal.add_item(discord.ui.Label(text="What moved you (optional)", component=reason))
    return modal


async def credence_submitted(interaction: Interaction, match: re.Match[str], values: Mapping[str, str]) -> None:
    """The credence modal's answer (see :func:`credence_modal`)."""
    value = cruxes.parse_credence(values.get("value", ""))
    await record_credence(interaction, CruxNumber(int(match["crux"])), value, values.get("reason"))


async def resolution_submitted(interaction: Interaction, match: re.Match[str], values: Mapping[str, str]) -> None:
    """The resolution modal's answer (see :func:`resolve_modal`)."""
    outcome = cruxes.parse_outcome(values.get("outcome", ""))
    crux = CruxNumber(int(match["crux"]))
    await resolve(interaction, crux, values.get("resolution", ""), outcome, values.get("source"))


async def record_credence(interaction: Interaction, crux: CruxNumber, value: int, reason: str | None) -> None:
    """Record a credence on crux #``crux`` and announce it in the thread (shared by /crux credence and the button)."""
    recorded = await write_debate(interaction, cruxes.record_credence, actor(interaction), crux, value, reason)
    moved = "" if recorded.previous is None else f" (was {recorded.previous})"
    message = f"{interaction.user.mention}: **{recorded.credence.value}**{moved} on Crux #{recorded.crux.number}"
    reason = recorded.credence.reason
    embeds = [discord.Embed(description=render.escape(reason))] if reason else []
    if recorded.repeated:
        await respond(interaction, f"Already recorded: {message}", embeds=embeds, ephemeral=True)
    else:
        await respond(interaction, message, embeds=embeds)


async def resolve(
    interaction: Interaction, crux: CruxNumber, resolution: str, outcome: CruxOutcome | None, source: str | None
) -> None:
    """Resolve crux #``crux`` and announce it with the participants' scores (shared by /crux resolve and the button)."""
    resolved = await write_debate(
        interaction, cruxes.resolve_crux, actor(interaction), crux, resolution, outcome, source
    )
    await respond(interaction, embed=render.resolved_embed(resolved))


def resolve_modal(crux: CruxSnapshot) -> discord.ui.Modal:
    """Asks for the resolution of ``crux``, its outcome and an optional source link."""
    modal = discord.ui.Modal(title=f"Resolve Crux #{crux.number}", custom_id=f"{MODAL_PREFIX}resolve:{crux.number}")
    resolution = discord.ui.TextInput[Any](
        style=discord.TextStyle.paragraph, max_length=t.RESOLUTION_MAX, custom_id="resolution"
    )
    outcome = discord.ui.Select[Any](
        custom_id="outcome",
        options=[
            discord.SelectOption(label="Yes", value=CruxOutcome.YES.value, description="Scored"),
            discord.SelectOption(label="No", value=CruxOutcome.NO.value, description="Scored"),
            discord.SelectOption(
                label="Annulled", value=CruxOutcome.ANNULLED.value, description="No fair answer: not scored"
            ),
            discord.SelectOption(label="No outcome", value=cruxes.NO_OUTCOME, description="Not scored"),
        ],
    )
    source = discord.ui.TextInput[Any](
        required=False, max_length=t.URL_MAX, custom_id="source", placeholder="https://…"
    )
    modal.add_item(discord.ui.Label(text="Resolution", component=resolution))
    modal.add_item(discord.ui.Label(text="Outcome", component=outcome))
    modal.add_item(discord.ui.Label(text="Source link (optional)", component=source))
    return modal


class CruxButton(DebateButton, template=r"crux:(?P<action>[a-z]+):(?P<crux>\d+)"):
    """A button on a crux's message; subclasses name their ``action`` and look."""

    action: str
    label: str
    style: discord.ButtonStyle

    def __init__(self, crux_id: CruxId) -> None:
        super().__init__(
            discord.ui.Button(label=self.label, style=self.style, custom_id=f"crux:{self.action}:{crux_id}")
        )
        self.crux_id = crux_id

    @classmethod
    def restore(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> Self:
        return cls(CruxId(int(match["crux"])))


class CredenceButton(CruxButton, template=r"crux:credence:(?P<crux>\d+)"):
    """“Exact value and reason…” on a crux's message (“Set my credence” on messages posted before the menu came):
    opens the credence form, prefilled with the user's current credence."""

    action, label, style = "credence", "Exact value and reason…", discord.ButtonStyle.secondary

    async def press(self, interaction: Interaction) -> None:
        form = await check_open_debate(interaction, cruxes.credence_form_by_id, actor(interaction), self.crux_id)
        await ask(interaction, credence_modal(form))


class QuickCredence(DebateSelect, template=r"crux:quick:(?P<crux>\d+)"):
    """The menu on a crux's message: picking a value records it at once, as the user's credence, and tells only
    them how it moved. The custom_id carries the crux's id, so a pick works after a restart too."""

    def __init__(self, crux_id: CruxId) -> None:
        options = [
            discord.SelectOption(label=str(value), value=str(value), description=QUICK_NOTES.get(value))
            for value in QUICK_CREDENCES
        ]
        placeholder = "My credence: pick a value to record it"
        super().__init__(discord.ui.Select(custom_id=f"crux:quick:{crux_id}", placeholder=placeholder, options=options))
        self.crux_id = crux_id

    @classmethod
    def restore(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> Self:
        return cls(CruxId(int(match["crux"])))

    async def press(self, interaction: Interaction) -> None:
        value = cruxes.picked_credence(self.item.values)
        recorded = await write_debate(
            interaction, cruxes.record_credence_by_id, actor(interaction), self.crux_id, value
        )
        await respond(interaction, moved_message(recorded), ephemeral=True)


def moved_message(recorded: cruxes.CredenceRecorded) -> str:
    """The private answer to a pick in the menu: the credence as it moved, old → new."""
    crux, value, before = recorded.crux.number, recorded.credence.value, recorded.previous
    if recorded.repeated:
        return f"Already recorded: your credence on Crux #{crux} is {value}."
    moved = f"{value} (your first)" if before is None else f"{before} → {value}"
    return f"Your credence on Crux #{crux}: {moved}. Others see it in the summary."


class ResolveButton(CruxButton, template=r"crux:resolve:(?P<crux>\d+)"):
    """“Resolve” on a crux's message, for moderators: opens a modal for the resolution, outcome and source."""

    action, label, style = "resolve", "Resolve", discord.ButtonStyle.secondary

    async def press(self, interaction: Interaction) -> None:
        crux = await check_open_debate(interaction, cruxes.resolvable_crux_by_id, actor(interaction), self.crux_id)
        await ask(interaction, resolve_modal(crux))


def crux_view(crux: CruxSnapshot) -> discord.ui.View:
    """The controls of a crux's message: the credence menu, the form for an exact value and a reason, Resolve."""
    view = discord.ui.View(timeout=None)
    view.add_item(QuickCredence(crux.id))
    view.add_item(CredenceButton(crux.id))
    view.add_item(ResolveButton(crux.id))
    return view


async def name_crux(interaction: Interaction, question: str, claim: ClaimNumber | None) -> None:
    """Name a crux, linked to claim #``claim`` if given, and post it with its buttons."""
    crux, linked = await write_debate(interaction, cruxes.add_crux, actor(interaction), question, claim)
    await respond(interaction, embed=render.crux_embed(crux, linked), view=crux_view(crux))
    hint_if_duplicate(interaction, Record.CRUX, crux.id)


async def crux_submitted(interaction: Interaction, match: re.Match[str], values: Mapping[str, str]) -> None:
    await name_crux(interaction, values.get(TEXT, ""), ClaimNumber(int(match["claim"])) if match["claim"] else None)


class CruxCog(commands.GroupCog, group_name="crux", group_description="Cruxes: questions that would change minds"):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    @app_commands.command(name="add", description="Name a crux: a question whose answer would change your mind")
    @app_commands.describe(
        question="The question (leave out for a larger box)", claim="The number of a claim this crux bears on"
    )
    @app_commands.autocomplete(claim=claim_autocomplete)
    @logging_rate
    async def add(
        self, interaction: Interaction, question: o.Question | None = None, claim: o.Number | None = None
    ) -> None:
        linked = None if claim is None else ClaimNumber(claim)
        modal = text_modal(
            f"crux:{'' if linked is None else linked}",
            title="Your crux",
            label="What would change your mind?",
            max_length=t.QUESTION_MAX,
        )
        await text_or_modal(
            interaction,
            question,
            lambda answer, body: name_crux(answer, body, linked),
            lambda _: modal,
            partial(cruxes.crux_claim, claim=linked),
        )

    @app_commands.command(name="credence", description="Record how likely you think a crux is true (0–100)")
    @app_commands.describe(
        crux="The crux's number", value="Your credence, 0 to 100", reason="What moved you (optional)"
    )
    @app_commands.autocomplete(crux=crux_autocomplete)
    async def credence(
        self, interaction: Interaction, crux: o.Number, value: o.Percent, reason: o.Reason | None = None
    ) -> None:
        await record_credence(interaction, CruxNumber(crux), value, reason)

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
        crux: o.Number,
        resolution: o.Resolution,
        outcome: Literal["yes", "no", "annulled"] | None = None,
        source: o.Link | None = None,
    ) -> None:
        await resolve(interaction, CruxNumber(crux), resolution, CruxOutcome(outcome) if outcome else None, source)

    @app_commands.command(name="scores", description="Who forecast this debate's resolved cruxes best, and calibration")
    async def scores(self, interaction: Interaction) -> None:
        await defer(interaction)
        record = await read_debate(interaction, scores.debate_track_record)
        await send_track_record(interaction, record)

    @app_commands.command(name="reopen", description="Reopen a resolved crux (debate creator or Manage Threads)")
    @app_commands.describe(crux="The number of the resolved crux")
    @app_commands.autocomplete(crux=resolved_crux_autocomplete)
    async def reopen(self, interaction: Interaction, crux: o.Number) -> None:
        reopened = await write_debate(interaction, cruxes.reopen_crux, actor(interaction), CruxNumber(crux))
        await respond(
            interaction,
            f"Crux #{reopened.number} is open again (reopened by {interaction.user.mention}).",
            embed=render.crux_embed(reopened),
            view=crux_view(reopened),
        )

    @app_commands.command(name="list", description="This debate's cruxes")
    @app_commands.describe(status="Which cruxes (default: open)")
    async def list_(self, interaction: Interaction, status: Literal["open", "resolved", "all"] = "open") -> None:
        await defer(interaction, private=True)
        page = await read_debate(interaction, crux_list_page, status, 0, render.mention)
        await respond(interaction, ephemeral=True, **page_message(page, status, 0))

    @app_commands.command(name="mine", description="Double-crux: say whether a crux would change your mind")
    @app_commands.describe(
        crux="The crux's number", changes_my_mind="Would its answer change your mind about the motion?"
    )
    @app_commands.autocomplete(crux=crux_autocomplete)
    async def mine(self, interaction: Interaction, crux: o.Number, changes_my_mind: bool) -> None:
        number = CruxNumber(crux)
        mark = await write_debate(interaction, doublecrux.mark_crux, actor(interaction), number, changes_my_mind)
        would = "would change my mind" if mark.changes_mind else "would not change my mind"
        await respond(interaction, f"{interaction.user.mention}: Crux #{mark.crux.number} {would}.")


async def setup(bot: DebateBot) -> None:
    """Register the cog, and route the crux buttons and the modals (after a restart too)."""
    bot.add_dynamic_items(CredenceButton, ResolveButton, QuickCredence)
    bot.modals.add(r"credence:(?P<crux>\d+)", credence_submitted)
    bot.modals.add(r"resolve:(?P<crux>\d+)", resolution_submitted)
    bot.modals.add(r"crux:(?P<claim>\d*)", crux_submitted)
    await bot.add_cog(CruxCog(bot))
