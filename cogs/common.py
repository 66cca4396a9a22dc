"""What every cog needs: who is acting; the only way cogs reach the database — a use case of the core run as one
job on the debate of the current thread or for this server (:func:`read_debate`, :func:`write_debate`,
:func:`read_server`, :func:`write_server`, …); checks, autocomplete. Paged answers are in :mod:`cogs.pages`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from math import ceil
from typing import Any, Concatenate, ParamSpec, TypeVar

import discord
from discord import app_commands
from sqlalchemy.orm import Session

from bot.client import THINKING, DebateBot, Refused, drop_placeholder
from bot.core.debates import lifecycle as core
from bot.core.errors import DomainError, WrongPlace
from bot.core.privacy.erasure import Step
from bot.core.summary import choices as choose
from bot.core.visibility import Audience
from bot.runtime.privacy import erase, export
from bot.runtime.visibility import member_audience, post_audience
from schema import Debate

Interaction = discord.Interaction[DebateBot]
ChoiceSource = Callable[[Session, Debate, str], list[choose.Choice]]
DebateCheck = Callable[[Session, Debate], object]
"""A check of the core on the open debate of the thread (see :func:`check_open_debate`)."""
AppChoice = app_commands.Choice[str | int | float]
LATE = timedelta(seconds=1)
log = logging.getLogger(__name__)
T = TypeVar("T")
P = ParamSpec("P")


async def defer(interaction: Interaction, *, private: bool = False) -> None:
    """Acknowledge the interaction now ("thinking…") unless it was already answered; the answer follows up.

    A command or button whose work grows with the debate (reading or computing over all its records) calls this
    before that work, so that its answer cannot miss Discord's 3 s deadline however large the debate; ``private``
    for one answered only to the user (the placeholder is theirs alone too). Other work is deferred only if it grows
    late (:func:`read_debate`, :func:`write_debate`, …)."""
    if not interaction.response.is_done():
        await interaction.response.defer(thinking=True, ephemeral=private)
        if not private:
            interaction.extras[THINKING] = True


async def respond(interaction: Interaction, content: str | None = None, **kwargs: Any) -> None:
    """Answer the interaction, or follow up if it was deferred or answered already. The first follow-up fills in a
    deferral's public "thinking…" placeholder, whatever its flags: before a private answer, it is deleted instead."""
    if interaction.response.is_done():
        if kwargs.get("ephemeral"):
            await drop_placeholder(interaction)
        interaction.extras.pop(THINKING, None)  # a public follow-up fills the placeholder in
        await interaction.followup.send(content or discord.utils.MISSING, **kwargs)
    else:
        await interaction.response.send_message(content, **kwargs)


async def post(interaction: Interaction, **kwargs: Any) -> discord.WebhookMessage:
    """A public answer, after a deferral (made now if need be), returned so that it can be edited later."""
    await defer(interaction)
    interaction.extras.pop(THINKING, None)  # the follow-up fills the placeholder in
    return await interaction.followup.send(wait=True, **kwargs)


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


