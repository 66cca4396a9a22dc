"""What every cog needs: who is acting, the debate of the current thread, checks, autocomplete, paged answers."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from math import ceil
from typing import Any, TypeVar

import discord
from discord import app_commands
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.client import THINKING, DebateBot, Refused
from bot.core import choices as choose
from bot.core import debates as core
from bot.core.calibration_plot import calibration_plot
from bot.core.errors import DomainError
from bot.core.scores import TrackRecord, render_track_record
from bot.core.summary import pack
from cogs import render
from schema import Debate

Interaction = discord.Interaction[DebateBot]
ChoiceSource = Callable[[AsyncSession, Debate, str], Awaitable[list[choose.Choice]]]
PAGE_MAX = 4000
LATE = timedelta(seconds=1)
log = logging.getLogger(__name__)
T = TypeVar("T")


async def defer(interaction: Interaction) -> None:
    """Acknowledge the interaction now ("thinking…") unless it was already answered; the answer follows up."""
    if not interaction.response.is_done():
        await interaction.response.defer(thinking=True)
        interaction.extras[THINKING] = True


async def respond(interaction: Interaction, content: str | None = None, **kwargs: Any) -> None:
    """Answer the interaction, or follow up if it was deferred or answered already."""
    if interaction.response.is_done():
        interaction.extras.pop(THINKING, None)  # the first follow-up fills in the placeholder
        await interaction.followup.send(content or discord.utils.MISSING, **kwargs)
    else:
        await interaction.response.send_message(content, **kwargs)


def actor(interaction: Interaction) -> core.Actor:
    """The acting user, their guild, and whether they hold Manage Threads in this channel."""
    return core.Actor(
        guild_id=interaction.guild_id or 0,
        user_id=interaction.user.id,
        can_moderate=interaction.permissions.manage_threads,
    )


@asynccontextmanager
async def _deferring_when_late(interaction: Interaction) -> AsyncIterator[None]:
    """Within the block, the interaction is deferred ("thinking…") once it is ``LATE`` old, so that slow work or a
    queue of writes cannot make its answer (sent with :func:`respond` after the block) miss Discord's 3 s deadline.
    Quick work is answered directly. A deferral started is finished before the block is left; if it failed, the
    answer is sent all the same."""
    loop = asyncio.get_running_loop()
    patience = (interaction.created_at + LATE - discord.utils.utcnow()).total_seconds()
    deferring: list[asyncio.Task[None]] = []
    timer = loop.call_later(max(patience, 0), lambda: deferring.append(loop.create_task(defer(interaction))))
    try:
        yield
    finally:
        timer.cancel()
        if deferring:
            try:
                await deferring[0]
            except Exception:
                log.warning("Could not defer %s; answering directly", interaction.id, exc_info=True)


@asynccontextmanager
async def open_debate(interaction: Interaction) -> AsyncIterator[tuple[AsyncSession, Debate]]:
    """A write session and the open debate of the thread the interaction came from; commits on success. The
    interaction is deferred meanwhile if it grows late (see :func:`_deferring_when_late`)."""
    async with _deferring_when_late(interaction), interaction.client.db.write() as session:
        debate = await session.run_sync(core.open_debate_in_thread, interaction.guild_id, interaction.channel_id or 0)
        yield session, debate


async def in_open_debate(interaction: Interaction, job: Callable[[Session, Debate], T], *, may_defer: bool = True) -> T:
    """``job(session, debate)`` on the open debate of the interaction's thread, as one committed transaction
    (``Database.transact``): the fast path for logging records. The interaction is deferred meanwhile if it grows
    late (see :func:`_deferring_when_late`), unless ``may_defer`` is false, as for the rebuttal picker, whose message
    is edited in place."""
    guild_id, thread_id = interaction.guild_id, interaction.channel_id or 0

    def in_thread(session: Session) -> T:
        return job(session, core.open_debate_in_thread(session, guild_id, thread_id))

    write = interaction.client.db.transact(in_thread)
    if not may_defer:
        return await write
    async with _deferring_when_late(interaction):
        return await write


async def check_open_debate(interaction: Interaction, check: Callable[[Session, Debate], T]) -> T:
    """``check(session, debate)`` on the open debate of the interaction's thread, changing nothing: the refusals
    a command would meet, told before a modal makes the user type its text."""
    guild_id, thread_id = interaction.guild_id, interaction.channel_id or 0

    def in_thread(session: Session) -> T:
        return check(session, core.open_debate_in_thread(session, guild_id, thread_id, for_update=False))

    return await interaction.client.db.query(in_thread)


@asynccontextmanager
async def any_debate(interaction: Interaction) -> AsyncIterator[tuple[AsyncSession, Debate]]:
    """A read session and the debate (open or closed) of the thread the interaction came from."""
    async with interaction.client.db.read() as session:
        debate = await session.run_sync(core.debate_in_thread, interaction.guild_id, interaction.channel_id or 0)
        yield session, debate


async def check_logging_rate(interaction: Interaction) -> bool:
    """A check for commands that log records: :class:`Refused` when the user is logging too fast."""
    wait = interaction.client.logging_cooldown.acquire((interaction.guild_id, interaction.user.id))
    if wait:
        raise Refused(f"Slow down: you are logging faster than this server allows. Try again in {ceil(wait)} s.")
    return True


logging_rate = app_commands.check(check_logging_rate)


async def debate_choices(interaction: Interaction, typed: str, source: ChoiceSource) -> list[app_commands.Choice]:
    """Autocomplete choices from ``source`` for the debate of this thread; none outside a debate thread."""
    async with interaction.client.db.read() as session:
        try:
            debate = await session.run_sync(core.debate_in_thread, interaction.guild_id, interaction.channel_id or 0)
        except DomainError:
            return []
        found = await source(session, debate, typed)
    return [app_commands.Choice(name=choice.label, value=choice.value) for choice in found]


async def claim_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice]:
    return await debate_choices(interaction, current, choose.claim_choices)


async def crux_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice]:
    return await debate_choices(interaction, current, choose.crux_choices)


async def resolved_crux_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice]:
    return await debate_choices(interaction, current, choose.resolved_crux_choices)


async def side_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice]:
    return await debate_choices(interaction, current, choose.side_choices)


async def agenda_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice]:
    """This server's agendas matching what was typed."""
    async with interaction.client.db.read() as session:
        found = await choose.agenda_choices(session, interaction.guild_id or 0, current)
    return [app_commands.Choice(name=choice.label, value=choice.value) for choice in found]


