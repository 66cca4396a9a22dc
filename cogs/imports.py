"""/debate import: a channel's or thread's latest messages as a draft, shown privately to the importer a page at a
time, with accept / change kind per item, Accept all, and Record (``bot.core.importing.chat``)."""

from __future__ import annotations

import contextlib
import re
from itertools import accumulate
from typing import Any, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core import text as t
from bot.core.errors import DomainError, InvalidInput
from bot.core.importing import chat as core
from bot.core.importing.drafts import Item, Message, item_line, records_named, skipped_line
from cogs import options as o
from cogs import render
from cogs.common import (
    Interaction,
    actor,
    check_open_debate,
    defer,
    respond,
    write_debate,
    write_debate_in_place,
)
from cogs.views import DebateButton

ITEM_TEXT = 180
"""Characters of an item's text shown in the draft (Record stores the whole text)."""
_STATE = {True: "✅", False: "▫️"}


class DraftButton(DebateButton, template=r"import:(?P<draft>\d+):(?P<change>[a-z]+):(?P<arg>\d+)"):
    """A button of an import draft: its custom_id names the draft, what it does and on which item (or page)."""

    def __init__(
        self,
        draft_id: int,
        change: str,
        arg: int = 0,
        *,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        custom_id = f"import:{draft_id}:{change}:{arg}"
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id, row=row))
        self.draft_id, self.change, self.arg = draft_id, change, arg

    @classmethod
    def restore(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> Self:
        return cls(int(match["draft"]), match["change"], int(match["arg"]))

    async def press(self, interaction: Interaction) -> None:
        who = actor(interaction)
        if self.change == RECORD:
            imported = await write_debate_in_place(interaction, core.record_import, who, self.draft_id)
            await _recorded(interaction, imported)
            return
        try:
            change = core.Change(self.change)
        except ValueError:
            raise InvalidInput(core.EXPIRED) from None
        shown = await write_debate_in_place(interaction, core.change_import, who, self.draft_id, change, self.arg)
        await interaction.response.edit_message(content=None, embed=draft_embed(shown), view=draft_view(shown))


RECORD = "record"


def _who(item: Item) -> str:
    return render.author(item.author_id, item.speaker)


def draft_embed(shown: core.Shown, heading: str | None = None) -> discord.Embed:
    """The page of the draft being shown: each item with its state, kind, author and text."""
    draft = shown.draft
    lines = [heading] if heading else []
    accepted = sum(item.accepted and item.recorded is None for item in draft.items)
    recorded = sum(item.recorded is not None for item in draft.items)
    counts = f"{t.plural(len(draft.items), 'candidate')} for Debate #{shown.debate.number}, {accepted} accepted"
    counts += f", {recorded} recorded" if recorded else ""
    skipped = skipped_line(draft)
    lines.append(f"{counts}; {skipped}." if skipped else f"{counts}.")
    lines.append("Nothing is stored until you press **Record**.")
    for item in shown.on_page:
        state = "☑️" if item.recorded is not None else _STATE[item.accepted]
        link = f" ([message]({item.jump_url}))" if item.jump_url else ""
        lines.append(f"{state} {item_line(item, _who(item), ITEM_TEXT, render.escape)}{link}")
    embed = discord.Embed(title="Import draft", description="\n".join(lines)[:4000], colour=discord.Colour.blurple())
    embed.set_footer(text=f"Page {shown.page + 1} of {shown.pages} · expires {shown.row.expires_at:%Y-%m-%d %H:%M} UTC")
    return embed


def draft_view(shown: core.Shown) -> discord.ui.View:
    """Two items a row (accept, change kind), then ◀ ▶, Accept all and Record."""
    view = discord.ui.View(timeout=None)
    draft_id = shown.row.id
    for index, item in enumerate(shown.on_page):
        row = index // 2
        done = item.recorded is not None
        accept = DraftButton(
            draft_id,
            core.Change.ACCEPT,
            item.number,
            label=f"#{item.number} " + ("recorded" if done else "accepted ✓" if item.accepted else "accept"),
            style=discord.ButtonStyle.success if item.accepted else discord.ButtonStyle.secondary,
            row=row,
        )
        kind = DraftButton(
            draft_id, core.Change.KIND, item.number, label=f"#{item.number} {item.kind.value} ↻", row=row
        )
        accept.item.disabled = done
        kind.item.disabled = done or set(item.kinds) <= {item.kind}  # nothing else it could be
        view.add_item(accept).add_item(kind)
    page, last = shown.page, shown.pages - 1
    if last:  # custom ids differ: ◀ goes to a page before ▶'s
        previous = DraftButton(draft_id, core.Change.PAGE, max(page - 1, 0), label="◀", row=4)
        following = DraftButton(draft_id, core.Change.PAGE, min(page + 1, last), label="▶", row=4)
        previous.item.disabled, following.item.disabled = page == 0, page >= last
        view.add_item(previous).add_item(following)
    view.add_item(DraftButton(draft_id, core.Change.ALL, label="Accept all", row=4))
    view.add_item(DraftButton(draft_id, RECORD, label="Record", style=discord.ButtonStyle.primary, row=4))
    return view


KEPT_SHOWN = 1500
"""Characters of Record's answer naming the items kept in the draft (each is marked why in the draft too)."""


def recorded_summary(imported: core.Imported) -> str:
    """What Record did: the records stored, and each item kept in the draft by its number and why."""
    records, names = imported.recorded.records, records_named(imported.recorded.records)
    summary = f"Recorded {t.plural(len(records), 'item')}: {names}." if records else "Nothing was recorded."
    if imported.left is None:  # nothing kept
        return summary
    kept = [f"#{item.number}: {item.held}" for item in imported.kept]
    shown = sum(1 for length in accumulate(len(part) + 2 for part in kept) if length <= KEPT_SHOWN + 2)  # "; "
    more = f"; and {len(kept) - shown} more, each marked why below" if shown < len(kept) else ""
    return (
        f"{summary} Held in the draft ({len(kept)}): {'; '.join(kept[:shown])}{more}. The draft is kept until "
        f"{imported.left.row.expires_at:%Y-%m-%d %H:%M} UTC: record them when they can be (what the phase holds, "
        "when its phase comes)."
    )


async def _recorded(interaction: Interaction, imported: core.Imported) -> None:
    records = imported.recorded.records
    summary = recorded_summary(imported)
    if imported.left is not None:
        await interaction.response.edit_message(
            content=None, embed=draft_embed(imported.left, summary), view=draft_view(imported.left)
        )
    else:
        await interaction.response.edit_message(content=summary[:2000], embed=None, view=None)
    if records:
        await interaction.followup.send(
            f"{interaction.user.mention} imported {t.plural(len(records), 'message')} from chat into "
            f"Debate #{imported.debate.number}: {records_named(records)}."[:2000]
        )


def chat_messages(history: list[discord.Message], bot_id: int | None) -> list[Message]:
    """What the drafting rules need of Discord messages, oldest first; system messages (a thread started, a pin)
    are left out."""
    kept = (discord.MessageType.default, discord.MessageType.reply)
    return [
        Message(
            key=str(message.id),
            text=message.content,
            author_id=message.author.id,
            reply_to=str(message.reference.message_id) if message.reference and message.reference.message_id else None,
            is_bot=message.author.bot or message.author.id == bot_id or message.webhook_id is not None,
            jump_url=message.jump_url,
            message_id=message.id,
            media=bool(message.embeds or message.attachments),
        )
        for message in history
        if message.type in kept
    ]


class ImportCog(commands.Cog):
    """Adds ``import`` to the /debate group (``cogs.debate``, loaded first)."""

    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot
        self.command: app_commands.Command[Any, ..., None] = app_commands.Command(
            name="import",
            description="Draft records from the latest messages of a channel or thread (moderators)",
            callback=import_messages,
        )

    async def cog_load(self) -> None:
        group = self.bot.tree.get_command("debate")
        if not isinstance(group, app_commands.Group):
            raise RuntimeError("cogs.debate must be loaded before cogs.imports")
        group.add_command(self.command)

    async def cog_unload(self) -> None:
        group = self.bot.tree.get_command("debate")
        if isinstance(group, app_commands.Group):
            group.remove_command(self.command.name)


@app_commands.describe(
    channel="The channel or thread to read (default: this thread)",
    messages=f"How many of its latest messages to read (1–{core.HISTORY_MAX}, default {core.HISTORY_DEFAULT})",
)
async def import_messages(
    interaction: Interaction,
    channel: o.Readable | None = None,
    messages: app_commands.Range[int, 1, core.HISTORY_MAX] = core.HISTORY_DEFAULT,
) -> None:
    who = actor(interaction)
    await check_open_debate(interaction, core.check_importer, who)
    source_id = channel.id if channel is not None else interaction.channel_id or 0
    permissions = channel.permissions if channel is not None else interaction.permissions
    where = channel.mention if channel is not None else "this thread"
    core.require_readable(
        where,
        readable=channel is None or channel.type in o.READABLE,
        can_view=permissions.view_channel,
        can_read_history=permissions.read_message_history,
    )
    core.require_bot_reads(where, bot_lacks(interaction, channel))
    await defer(interaction, private=True)
    source = interaction.client.get_partial_messageable(source_id, guild_id=interaction.guild_id)
    try:
        history = [message async for message in source.history(limit=messages)][::-1]
    except discord.Forbidden as refused:
        raise core.refused_reading(where, refused.text) from refused
    bot_id = interaction.client.user.id if interaction.client.user else None
    said = chat_messages(history, bot_id)
    core.require_text(said)
    shown = await write_debate(interaction, core.start_import, who, source_id, said)
    prelink(interaction, shown)  # before answering, so that whoever waits for the answer can wait for it too
    await respond(interaction, embed=draft_embed(shown), view=draft_view(shown), ephemeral=True)
    interaction.client.dispatch("import_drafted", interaction, shown)  # a second opinion, if enabled: cogs.suggest


def bot_lacks(interaction: Interaction, channel: o.Readable | None) -> list[str]:
    """What the bot lacks of what reading messages takes (``core.READING``) in the source: in this thread, as
    Discord says; in another channel, from the server's channels as the bot last heard of them (a thread's from its
    parent when the thread is not among them)."""
    guild = interaction.guild
    if channel is None:
        permissions = interaction.app_permissions
    elif guild is None:
        return []
    else:
        parent_id = channel.parent_id if isinstance(channel, app_commands.AppCommandThread) else None
        cached = guild.get_channel_or_thread(channel.id) or (guild.get_channel(parent_id) if parent_id else None)
        if cached is None:
            return []  # Discord's answer to reading it tells
        permissions = cached.permissions_for(guild.me)
    return [name for name in core.READING if not getattr(permissions, name)]


def prelink(interaction: Interaction, shown: core.Shown) -> None:
    """In the background, with the ``semantic`` extra: link each candidate claim that answers nothing to the most
    similar earlier one by someone else, so that made a rebuttal it rebuts that (as Log as rebuttal orders its
    choices); the importer sees it on their next press."""
    items = core.unlinked(shown.draft)
    draft_id, who, similar = shown.row.id, actor(interaction), interaction.client.similar

    async def link() -> None:
        texts, authors = [item.text for item in items], [item.author_id or item.speaker for item in items]
        nearest = await similar.nearest_earlier(texts, authors)
        if nearest:
            parents = {item.number: items[j].number for item, j in zip(items, nearest, strict=True) if j is not None}
            with contextlib.suppress(DomainError):  # the debate ended meanwhile: nothing to link
                await write_debate_in_place(interaction, core.suggest_parents, who, draft_id, parents)

    if len(items) > 1:
        similar.later(link)


async def setup(bot: DebateBot) -> None:
    bot.add_dynamic_items(DraftButton)
    await bot.add_cog(ImportCog(bot))
