"""What every cog needs: who is acting, the debate of the current thread, sessions, autocomplete."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import discord
from discord import app_commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot.client import DebateBot
from bot.core import choices as choose
from bot.core import debates as core
from bot.core.errors import DomainError
from schema import Debate

Interaction = discord.Interaction[DebateBot]
ChoiceSource = Callable[[AsyncSession, Debate, str], Awaitable[list[choose.Choice]]]


def actor(interaction: Interaction) -> core.Actor:
    """The acting user, their guild, and whether they hold Manage Threads in this channel."""
    return core.Actor(
        guild_id=interaction.guild_id or 0,
        user_id=interaction.user.id,
        can_moderate=interaction.permissions.manage_threads,
    )


@asynccontextmanager
async def open_debate(interaction: Interaction) -> AsyncIterator[tuple[AsyncSession, Debate]]:
    """A write session and the open debate of the thread the interaction came from; commits on success."""
    async with interaction.client.db.write() as session:
        debate = await core.open_debate_in_thread(session, interaction.guild_id, interaction.channel_id or 0)
        yield session, debate


async def debate_choices(interaction: Interaction, typed: str, source: ChoiceSource) -> list[app_commands.Choice]:
    """Autocomplete choices from ``source`` for the debate of this thread; none outside a debate thread."""
    async with interaction.client.db.read() as session:
        try:
            debate = await core.debate_in_thread(session, interaction.guild_id, interaction.channel_id or 0)
        except DomainError:
            return []
        choices = await source(session, debate, typed)
    return [app_commands.Choice(name=choice.label, value=choice.value) for choice in choices]


async def claim_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice]:
    return await debate_choices(interaction, current, choose.claim_choices)


async def crux_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice]:
    return await debate_choices(interaction, current, choose.crux_choices)


async def side_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice]:
    return await debate_choices(interaction, current, choose.side_choices)
