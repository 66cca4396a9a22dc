"""How records look in Discord: embeds for claims, cruxes, debates and summaries."""

from __future__ import annotations

import discord

from bot.core.claims import Logged
from bot.core.summary import DebateSummary, pack, render_summary
from schema import Claim, ClaimKind, Crux, Debate, Side

EMBED_DESCRIPTION_MAX = 4096
SUMMARY_PAGE_MAX = 4000
COLOUR = {ClaimKind.CLAIM: discord.Colour.blurple(), ClaimKind.REBUTTAL: discord.Colour.red()}


def mention(user_id: int) -> str:
    return f"<@{user_id}>"


def claim_embed(logged: Logged) -> discord.Embed:
    """A newly logged claim, rebuttal or support."""
    claim = logged.claim
    title = f"{claim.kind.value.capitalize()} #{claim.number}"
    if logged.answers is not None:
        title += f" → Claim #{logged.answers.number}"
    embed = discord.Embed(
        title=title,
        description=claim.text,
        colour=COLOUR.get(claim.kind, discord.Colour.green()),
    )
    embed.add_field(name="By", value=mention(claim.author_id))
    embed.add_field(name="Side", value=discord.utils.escape_markdown(logged.side.name))
    return embed


def crux_embed(crux: Crux, linked: Claim | None) -> discord.Embed:
    embed = discord.Embed(title=f"Crux #{crux.number}", description=crux.question, colour=discord.Colour.gold())
    embed.add_field(name="Named by", value=mention(crux.author_id))
    if linked is not None:
        embed.add_field(name="Bears on", value=f"Claim #{linked.number}")
    embed.set_footer(text="Record where you stand with /crux credence.")
    return embed


def opening_embed(debate: Debate, sides: list[Side], agenda: str | None) -> discord.Embed:
    """The first message of a debate thread: the topic and how to take part."""
    embed = discord.Embed(title=f"Debate #{debate.number}", description=debate.topic, colour=discord.Colour.blurple())
    if agenda:
        embed.add_field(name="Agenda", value=discord.utils.escape_markdown(agenda), inline=False)
    embed.add_field(name="Sides", value=" · ".join(discord.utils.escape_markdown(s.name) for s in sides), inline=False)
    embed.add_field(
        name="How to take part",
        value=(
            "/debate join to pick a side · /claim to make a claim · /rebut to attack one · "
            "/crux add for a question that would change your mind · /crux credence to say where you stand · "
            "/debate summary for the open cruxes"
        ),
        inline=False,
    )
    embed.add_field(name="Started by", value=mention(debate.creator_id))
    embed.set_footer(text=f"Format: {debate.format.value}")
    return embed


def summary_embeds(summary: DebateSummary) -> list[discord.Embed]:
    """The summary as one embed per page; nothing is cut, long summaries continue on the next page."""
    pages = pack(render_summary(summary, mention), SUMMARY_PAGE_MAX)
    embeds = []
    for number, page in enumerate(pages, start=1):
        embed = discord.Embed(description=page, colour=discord.Colour.gold())
        if len(pages) > 1:
            embed.set_footer(text=f"Page {number} of {len(pages)}")
        embeds.append(embed)
    return embeds
