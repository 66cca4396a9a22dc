"""The bounds of command options, which Discord enforces: every number option has its range and every text option
the core's limit (``bot.core.text``), so that Discord's own client refuses input out of bounds before sending it.
The core checks the same limits again, for what comes in another way (a modal, a message logged from chat)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.core import text as t
from bot.core.debates.lifecycle import KEY_MAX, MINUTES_MAX, SIDES_MAX

Number = app_commands.Range[int, 1, KEY_MAX]
"""A record's number in its debate (Claim #3), an agenda's id, a page."""
Percent = app_commands.Range[int, 0, 100]
"""A credence."""
Minutes = app_commands.Range[int, 1, MINUTES_MAX]
Topic = app_commands.Range[str, None, t.TOPIC_MAX]
AgendaName = app_commands.Range[str, None, t.AGENDA_MAX]
Sides = app_commands.Range[str, None, SIDES_MAX]
SideName = app_commands.Range[str, None, t.SIDE_MAX]
ClaimText = app_commands.Range[str, None, t.CLAIM_MAX]
Question = app_commands.Range[str, None, t.QUESTION_MAX]
Reason = app_commands.Range[str, None, t.REASON_MAX]
Resolution = app_commands.Range[str, None, t.RESOLUTION_MAX]
Link = app_commands.Range[str, None, t.URL_MAX]

READABLE = (discord.ChannelType.text, discord.ChannelType.news, *(t for t in discord.ChannelType if "thread" in t.name))
"""The channel types that hold messages to read: text and announcement channels and every kind of thread."""


class ReadableChannel(app_commands.Transformer):
    """A channel option Discord's client offers only channels of ``READABLE`` types for; the value is the channel as
    the interaction resolved it (no cache needed, so an archived thread works too)."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return list(READABLE)

    async def transform(
        self, interaction: discord.Interaction[Any], value: Any, /
    ) -> app_commands.AppCommandChannel | app_commands.AppCommandThread:
        # discord.py's transformers receive the resolved option as Any; a channel option resolves to one of these.
        return value  # type: ignore[no-any-return]


Readable = app_commands.Transform[app_commands.AppCommandChannel | app_commands.AppCommandThread, ReadableChannel]
