"""The runtime side of display names (``bot.core.debates.names``): noted from every interaction the bot serves, in one
place (:meth:`bot.client.DebateBot.admit`), and written only when they changed.

An in-memory cache (bounded, least recently seen dropped first) holds the name last written for each (guild, user),
so an unchanged name costs a dictionary lookup; a changed or unknown one (after a restart) costs one small write
before the interaction is served, so that whatever the interaction's answer shows is stored with its name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict

import discord

from bot.core.debates.names import remember_name
from bot.db import Database
from schema import utcnow

log = logging.getLogger(__name__)
CACHED_NAMES = 50_000
NAME_WAIT = 0.25
"""Seconds an interaction waits for its user's new name to be written; past that the write goes on meanwhile, so
that a busy database never makes an answer (or a form, which cannot be deferred) miss Discord's 3 seconds."""


class DisplayNames:
    """Keeps the acting user's display name, per server, whenever it differs from the one last kept."""

    def __init__(self, db: Database, capacity: int = CACHED_NAMES) -> None:
        self._db = db
        self._capacity = capacity
        self._known: OrderedDict[tuple[int, int], str] = OrderedDict()
        self._writing: set[asyncio.Task[None]] = set()

    async def note(self, interaction: discord.Interaction) -> None:
        """Keep the acting user's name in the interaction's server (nothing for autocomplete or outside a server)."""
        if interaction.guild_id is None or interaction.type is discord.InteractionType.autocomplete:
            return
        key, name = (interaction.guild_id, interaction.user.id), interaction.user.display_name
        if self._unchanged(key, name):  # the common case: no task, no wait
            return
        write = asyncio.ensure_future(self.seen(*key, name))
        self._writing.add(write)
        write.add_done_callback(self._writing.discard)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(write), NAME_WAIT)

    async def seen(self, guild_id: int, user_id: int, name: str) -> None:
        """Write ``name`` unless it is the one last written for the user in the guild. A failed write is logged, not
        raised (a name is not worth failing the interaction): the user's next interaction tries again."""
        key = (guild_id, user_id)
        if self._unchanged(key, name):
            return
        try:
            await self._db.transact(remember_name, guild_id, user_id, name, utcnow())
        except Exception as error:
            log.warning("Could not keep the display name of user %s in guild %s: %s", user_id, guild_id, error)
            return
        self._known[key] = name
        self._known.move_to_end(key)
        if len(self._known) > self._capacity:
            self._known.popitem(last=False)

    def _unchanged(self, key: tuple[int, int], name: str) -> bool:
        """Whether ``name`` is the one last written for ``key`` (which then counts as the most recently seen)."""
        if self._known.get(key) != name:
            return False
        self._known.move_to_end(key)
        return True
