"""Buttons that survive restarts (dynamic items carrying ids in their custom_id) and modals that survive them too
(routed by a custom_id carrying what their handler needs: ``bot.client.ModalRoutes``)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any, Self

import discord
from sqlalchemy.orm import Session

from bot.client import MODAL_PREFIX, DebateBot, handle
from bot.core import cruxes as crux_rules
from bot.core import debates as core
from bot.core import text as t
from cogs import render
from cogs.common import Interaction, actor, any_debate, check_open_debate, open_debate, respond
from schema import Crux, CruxOutcome, Debate, Side

TextHandler = Callable[[Interaction, str], Awaitable[None]]
TEXT = "text"
"""The custom_id of a text modal's one input."""


async def ask(interaction: Interaction, modal: discord.ui.Modal) -> None:
    """Open ``modal``. It is stopped first, so discord.py keeps no copy in memory: its submission, before or after a
    restart, is routed by its custom_id (``bot.client.ModalRoutes``), which carries what its handler needs."""
    modal.stop()
    await interaction.response.send_modal(modal)


def text_modal(custom_id: str, *, title: str, label: str = "Text", max_length: int = t.CLAIM_MAX) -> discord.ui.Modal:
    """A modal asking for one long text (up to Discord's 4,000 characters), submitted as ``TEXT``."""
    modal = discord.ui.Modal(title=t.one_line(title, 45), custom_id=MODAL_PREFIX + custom_id)
    modal.add_item(
        discord.ui.TextInput(label=label, style=discord.TextStyle.paragraph, max_length=max_length, custom_id=TEXT)
    )
    return modal


async def text_or_modal(
    interaction: Interaction,
    text: str | None,
    handler: TextHandler,
    modal: Callable[[Any], discord.ui.Modal],
    check: Callable[[Session, Debate], object] | None = None,
) -> None:
    """Run ``handler`` with ``text``, or, when it was left out, ask for it in ``modal(checked)`` first — after
    ``check`` (on the open debate of the thread) has found nothing to refuse, so that nobody types a text only to see
    it refused; ``checked`` is what ``check`` returned."""
    if text is None:
        checked = await check_open_debate(interaction, check) if check is not None else None
        await ask(interaction, modal(checked))
    else:
        await handler(interaction, text)


def credence_modal(crux: Crux) -> discord.ui.Modal:
    """Asks for a credence (0-100) and an optional reason on ``crux``."""
    modal = discord.ui.Modal(
        title=f"Your credence on Crux #{crux.number}", custom_id=f"{MODAL_PREFIX}credence:{crux.number}"
    )
    modal.add_item(
        discord.ui.TextInput(
            label="Credence, 0 to 100", placeholder="How likely is it true? e.g. 70", max_length=5, custom_id="value"
        )
    )
    modal.add_item(
        discord.ui.TextInput(
            label="What moved you (optional)",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=t.REASON_MAX,
            custom_id="reason",
        )
    )
    return modal


async def credence_submitted(interaction: Interaction, match: re.Match[str], values: Mapping[str, str]) -> None:
    """The credence modal's answer (see :func:`credence_modal`)."""
    value = crux_rules.parse_credence(values.get("value", ""))
    await record_credence(interaction, int(match["crux"]), value, values.get("reason"))


async def resolution_submitted(interaction: Interaction, match: re.Match[str], values: Mapping[str, str]) -> None:
    """The resolution modal's answer (see :func:`resolve_modal`)."""
    outcome = crux_rules.parse_outcome(values.get("outcome", ""))
    await resolve(interaction, int(match["crux"]), values.get("resolution", ""), outcome, values.get("source"))


async def record_credence(interaction: Interaction, crux: int, value: int, reason: str | None) -> None:
    """Record a credence on crux #``crux`` and announce it in the thread (shared by /crux credence and the button)."""
    async with open_debate(interaction) as (session, debate):
        recorded = await crux_rules.record_credence(session, debate, actor(interaction), crux, value, reason)
    moved = "" if recorded.previous is None else f" (was {recorded.previous})"
    message = f"{interaction.user.mention}: **{recorded.credence.value}**{moved} on Crux #{recorded.crux.number}"
    reason = recorded.credence.reason
    embeds = [discord.Embed(description=render.escape(reason))] if reason else []
    if recorded.repeated:
        await respond(interaction, f"Already recorded: {message}", embeds=embeds, ephemeral=True)
    else:
        await respond(interaction, message, embeds=embeds)


