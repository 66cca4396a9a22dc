"""/debate: start, join, summary, status, list, end, help."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any, Literal, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core import debates as core
from bot.core import doublecrux, formats, insights
from bot.core import groups as opinion
from bot.core import text as t
from bot.core.argmap import render_map
from bot.core.errors import WrongPlace
from bot.core.exports import build_export, export_file
from bot.core.summary import mark_summarized, summarize
from cogs import render
from cogs.common import (
    Interaction,
    actor,
    any_debate,
    defer,
    logging_rate,
    open_debate,
    respond,
    send_pages,
    side_autocomplete,
)
from cogs.formats import phase_change_message, phase_embed
from cogs.views import DebateButton
from schema import Debate, DebateFormat, Side, id_of, utcnow

THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: Discord's longest


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


def opening_view(sides: list[Side]) -> discord.ui.View:
    """“Join <side>” buttons, one per side."""
    view = discord.ui.View(timeout=None)
    for side in sides:
        view.add_item(JoinButton(side.id or 0, f"Join {side.name}"))
    return view


HELP = """\
**1. Start** — `/debate start topic:…` in a text channel opens a thread for the debate.
**2. Join** — press *Join <side>* on the opening message, or `/debate join`.
**3. Argue** — `/claim`, `/rebut`, `/support` (leave the text out to write it in a larger box), or right-click \
any message → *Apps* → *Log as claim / rebuttal / crux*. A rebuttal logged from a reply links to the claim replied to.
**4. Find the cruxes** — `/crux add`: a question whose answer would change your mind. Then *Set my credence* \
(0–100) on it, or `/crux credence`; change it whenever you move — every credence is kept.
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
show the record."""


class DebateCog(commands.GroupCog, group_name="debate", group_description="Start and follow structured debates"):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot
        self.found = opinion.FoundMemo()

    @app_commands.command(name="start", description="Start a debate in a new thread of this channel")
    @app_commands.describe(
        topic="The question under debate",
        agenda="The research agenda it belongs to (created on first use)",
        sides="Comma-separated sides (default: for, against)",
        format="open (default): anything any time; rounds or double-crux: phases, each allowing its part",
        minutes="Minutes per phase of a rounds or double-crux debate (default: moderators move on)",
    )
    @app_commands.guild_only()
    @app_commands.checks.has_permissions(create_public_threads=True)
    async def start(
        self,
        interaction: Interaction,
        topic: str,
        agenda: str | None = None,
        sides: str | None = None,
        format: Literal["open", "rounds", "double-crux"] = "open",
        minutes: app_commands.Range[int, 1, core.MINUTES_MAX] | None = None,
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
        try:
            async with self.bot.db.write() as session:
                debate = await core.start_debate(
                    session, actor(interaction), plan, channel_id=channel.id, thread_id=thread.id
                )
                await formats.begin(session, debate, plan.minutes, self.bot.clock.now())
                sides_ = await session.run_sync(core.sides_of, debate)
        except BaseException:
            await thread.delete()
            raise
        try:
            await thread.send(embed=render.opening_embed(debate, sides_, plan.agenda), view=opening_view(sides_))
        except BaseException:  # a debate starts completely or not at all
            async with self.bot.db.write() as session:
                await core.discard_debate(session, debate)
            await thread.delete()
            raise
        self.bot.scheduler.wake()
        if formats.current_phase(debate) is not None:
            await thread.send(embed=phase_embed(debate))
        await respond(interaction, f"Debate #{debate.number} started: {thread.jump_url}")

    @app_commands.command(name="join", description="Join a side of this debate")
    @app_commands.describe(side="The side you argue for")
    @app_commands.autocomplete(side=side_autocomplete)
    async def join(self, interaction: Interaction, side: str) -> None:
        async with open_debate(interaction) as (session, debate):
            joined = await core.join(session, debate, interaction.user.id, side)
        await respond(interaction, **render.joined_message(interaction.user, joined))

    @app_commands.command(name="summary", description="Post the summary of this debate's unresolved cruxes")
    async def summary(self, interaction: Interaction) -> None:
        async with any_debate(interaction) as (_, debate):
            await defer(interaction)
        await self._post_summary(interaction, debate)

    @app_commands.command(name="groups", description="How participants actually divide, from their credences")
    async def groups(self, interaction: Interaction) -> None:
        async with any_debate(interaction) as (session, debate):
            await defer(interaction)
            await asyncio.to_thread(opinion.require_analysis)  # said even when there are too few to look
            matrix = await session.run_sync(opinion.credence_matrix, debate)
        found = await self._find(debate, matrix)
        async with self.bot.db.read() as session:
            report = await session.run_sync(opinion.report, debate, matrix, found)
        await send_pages(interaction, render.groups_blocks(report), ephemeral=False, colour=render.SUMMARY_COLOUR)

    @app_commands.command(name="status", description="This debate at a glance: sides, participants, counts")
    async def status(self, interaction: Interaction) -> None:
        async with any_debate(interaction) as (session, debate):
            status = await core.status(session, debate)
            seen = await session.run_sync(insights.glance, debate)
        await respond(interaction, embed=render.status_embed(status, seen), ephemeral=True)

    @app_commands.command(name="list", description="The open debates in this server")
    @app_commands.describe(page="Which page (10 debates a page)")
    @app_commands.guild_only()
    async def list_(self, interaction: Interaction, page: app_commands.Range[int, 1] = 1) -> None:
        async with self.bot.db.read() as session:
            found = await core.open_debates(session, interaction.guild_id or 0, page)
        if not found.items:
            await respond(interaction, "No open debates here. Start one with /debate start.", ephemeral=True)
            return
        lines = [f"**#{d.number}** <#{d.thread_id}> — {render.escape(t.one_line(d.topic, 150))}" for d in found.items]
        embed = discord.Embed(title=f"Open debates ({found.total})", description="\n".join(lines))
        if found.pages > 1:
            embed.set_footer(text=f"Page {found.number} of {found.pages} · /debate list page:<n>")
        await respond(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="end", description="End the debate: post the final summary, lock the thread")
    @app_commands.describe(outcome="What the debate concluded (optional)")
    async def end(self, interaction: Interaction, outcome: str | None = None) -> None:
        async with open_debate(interaction) as (session, debate):
            await core.end_debate(session, debate, actor(interaction), outcome)
        await defer(interaction)
        closing = f"Debate #{debate.number} is closed by {interaction.user.mention}."
        if debate.outcome:
            closing += f"\n**Outcome:** {render.escape(debate.outcome)}"
        await respond(interaction, closing)
        await self._post_summary(interaction, debate)
        if isinstance(interaction.channel, discord.Thread):
            await interaction.channel.edit(locked=True, archived=True, reason="Debate ended")

    @app_commands.command(name="help", description="How to run a debate with this bot, in one screen")
    async def help(self, interaction: Interaction) -> None:
        embed = discord.Embed(title="Crux-finding debates", description=HELP, colour=discord.Colour.blurple())
        await respond(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="next", description="Move a rounds or double-crux debate to its next phase")
    async def next_(self, interaction: Interaction) -> None:
        async with open_debate(interaction) as (session, debate):
            change = await formats.next_phase(session, debate, actor(interaction), self.bot.clock.now())
        self.bot.scheduler.wake()
        await respond(interaction, **phase_change_message(change, f"{interaction.user.mention} moved on"))

    @app_commands.command(name="pause", description="Pause the phase clock (moderators)")
    async def pause(self, interaction: Interaction) -> None:
        async with open_debate(interaction) as (session, debate):
            await formats.pause(session, debate, actor(interaction), self.bot.clock.now())
        await respond(interaction, f"{interaction.user.mention} paused the clock: {formats.describe_clock(debate)}.")

    @app_commands.command(name="resume", description="Restart a paused phase clock (moderators)")
    async def resume(self, interaction: Interaction) -> None:
        async with open_debate(interaction) as (session, debate):
            await formats.resume(session, debate, actor(interaction), self.bot.clock.now())
        self.bot.scheduler.wake()
        await respond(
            interaction, f"{interaction.user.mention} restarted the clock: the phase {formats.describe_clock(debate)}."
        )

    @app_commands.command(name="position", description="Double-crux: state your position and credence on the motion")
    @app_commands.describe(text="Your position", credence="How likely you think the motion is, 0 to 100")
    @logging_rate
    async def position(self, interaction: Interaction, text: str, credence: app_commands.Range[int, 0, 100]) -> None:
        async with open_debate(interaction) as (session, debate):
            taken = await doublecrux.take_position(session, debate, actor(interaction), text, credence)
        moved = "" if taken.previous is None else f" (was {taken.previous})"
        await respond(
            interaction,
            f"{interaction.user.mention}: **{taken.credence}**{moved} on the motion.",
            embed=render.claim_embed(taken.logged),
        )

    @app_commands.command(name="export", description="The debate's whole record as a file")
    @app_commands.describe(format="markdown to read, json for tools (versioned schema), argdown for argument maps")
    async def export(self, interaction: Interaction, format: Literal["markdown", "json", "argdown"]) -> None:
        async with any_debate(interaction) as (session, debate):
            await defer(interaction)
            record = await build_export(session, debate)
        name, data = export_file(record, format, render.mention)
        await respond(interaction, f"Debate #{debate.number} as {format}:", file=discord.File(io.BytesIO(data), name))

    @app_commands.command(name="map", description="A picture of the debate: claims, rebuttals, supports, cruxes")
    async def map(self, interaction: Interaction) -> None:
        async with any_debate(interaction) as (session, debate):
            await defer(interaction)
            record = await build_export(session, debate)
        picture = await asyncio.to_thread(render_map, record)
        await respond(
            interaction,
            f"Argument map of Debate #{debate.number}",
            file=discord.File(io.BytesIO(picture), f"debate-{debate.number}.png"),
        )

    async def _post_summary(self, interaction: Interaction, debate: Debate) -> None:
        """The summary for everyone, paged: the open questions that matter most, the latest resolutions, how many more
        and where to read them (``/crux list``, ``/debate export``); the next one says what changed since this one."""
        async with self.bot.db.write() as session:
            summary = await summarize(session, debate, insights=True)
            await mark_summarized(session, debate, utcnow())
        found = await self._found_for_summary(debate)
        blocks = render.summary_blocks(summary, found)
        await send_pages(interaction, blocks, ephemeral=False, colour=render.SUMMARY_COLOUR)

    async def _find(self, debate: Debate, matrix: opinion.CredenceMatrix) -> opinion.Found:
        """The opinion groups of the matrix: remembered for its version, or computed in a worker thread."""
        found = self.found.get(id_of(debate), matrix.version)
        if found is None:
            found = await asyncio.to_thread(opinion.find, matrix)
            self.found.put(id_of(debate), matrix.version, found)
        return found

    async def _found_for_summary(self, debate: Debate) -> opinion.Found | None:
        """What the summary says about opinion groups; nothing without the analysis extra. Unchanged credences cost
        one aggregate query (their version), not the matrix."""
        async with self.bot.db.read() as session:
            version = await session.run_sync(opinion.credence_version, debate)
            found = self.found.get(id_of(debate), version)
            if found is not None:
                return found
            matrix = await session.run_sync(opinion.credence_matrix, debate)
        try:
            return await self._find(debate, matrix)
        except opinion.GroupsUnavailable:
            return None


async def setup(bot: DebateBot) -> None:
    bot.add_dynamic_items(JoinButton)
    await bot.add_cog(DebateCog(bot))
