"""Every answer of several pages. Paged summaries: one message a page (``bot.core.summary.pages``), with
**◀ Previous** / **Next ▶** buttons that answer whoever presses them privately with that page, recomputed from the
record. The buttons are persistent (their custom_id names what to page and from where), so they work on a summary
posted before a restart. Long Markdown (:func:`send_pages`) and a track record (:func:`send_track_record`): embeds
of at most ``PAGE_MAX`` characters, one message each."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any, Literal, Self

import discord

from bot.core.scoring.calibration_plot import calibration_plot
from bot.core.scoring.scores import TrackRecord, render_track_record
from bot.core.summary import pages
from bot.core.summary.queries import CruxListStatus
from bot.core.text import pack
from cogs import render
from cogs.common import Interaction, defer, private_audience, read_debate, read_server, respond
from cogs.views import DebateButton, label_of

PAGE_MAX = 4000
Kind = Literal["summary", "agenda", "open", "resolved", "all"]
"""What a button pages: a debate's summary, an agenda's summary, or ``/crux list`` of that status."""


class PageButton(
    DebateButton, template=r"page:(?P<kind>summary|agenda|open|resolved|all):(?P<target>\d+):(?P<start>\d+)"
):
    """Shows the page of ``kind`` starting at item ``start``, privately; ``target`` is the agenda's id (the debate's
    for the others, found from the thread pressed in)."""

    def __init__(self, kind: str, target: int, start: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=discord.ButtonStyle.secondary, custom_id=f"page:{kind}:{target}:{start}"
            )
        )
        self.kind, self.target, self.start = kind, target, start

    @classmethod
    def restore(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> Self:
        return cls(match["kind"], int(match["target"]), int(match["start"]), label_of(item, "Page"))

    async def press(self, interaction: Interaction) -> None:
        await defer(interaction, private=True)
        page = await _page(interaction, self.kind, self.target, self.start)
        await respond(interaction, ephemeral=True, **page_message(page, self.kind, self.target))


async def _page(interaction: Interaction, kind: str, target: int, start: int) -> pages.Page:
    if kind == "summary":
        return await read_debate(interaction, pages.summary_page, start, render.mention)
    if kind == "agenda":
        audience = private_audience(interaction)
        return await read_server(interaction, pages.agenda_page_at, target, start, render.mention, audience)
    status: CruxListStatus = "open" if kind == "open" else "resolved" if kind == "resolved" else "all"
    return await read_debate(interaction, pages.crux_list_page, status, start, render.mention)


TITLES = {"open": "Cruxes (open)", "resolved": "Cruxes (resolved)", "all": "Cruxes (all)"}


def page_message(page: pages.Page, kind: str, target: int, title: str | None = None) -> dict[str, Any]:
    """The page as a message's ``embed`` and ``view`` (its buttons to the neighbouring pages, if any)."""
    embed = discord.Embed(title=title or TITLES.get(kind), description=page.text, colour=render.SUMMARY_COLOUR)
    if page.footer:
        embed.set_footer(text=page.footer)
    view = discord.ui.View(timeout=None)
    if page.previous is not None:
        view.add_item(PageButton(kind, target, page.previous, "◀ Previous"))
    if page.following is not None:
        view.add_item(PageButton(kind, target, page.following, "Next ▶"))
    return {"embed": embed, "view": view} if view.children else {"embed": embed}


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


async def send_track_record(interaction: Interaction, record: TrackRecord) -> None:
    """Standings and calibration tables for everyone, and the calibration plot (everyone and the best-ranked few)
    when the ``plots`` extra is installed."""
    await defer(interaction)
    series = {"everyone": record.overall}
    for row in record.standings.ordered[:PLOTTED_PARTICIPANTS]:
        member = interaction.guild.get_member(row.user_id) if interaction.guild else None
        series[member.display_name if member else f"user {row.user_id}"] = record.calibration[row.user_id]
    picture = await asyncio.to_thread(calibration_plot, series)
    embeds = page_embeds(
        render_track_record(record, render.mention),
        title=f"Scores · {render.escape(record.subject)}",
        colour=render.SUMMARY_COLOUR,
    )
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