async def resolve(
    interaction: Interaction, crux: int, resolution: str, outcome: CruxOutcome | None, source: str | None
) -> None:
    """Resolve crux #``crux`` and announce it with the participants' scores (shared by /crux resolve and the button)."""
    async with open_debate(interaction) as (session, debate):
        resolved = await crux_rules.resolve_crux(session, debate, actor(interaction), crux, resolution, outcome, source)
    await respond(interaction, embed=render.resolved_embed(resolved))


def resolve_modal(crux: Crux) -> discord.ui.Modal:
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
            discord.SelectOption(label="No outcome", value=crux_rules.NO_OUTCOME, description="Not scored"),
        ],
    )
    source = discord.ui.TextInput[Any](
        required=False, max_length=t.URL_MAX, custom_id="source", placeholder="https://…"
    )
    modal.add_item(discord.ui.Label(text="Resolution", component=resolution))
    modal.add_item(discord.ui.Label(text="Outcome", component=outcome))
    modal.add_item(discord.ui.Label(text="Source link (optional)", component=source))
    return modal


class DebateButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"never-matches^"):
    """A persistent button whose errors are answered to the user like a command's."""

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        await handle(interaction, partial(self.press, interaction))

    async def press(self, interaction: Interaction) -> None:
        raise NotImplementedError


class JoinButton(DebateButton, template=r"debate:join:(?P<side>\d+)"):
    """“Join <side>” on a debate's opening message."""

    def __init__(self, side_id: int, label: str = "Join") -> None:
        super().__init__(
            discord.ui.Button(
                label=t.one_line(label, 80), style=discord.ButtonStyle.primary, custom_id=f"debate:join:{side_id}"
            )
        )
        self.side_id = side_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["side"]), item.label or "Join")

    async def press(self, interaction: Interaction) -> None:
        async with open_debate(interaction) as (session, debate):
            side = await session.run_sync(core.by_id, debate, Side, self.side_id)
            joined = await core.join_side(session, debate, interaction.user.id, side)
        await respond(interaction, **render.joined_message(interaction.user, joined))


class CruxButton(DebateButton, template=r"crux:(?P<action>[a-z]+):(?P<crux>\d+)"):
    """A button on a crux's message; subclasses name their ``action`` and look."""

    action: str
    label: str
    style: discord.ButtonStyle

    def __init__(self, crux_id: int) -> None:
        super().__init__(
            discord.ui.Button(label=self.label, style=self.style, custom_id=f"crux:{self.action}:{crux_id}")
        )
        self.crux_id = crux_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["crux"]))


class CredenceButton(CruxButton, template=r"crux:credence:(?P<crux>\d+)"):
    """“Set my credence” on a crux's message: opens the credence modal."""

    action, label, style = "credence", "Set my credence", discord.ButtonStyle.primary

    async def press(self, interaction: Interaction) -> None:
        async with any_debate(interaction) as (session, debate):  # reading only: a modal cannot wait for writers
            number = await crux_rules.crux_number(session, debate, self.crux_id)
            crux = await crux_rules.crux_for_credence(session, debate, number)
        await ask(interaction, credence_modal(crux))


class ResolveButton(CruxButton, template=r"crux:resolve:(?P<crux>\d+)"):
    """“Resolve” on a crux's message, for moderators: opens a modal for the resolution, outcome and source."""

    action, label, style = "resolve", "Resolve", discord.ButtonStyle.secondary

    async def press(self, interaction: Interaction) -> None:
        async with any_debate(interaction) as (session, debate):
            number = await crux_rules.crux_number(session, debate, self.crux_id)
            crux = await crux_rules.resolvable_crux(session, debate, actor(interaction), number)
        await ask(interaction, resolve_modal(crux))


def opening_view(sides: list[Side]) -> discord.ui.View:
    """“Join <side>” buttons, one per side."""
    view = discord.ui.View(timeout=None)
    for side in sides:
        view.add_item(JoinButton(side.id or 0, f"Join {side.name}"))
    return view


def crux_view(crux: Crux) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CredenceButton(crux.id or 0))
    view.add_item(ResolveButton(crux.id or 0))
    return view


def add_crux_components(bot: DebateBot) -> None:
    """Route the crux buttons and the modals they open (after a restart too)."""
    bot.add_dynamic_items(CredenceButton, ResolveButton)
    bot.modals.add(r"credence:(?P<crux>\d+)", credence_submitted)
    bot.modals.add(r"resolve:(?P<crux>\d+)", resolution_submitted)