async def send_pages(
    interaction: Interaction,
    blocks: list[str],
    *,
    ephemeral: bool,
    title: str | None = None,
    colour: discord.Colour | None = None,
) -> None:
    """Send Markdown blocks as embeds of at most ``PAGE_MAX`` characters, one message a page; nothing is cut.

    The first page answers the interaction (or fills in a deferral); the rest follow up.
    """
    for embed in page_embeds(blocks, title=title, colour=colour):
        await respond(interaction, embed=embed, ephemeral=ephemeral)


PLOTTED_PARTICIPANTS = 5


async def send_track_record(interaction: Interaction, record: TrackRecord, title: str) -> None:
    """Standings and calibration tables for everyone, and the calibration plot (everyone and the best-ranked few)
    when the ``plots`` extra is installed."""
    await defer(interaction)
    series = {"everyone": record.overall}
    for row in record.standings.ordered[:PLOTTED_PARTICIPANTS]:
        member = interaction.guild.get_member(row.user_id) if interaction.guild else None
        series[member.display_name if member else f"user {row.user_id}"] = record.calibration[row.user_id]
    picture = await asyncio.to_thread(calibration_plot, series)
    embeds = page_embeds(render_track_record(record, render.mention), title=title, colour=render.SUMMARY_COLOUR)
    for number, embed in enumerate(embeds):
        if number == 0 and picture is not None:  # the picture comes with the first page
            await respond(interaction, embed=embed, file=discord.File(io.BytesIO(picture), "calibration.png"))
        else:
            await respond(interaction, embed=embed)


def page_embeds(
    blocks: list[str], *, title: str | None = None, colour: discord.Colour | None = None
) -> list[discord.Embed]:
    """Markdown blocks packed into embeds of at most ``PAGE_MAX`` characters, numbered when there are several."""
    pages = pack(blocks, PAGE_MAX)
    embeds = []
    for number, page in enumerate(pages, start=1):
        embed = discord.Embed(title=title if number == 1 else None, description=page, colour=colour)
        if len(pages) > 1:
            embed.set_footer(text=f"Page {number} of {len(pages)}")
        embeds.append(embed)
    return embeds
