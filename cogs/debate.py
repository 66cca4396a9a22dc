"""/debate: start, join, summary, status, list, end, help."""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import replace
from typing import Any, Literal, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core import text as t
from bot.core.cruxes import doublecrux
from bot.core.debates import formats
from bot.core.debates import lifecycle as core
from bot.core.errors import WrongPlace
from bot.core.exports.argmap import draw_map, map_caption, map_files
from bot.core.exports.record import build_export, export_file
from bot.core.opinion import divides
from bot.core.opinion import groups as opinion
from bot.core.records import SideSnapshot
from bot.core.summary.pages import summary_first_page
from bot.core.summary.posting import read_summary
from bot.core.summary.queries import DebateSummary
from bot.core.summary.status import status as debate_status
from cogs import mydata, render
from cogs import options as o
from cogs.common import (
    Interaction,
    actor,
    defer,
    logging_rate,
    post,
    private_audience,
    read_debate,
    read_server,
    respond,
    side_autocomplete,
    write_debate,
    write_server,
)
from cogs.formats import phase_change_message, phase_embed
from cogs.pages import PageButton, page_message, send_pages
from cogs.views import DebateButton, label_of
from schema import DebateFormat, SideId, utcnow

THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: Discord's longest


class JoinButton(DebateButton, template=r"debate:join:(?P<side>\d+)"):
    """“Join <side>” on a debate's opening message."""

    def __init__(self, side_id: SideId, label: str = "Join") -> None:
        super().__init__(
            discord.ui.Button(
                label=t.one_line(label, 80), style=discord.ButtonStyle.primary, custom_id=f"debate:join:{side_id}"
            )
        )
        self.side_id = side_id

    @classmethod
    def restore(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> Self:
        return cls(SideId(int(match["side"])), label_of(item, "Join"))

    async def press(self, interaction: Interaction) -> None:
        joined = await write_debate(interaction, core.join_side_by_id, interaction.user.id, self.side_id)
        await respond(interaction, **render.joined_message(interaction.user, joined))


def opening_view(sides: list[SideSnapshot]) -> discord.ui.View:
    """“Join <side>” buttons, one per side."""
    view = discord.ui.View(timeout=None)
    for side in sides:
        view.add_item(JoinButton(side.id, f"Join {side.name}"))
    return view


HELP = """\
**1. Start** — `/debate start topic:…` in a text channel opens a thread for the debate.
**2. Join** — press *Join <side>* on the opening message, or `/debate join`.
**3. Argue** — `/claim`, `/rebut`, `/support` (leave the text out to write it in a larger box), or right-click \
any message → *Apps* → *Log as claim / rebuttal / crux*. A rebuttal logged from a reply links to the claim replied to.
**4. Find the cruxes** — `/crux add`: a question whose answer would change your mind. Then pick your credence \
(0–100) in the menu on its message — *Exact value and reason…* or `/crux credence` for any value and what moved you; \
change it whenever you move — every credence is kept.
**5. Read where it stands** — `/debate summary`: unresolved cruxes, double cruxes first, then the widest disagreements.
`/debate groups`: how people actually divide by their credences, when groups stand out (from 6 participants).
**Moderating** (the creator or Manage Threads) — `/crux resolve`, `/crux reopen`, `/withdraw` anyone's entry, \
`/debate end` to post the final summary and lock the thread.
**Formats** — `format:rounds` (opening → rebuttal → crux → closing) or `format:double-crux` (positions → crux \
finding → operationalising → resolution) allow in each phase only what it is for; `minutes:` times each phase. \
Moderators move on with `/debate next`, `/debate pause` and `/debate resume` the clock. Double-crux: state your \
position with `/debate position`, mark the cruxes that would change your mind with `/crux mine`.
**Scores** — resolve a crux with `outcome:yes` or `outcome:no` and everyone's credences on it are scored; \
`/crux scores` and `/agenda scores` rank who forecast best and show calibration.
Fix your own entries with `/edit` and `/withdraw`. `/debate status`, `/debate list`, `/crux list`, `/agenda list` \
show the record. `/privacy` says what the bot keeps about you."""


class DebateCog(commands.GroupCog, group_name="debate", group_description="Start and follow structured debates"):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot

    @app_commands.command(name="start", description="Start a debate in a new thread of this channel")
    @app_commands.describe(
        topic="The question under debate",
        agenda="The research agenda it belongs to (created on first use)",
        sides="Comma-separated sides (default: for, against)",
        format="open (default): anything any time; rounds or double-crux: phases, each allowing its part",
        minutes="Minutes per phase of a rounds or double-crux debate (default: moderators move on)",
    )
    @app_commands.checks.has_permissions(create_public_threads=True)
    async def start(
        self,
        interaction: Interaction,
        topic: o.Topic,
        agenda: o.AgendaName | None = None,
        sides: o.Sides | None = None,
        format: Literal["open", "rounds", "double-crux"] = "open",
        minutes: o.Minutes | None = None,
    ) -> None:
        plan = core.plan_debate(topic, agenda, sides, DebateFormat(format), minutes)
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            raise WrongPlace("Start a debate from a server text channel: it will get a thread of its own.")
        await defer(interaction)
        thread = await channel.create_thread(
            name=plan.thread_name,
            type=discord.ChannelType.public_thread,
            auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            reason=f"Debate started by {interaction.user}",
        )
        now = self.bot.clock.now()
        try:
            debate, debate_sides = await write_server(interaction, formats.start, plan, channel.id, thread.id, now)
        except BaseException:
            await thread.delete()
            raise
        try:
            await thread.send(
                embed=render.opening_embed(debate, debate_sides, plan.agenda), view=opening_view(debate_sides)
            )
        except BaseException:  # a debate starts completely or not at all
            await write_server(interaction, core.discard_debate, debate.id)
            await thread.delete()
            raise
        self.bot.scheduler.wake()
        if formats.current_phase(debate) is not None:
            await thread.send(embed=phase_embed(debate))
        await respond(interaction, f"Debate #{debate.number} started: {thread.jump_url}")

    @app_commands.command(name="join", description="Join a side of this debate")
    @app_commands.describe(side="The side you argue for")
    @app_commands.autocomplete(side=side_autocomplete)
    async def join(self, interaction: Interaction, side: o.SideName) -> None:
        joined = await write_debate(interaction, core.join, interaction.user.id, side)
        await respond(interaction, **render.joined_message(interaction.user, joined))

    @app_commands.command(name="summary", description="Post the summary of this debate's unresolved cruxes")
    async def summary(self, interaction: Interaction) -> None:
        await self._post_summary(interaction)

    @app_commands.command(name="groups", description="How participants actually divide, from their credences")
    async def groups(self, interaction: Interaction) -> None:
        await defer(interaction)
        read = await read_debate(interaction, divides.read_groups_input)
        await asyncio.to_thread(opinion.require_analysis)  # said even when there are too few to look
        given = read.given
        found = await self.bot.groups.find(given.matrix)
        report = await asyncio.to_thread(opinion.report, read.number, given.matrix, found, given.sides, read.questions)
        blocks = render.groups_blocks(report, await self.bot.groups.assess(given))
        await send_pages(interaction, blocks, ephemeral=False, colour=render.SUMMARY_COLOUR)

    @app_commands.command(name="status", description="This debate at a glance: sides, participants, counts")
    async def status(self, interaction: Interaction) -> None:
        await defer(interaction, private=True)
        status = await read_debate(interaction, debate_status)
        await respond(interaction, embed=render.status_embed(status), ephemeral=True)

    @app_commands.command(name="list", description="The open debates in this server")
    @app_commands.describe(page="Which page (10 debates a page)")
    async def list_(self, interaction: Interaction, page: o.Number = 1) -> None:
        found = await read_server(interaction, core.open_debates, page, private_audience(interaction))
        if not found.items:
            await respond(interaction, "No open debates here. Start one with /debate start.", ephemeral=True)
            return
        lines = [f"**#{d.number}** <#{d.thread_id}> — {render.escape(t.one_line(d.topic, 150))}" for d in found.items]
        embed = discord.Embed(title=f"Open debates ({found.total})", description="\n".join(lines))
        if found.pages > 1:
            embed.set_footer(text=f"Page {found.number} of {found.pages} · /debate list page:<n>")
        await respond(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="delete", description="Moderators: delete a debate and all derived from it (asks first)")
    @app_commands.describe(number="The debate's number in this server")
    async def delete(self, interaction: Interaction, number: o.Number) -> None:
        await mydata.ask_to_delete_debate(interaction, number)

    @app_commands.command(name="end", description="End the debate: post the final summary, lock the thread")
    @app_commands.describe(outcome="What the debate concluded (optional)")
    async def end(self, interaction: Interaction, outcome: o.Resolution | None = None) -> None:
        await defer(interaction)  # the final summary grows with the debate
        debate = await write_debate(interaction, core.end_debate, actor(interaction), outcome)
        closing = f"Debate #{debate.number} is closed by {interaction.user.mention}."
        if debate.outcome:
            closing += "\n**Outcome:** "
            closing += render.escape(debate.outcome, render.CONTENT_MAX - len(closing))
        await respond(interaction, closing)
        await self._post_summary(interaction)
        if isinstance(interaction.channel, discord.Thread):
            await interaction.channel.edit(locked=True, archived=True, reason="Debate ended")

    @app_commands.command(name="help", description="How to run a debate with this bot, in one screen")
    async def help(self, interaction: Interaction) -> None:
        embed = discord.Embed(title="Crux-finding debates", description=HELP, colour=discord.Colour.blurple())
        await respond(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="next", description="Move a rounds or double-crux debate to its next phase")
    async def next_(self, interaction: Interaction) -> None:
        change = await write_debate(interaction, formats.next_phase, actor(interaction), self.bot.clock.now())
        self.bot.scheduler.wake()
        await respond(interaction, **phase_change_message(change, f"{interaction.user.mention} moved on"))

    @app_commands.command(name="pause", description="Pause the phase clock (moderators)")
    async def pause(self, interaction: Interaction) -> None:
        debate = await write_debate(interaction, formats.pause, actor(interaction), self.bot.clock.now())
        await respond(interaction, f"{interaction.user.mention} paused the clock: {formats.describe_clock(debate)}.")

    @app_commands.command(name="resume", description="Restart a paused phase clock (moderators)")
    async def resume(self, interaction: Interaction) -> None:
        debate = await write_debate(interaction, formats.resume, actor(interaction), self.bot.clock.now())
        self.bot.scheduler.wake()
        await respond(
            interaction, f"{interaction.user.mention} restarted the clock: the phase {formats.describe_clock(debate)}."
        )

    @app_commands.command(name="position", description="Double-crux: state your position and credence on the motion")
    @app_commands.describe(text="Your position", credence="How likely you think the motion is, 0 to 100")
    @logging_rate
    async def position(self, interaction: Interaction, text: o.ClaimText, credence: o.Percent) -> None:
        taken = await write_debate(interaction, doublecrux.take_position, actor(interaction), text, credence)
        moved = "" if taken.previous is None else f" (was {taken.previous})"
        await respond(
            interaction,
            f"{interaction.user.mention}: **{taken.credence}**{moved} on the motion.",
            embed=render.claim_embed(taken.logged),
        )

    @app_commands.command(name="export", description="The debate's whole record as a file")
    @app_commands.describe(format="markdown to read, json for tools (versioned schema), argdown for argument maps")
    async def export(self, interaction: Interaction, format: Literal["markdown", "json", "argdown"]) -> None:
        await defer(interaction)
        record = await read_debate(interaction, build_export)
        name, data = await asyncio.to_thread(export_file, record, format)
        await respond(
            interaction, f"Debate #{record.debate.number} as {format}:", file=discord.File(io.BytesIO(data), name)
        )

    @app_commands.command(name="map", description="A picture of the debate: claims, rebuttals, supports, cruxes")
    async def map(self, interaction: Interaction) -> None:
        await defer(interaction)
        record = await read_debate(interaction, build_export)
        drawn = await asyncio.to_thread(draw_map, record)
        files = [discord.File(io.BytesIO(data), name) for name, data in map_files(record, drawn)]
        await respond(interaction, map_caption(record, drawn), files=files)

    async def _post_summary(self, interaction: Interaction) -> None:
        """The summary for everyone, paged: the open questions that matter most, the latest resolutions, how many more
        and where to read them (``/crux list``, ``/debate export``); the next one says what changed since this one.

        Deferred first: reading it grows with the debate. It is read in one job (no writer waits for it) with what is
        known about opinion groups and common ground for the debate's credences as they are, and posted; once posted,
        its time is recorded in a short write of its own (a summary nobody saw is not one to count changes from). What
        was not known is looked for then (``bot.runtime.groups.OpinionGroups.after_posting``), and the summary edited
        when groups stand out or its common ground changes — the common ground of a debate of more than
        ``divides.FIT_BEFORE_POSTING`` credences comes that way."""
        await defer(interaction)
        read_at = utcnow()
        read = await read_debate(interaction, read_summary, self.bot.groups.known, self.bot.groups.kept)
        bridged = await self.bot.groups.before_posting(read)
        posted = await post(interaction, **_summary_message(read.summary, read.found, bridged))
        await write_server(interaction, core.mark_summarized, read.summary.debate_id, read_at)
        if (later := await self.bot.groups.after_posting(read, bridged)) is not None:
            await posted.edit(**_summary_message(read.summary, *later))


def _summary_message(
    summary: DebateSummary, found: opinion.Found | None, bridged: divides.Bridging | None = None
) -> dict[str, Any]:
    """The summary's first page as a message, with the line on opinion groups when ``found`` has some and the
    common ground and divide ``bridged`` found (none yet: they come with an edit)."""
    shown = summary if bridged is not None else replace(summary, agreements=None)
    page = summary_first_page(shown, render.mention, found, bridged)
    return page_message(page, "summary", summary.debate_id)


async def setup(bot: DebateBot) -> None:
    bot.add_dynamic_items(JoinButton, PageButton)
    await bot.add_cog(DebateCog(bot))
