"""How records look in Discord: embeds for claims, cruxes, debates, statuses and summaries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord

from bot.core.claims.arguments import EDITED, History, Logged, describe
from bot.core.cruxes.lifecycle import Resolved
from bot.core.debates import formats
from bot.core.debates import lifecycle as core
from bot.core.opinion.divides import Bridging, divide_line
from bot.core.opinion.groups import GroupsReport, render_groups
from bot.core.records import ClaimSnapshot, CruxSnapshot, DebateSnapshot, SideSnapshot
from bot.core.scoring.scores import render_scores
from bot.core.summary.status import Status
from bot.core.text import as_typed, as_typed_within, plural
from schema import ClaimKind, CruxOutcome
from schema.types import FORGOTTEN_LABEL, FORGOTTEN_USER

COLOUR = {ClaimKind.CLAIM: discord.Colour.blurple(), ClaimKind.REBUTTAL: discord.Colour.red()}
SUMMARY_COLOUR = discord.Colour.gold()


def mention(user_id: int) -> str:
    """A user as Discord shows them; a member forgotten at their request as such."""
    return FORGOTTEN_LABEL if user_id == FORGOTTEN_USER else f"<@{user_id}>"


CONTENT_MAX = 2000
DESCRIPTION_MAX = 4096
FIELD_MAX = 1024
"""Discord's limits on a message's content, an embed's description and a field's value."""


def escape(value: str, within: int | None = None) -> str:
    """User text shown as typed (see :func:`bot.core.text.as_typed`); ``within`` a limit, shortened to fit it when
    escaping made it longer (a text whose length the bot bounds may pass the limit once escaped)."""
    return as_typed(value) if within is None else as_typed_within(value, within)


def claim_embed(logged: Logged) -> discord.Embed:
    """A newly logged claim, rebuttal or support, with where it came from."""
    claim = logged.claim
    title = f"{describe(claim.kind)} #{claim.number}"
    if logged.answers is not None:
        title += f" → {describe(logged.answers.kind)} #{logged.answers.number}"
    embed = discord.Embed(
        title=title,
        description=escape(claim.text, DESCRIPTION_MAX),
        colour=COLOUR.get(claim.kind, discord.Colour.green()),
    )
    embed.add_field(name="By", value=author(claim.author_id, claim.speaker))
    embed.add_field(name="Side", value=escape(logged.side.name) if logged.side else "none joined")
    _add_provenance(embed, claim.logged_by_id, claim.author_id, claim.source_url)
    return embed


def author(author_id: int | None, speaker: str | None) -> str:
    """Who made a record: a Discord user's mention, or a transcript speaker's name as typed."""
    return mention(author_id) if author_id is not None else escape(speaker or "unknown")


def _add_provenance(embed: discord.Embed, logged_by: int | None, by: int | None, source_url: str | None) -> None:
    if source_url:
        embed.add_field(name="From", value=f"[message]({source_url})")
    if logged_by is not None and logged_by != by:
        embed.add_field(name="Logged by", value=mention(logged_by))


def edited_embed(claim: ClaimSnapshot) -> discord.Embed:
    return discord.Embed(
        title=f"{describe(claim.kind)} #{claim.number} edited",
        description=escape(claim.text, DESCRIPTION_MAX),
        colour=discord.Colour.light_grey(),
    ).set_footer(text=f"The earlier text is kept in the record: /history claim:{claim.number} shows it.")


def history_title(history: History) -> str:
    claim = history.claim
    return f"{describe(claim.kind)} #{claim.number}{f' {EDITED}' if history.revisions else ''}: its texts"


def history_blocks(history: History) -> list[str]:
    """Each text the entry had, oldest first, with when it was written and replaced (in the reader's time zone)."""
    claim, revisions = history.claim, history.revisions
    if not revisions:
        return [f"Never edited: this is the text it was logged with, {_when(claim.created_at)}.\n{escape(claim.text)}"]
    written = [claim.created_at, *(revision.revised_at for revision in revisions)]
    blocks = [
        f"**Text {number}**, written {_when(since)}, replaced {_when(revision.revised_at)} by "
        f"{mention(revision.revised_by_id)}:\n{escape(revision.text)}"
        for number, (since, revision) in enumerate(zip(written, revisions, strict=False), start=1)
    ]
    blocks.append(f"**Current text**, since {_when(written[-1])}:\n{escape(claim.text)}")
    return blocks


def _when(moment: datetime) -> str:
    return discord.utils.format_dt(moment, "f")


def withdrawn_message(claim: ClaimSnapshot, by: int) -> str:
    return f"{describe(claim.kind)} #{claim.number} was withdrawn by {mention(by)}; it stays in the record, marked so."


def crux_embed(crux: CruxSnapshot, linked: ClaimSnapshot | None = None) -> discord.Embed:
    embed = discord.Embed(title=f"Crux #{crux.number}", description=escape(crux.question), colour=discord.Colour.gold())
    embed.add_field(name="Named by", value=author(crux.author_id, crux.speaker))
    if linked is not None:
        embed.add_field(name="Bears on", value=f"{describe(linked.kind)} #{linked.number}")
    _add_provenance(embed, crux.logged_by_id, crux.author_id, crux.source_url)
    embed.set_footer(
        text="Where do you stand? Pick your credence (0–100) in the menu; an exact value and a reason: the button or "
        "/crux credence."
    )
    return embed


NOT_SCORED = {
    None: "No outcome given: not scored.",
    CruxOutcome.ANNULLED: "Annulled (no fair answer): not scored.",
}
SCORE_LINES_MAX = 2500
"""Characters of score lines in a resolution message (with a question and resolution of 1,000 each, well within an
embed's 6,000); ``/crux scores`` has the rest."""


def resolved_embed(resolved: Resolved) -> discord.Embed:
    """The resolution, its outcome and source, and each participant's scores, one line each."""
    crux = resolved.crux
    outcome = f": {crux.outcome.value}" if crux.outcome else ""
    embed = discord.Embed(
        title=f"Crux #{crux.number} resolved{outcome}",
        description=f"{escape(crux.question)}\n\n**Scores**\n{_score_lines(resolved)}",
        colour=discord.Colour.green(),
    )
    embed.add_field(name="Resolution", value=escape(crux.resolution or "", FIELD_MAX), inline=False)
    if crux.resolution_url:
        embed.add_field(name="Source", value=crux.resolution_url, inline=False)
    if crux.resolved_by_id is not None:
        embed.add_field(name="Resolved by", value=mention(crux.resolved_by_id))
    return embed


def _score_lines(resolved: Resolved) -> str:
    if resolved.crux.outcome in NOT_SCORED:
        return NOT_SCORED[resolved.crux.outcome]
    lines = render_scores(resolved.scores, mention)
    if not lines:
        return "Nobody held a credence on it: nothing to score."
    shown: list[str] = []
    for line in lines:
        if sum(len(kept) + 1 for kept in shown) + len(line) > SCORE_LINES_MAX:
            shown.append(f"…and {len(lines) - len(shown)} more: `/crux scores`.")
            break
        shown.append(line)
    return "\n".join(shown)


def joined_message(user: discord.abc.User, joined: core.Joined) -> dict[str, Any]:
    """The answer to joining: public when something changed, only to the user when they were already there."""
    name = escape(joined.side.name)
    if joined.previous is None:
        return {"content": f"{user.mention} joined **{name}**."}
    if joined.previous.id == joined.side.id:
        return {"content": f"You are already on **{name}**.", "ephemeral": True}
    return {"content": f"{user.mention} moved from **{escape(joined.previous.name)}** to **{name}**."}


def opening_embed(debate: DebateSnapshot, sides: list[SideSnapshot], agenda: str | None) -> discord.Embed:
    """The first message of a debate thread: the topic and how to take part."""
    embed = discord.Embed(
        title=f"Debate #{debate.number}", description=escape(debate.topic), colour=discord.Colour.blurple()
    )
    if agenda:
        embed.add_field(name="Agenda", value=escape(agenda), inline=False)
    embed.add_field(name="Sides", value=" · ".join(escape(s.name) for s in sides), inline=False)
    embed.add_field(name="Started by", value=mention(debate.creator_id))
    embed.add_field(
        name="How to take part",
        value=(
            "Join a side with a button below · /claim to make a claim · /rebut to attack one · "
            "/crux add for a question that would change your mind · /crux credence to say where you stand · "
            "/debate summary for the open cruxes · /debate help for more"
        ),
        inline=False,
    )
    embed.set_footer(text=f"Format: {debate.format.value}")
    return embed


def status_embed(status: Status) -> discord.Embed:
    debate, seen = status.debate, status.glance
    embed = discord.Embed(title=f"Debate #{debate.number} · {debate.status.value}", description=escape(debate.topic))
    embed.add_field(name="Format", value=debate.format.value)
    phase = formats.current_phase(debate)
    if phase is not None:
        embed.add_field(
            name="Phase",
            value=f"{phase.name} ({debate.phase + 1} of {len(formats.phases_of(debate))}) · "
            f"{formats.describe_clock(debate)}",
        )
    embed.add_field(
        name="Participants", value="\n".join(f"{escape(side.name)}: {n}" for side, n in status.sides), inline=False
    )
    embed.add_field(
        name="Record",
        value=", ".join(plural(n, kind.value) for kind, n in status.claims.items()),
        inline=False,
    )
    common = f" · {seen.common_ground} where the sides agree" if seen.common_ground else ""
    embed.add_field(
        name="Cruxes", value=f"{status.open_cruxes} open, {status.resolved_cruxes} resolved{common}", inline=False
    )
    if seen.moved_by:
        since = "since the last summary" if status.debate.summarized_at else "since the debate began"
        moved = sorted(seen.moved_by.items(), key=lambda item: (-item[1], item[0]))
        lines = [f"{mention(user_id)}: {plural(n, 'crux', 'cruxes')}" for user_id, n in moved]
        embed.add_field(name=f"Who moved ({since})", value=_fit_field(lines), inline=False)
    if debate.outcome:
        embed.add_field(name="Outcome", value=escape(debate.outcome, FIELD_MAX), inline=False)
    return embed


def _fit_field(lines: list[str]) -> str:
    """Lines for an embed field (at most 1,024 characters), with how many more were left out."""
    shown: list[str] = []
    for index, line in enumerate(lines):
        more = f"…and {len(lines) - index} more"
        if len("\n".join([*shown, line])) + len(more) + 1 > FIELD_MAX:
            return "\n".join([*shown, more])
        shown.append(line)
    return "\n".join(shown)


def groups_blocks(report: GroupsReport, bridged: Bridging | None = None) -> list[str]:
    """The opinion groups, then the divide the bridging model found beside them."""
    return render_groups(report, mention) + ([divide_line(bridged)] if bridged is not None else [])