def _in_thread(
    interaction: Interaction, job: Callable[Concatenate[Session, Debate, P], T], *, open_only: bool, for_update: bool
) -> Callable[Concatenate[Session, P], T]:
    """``job`` run on the debate of the interaction's thread, found in the job's own session."""
    guild_id, thread_id = interaction.guild_id, interaction.channel_id or 0

    def in_thread(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> T:
        find = core.open_debate_in_thread if open_only else core.debate_in_thread
        return job(session, find(session, guild_id, thread_id, for_update=for_update), *args, **kwargs)

    return in_thread


async def read_debate(
    interaction: Interaction, job: Callable[Concatenate[Session, Debate, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """``job(session, debate, …)`` on the debate of the interaction's thread, open or closed, changing nothing. The
    interaction is deferred meanwhile if it grows late (see :func:`_deferring_when_late`)."""
    found = _in_thread(interaction, job, open_only=False, for_update=False)
    async with _deferring_when_late(interaction):
        return await interaction.client.db.query(found, *args, **kwargs)


async def check_open_debate(
    interaction: Interaction, check: Callable[Concatenate[Session, Debate, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """``check(session, debate, …)`` on the open debate of the interaction's thread, changing nothing: the refusals
    a command would meet, told before a modal makes the user type its text (never deferred: the modal answers)."""
    found = _in_thread(interaction, check, open_only=True, for_update=False)
    return await interaction.client.db.query(found, *args, **kwargs)


async def write_debate(
    interaction: Interaction, job: Callable[Concatenate[Session, Debate, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """``job(session, debate, …)`` on the open debate of the interaction's thread (its row locked), as one committed
    transaction (``Database.transact``). The interaction is deferred meanwhile if it grows late (see
    :func:`_deferring_when_late`)."""
    found = _in_thread(interaction, job, open_only=True, for_update=True)
    async with _deferring_when_late(interaction):
        return await interaction.client.db.transact(found, *args, **kwargs)


async def write_debate_in_place(
    interaction: Interaction, job: Callable[Concatenate[Session, Debate, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """:func:`write_debate` for a press answered by editing the message pressed (a picker, a hint): never deferred,
    since a deferral would answer with a new message instead."""
    found = _in_thread(interaction, job, open_only=True, for_update=True)
    return await interaction.client.db.transact(found, *args, **kwargs)


async def read_server(
    interaction: Interaction, job: Callable[Concatenate[Session, int, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """``job(session, guild_id, …)`` for this server (its id scopes what the job finds), changing nothing; deferred
    if it grows late."""
    guild_id = server_actor(interaction).guild_id
    async with _deferring_when_late(interaction):
        return await interaction.client.db.query(job, guild_id, *args, **kwargs)


async def read_server_in_background(
    bot: DebateBot, job: Callable[Concatenate[Session, int, P], T], guild_id: int, *args: P.args, **kwargs: P.kwargs
) -> T:
    """``job(session, guild_id, …)`` for a server outside any interaction (a timer's announcement), changing
    nothing."""
    return await bot.db.query(job, guild_id, *args, **kwargs)


async def write_server(
    interaction: Interaction, job: Callable[Concatenate[Session, core.Actor, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """``job(session, actor, …)`` for this server as one committed transaction, deferred if it grows late."""
    acting = server_actor(interaction)
    async with _deferring_when_late(interaction):
        return await interaction.client.db.transact(job, acting, *args, **kwargs)


async def erase_for(bot: DebateBot, plan: Sequence[Step]) -> int:
    """Run an erasure plan of the core (``bot.core.privacy.erasure``) as small write jobs; how many rows it changed.
    An interaction must be deferred first: the work grows with what is erased."""
    return await erase(bot.db, plan)


async def write_for_bot(
    bot: DebateBot, job: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """``job(session, …)`` as one committed transaction, for what no interaction asked (a gateway event)."""
    return await bot.db.transact(job, *args, **kwargs)


async def export_for(interaction: Interaction) -> dict[str, object]:
    """Everything the bot holds about the invoker in this server (``bot.core.privacy.export``)."""
    return await export(interaction.client.db, interaction.user.id, server_actor(interaction).guild_id)


def private_audience(interaction: Interaction) -> Audience:
    """Who sees an answer given to the invoker alone: the channels they can view (none outside a server)."""
    member = interaction.user
    return member_audience(member) if isinstance(member, discord.Member) else Audience(frozenset())


def public_audience(interaction: Interaction) -> Audience:
    """Who sees an answer posted in the interaction's channel: the channels the invoker can view that everyone who
    can read this one can read too (see :func:`bot.runtime.visibility.post_audience`)."""
    member, channel = interaction.user, interaction.channel
    if not isinstance(member, discord.Member) or not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        return Audience(frozenset(), public=True)
    return post_audience(channel, member)


def server_actor(interaction: Interaction) -> core.Actor:
    """The actor of a server-level command; :class:`WrongPlace` outside a server."""
    if interaction.guild_id is None:
        raise WrongPlace(core.SERVERS_ONLY)
    return actor(interaction)


async def check_logging_rate(interaction: Interaction) -> bool:
    """A check for commands that log records: :class:`Refused` when the user is logging too fast."""
    wait = interaction.client.logging_cooldown.acquire((interaction.guild_id, interaction.user.id))
    if wait:
        raise Refused(f"Slow down: you are logging faster than this server allows. Try again in {ceil(wait)} s.")
    return True


logging_rate = app_commands.check(check_logging_rate)


async def debate_choices(interaction: Interaction, typed: str, source: ChoiceSource) -> list[AppChoice]:
    """Autocomplete choices from ``source`` for the debate of this thread; none outside a debate thread."""
    in_thread = _in_thread(interaction, source, open_only=False, for_update=False)
    try:
        found = await interaction.client.db.query(in_thread, typed)
    except DomainError:
        return []
    return _app_choices(found)


def _app_choices(found: list[choose.Choice]) -> list[AppChoice]:
    return [AppChoice(name=choice.label, value=choice.value) for choice in found]


async def claim_autocomplete(interaction: Interaction, current: str) -> list[AppChoice]:
    return await debate_choices(interaction, current, choose.claim_choices)


async def crux_autocomplete(interaction: Interaction, current: str) -> list[AppChoice]:
    return await debate_choices(interaction, current, choose.crux_choices)


async def resolved_crux_autocomplete(interaction: Interaction, current: str) -> list[AppChoice]:
    return await debate_choices(interaction, current, choose.resolved_crux_choices)


async def side_autocomplete(interaction: Interaction, current: str) -> list[AppChoice]:
    return await debate_choices(interaction, current, choose.side_choices)


async def agenda_autocomplete(interaction: Interaction, current: str) -> list[AppChoice]:
    """This server's agendas matching what was typed that hold a debate the user can see; none outside a server."""
    if interaction.guild_id is None:
        return []
    audience = private_audience(interaction)
    return _app_choices(
        await interaction.client.db.query(choose.agenda_choices, interaction.guild_id, current, audience)
    )
