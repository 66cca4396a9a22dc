"""Syncing the command tree to Discord, globally or to one server, and clearing the scope no longer used.

Each scope synced is remembered in the database (``CommandSync``: the scope and the fingerprint of what was sent, and
by which application), so that a start with an unchanged command set sends nothing (Discord limits command
creation), and so that a switch of ``SYNC_GUILD_ID`` clears the commands of the scope used before: without that, a
server would list every command twice (its own copy and the global one), or keep a development server's copies after
going global.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

import discord
from discord import app_commands
from sqlalchemy import delete
from sqlalchemy.orm import Session
from sqlmodel import col, select

from bot.core.sql import upsert
from bot.db import Database
from schema import CommandSync, utcnow

log = logging.getLogger(__name__)
GLOBAL = "global"


def scope_of(guild_id: int | None) -> str:
    """How a scope is named in the database and the logs: "global", or the server's id."""
    return GLOBAL if guild_id is None else str(guild_id)


@dataclass(frozen=True)
class Synced:
    """What a sync did: how many commands it sent to ``scope`` (``None``: unchanged, nothing sent), and which scopes
    used before it cleared."""

    scope: str
    sent: int | None
    cleared: tuple[str, ...]


class CommandSyncer:
    """Syncs ``tree`` for ``client`` and remembers each scope synced in ``db``."""

    def __init__(self, client: discord.Client, tree: app_commands.CommandTree, db: Database) -> None:
        self.client = client
        self.tree = tree
        self.db = db

    async def sync(self, guild_id: int | None, *, force: bool = False) -> Synced:
        """Sync the commands to server ``guild_id`` (a copy of the global ones) or globally, unless the same set was
        synced there last (or ``force``); then clear every other scope synced before."""
        guild = discord.Object(guild_id) if guild_id is not None else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        scope, fingerprint = scope_of(guild_id), self._fingerprint(guild)
        before = await self._remembered()
        sent = None
        if force or before.get(scope) != fingerprint:
            sent = len(await self.tree.sync(guild=guild))
            await self._remember(scope, fingerprint)
        cleared = tuple(sorted(other for other in before if other != scope))
        for other in cleared:
            await self.clear(None if other == GLOBAL else int(other))
        return Synced(scope, sent, cleared)

    async def clear(self, guild_id: int | None) -> None:
        """Remove every command of server ``guild_id`` (or every global command) from Discord, and forget that scope
        was synced. A server the bot has left (403, 404) has nothing left to clear: it is forgotten all the same."""
        application_id = self.client.application_id
        assert application_id is not None, "log in first"
        http = self.client.http
        try:
            if guild_id is None:
                await http.bulk_upsert_global_commands(application_id, [])
            else:
                await http.bulk_upsert_guild_commands(application_id, guild_id, [])
        except (discord.Forbidden, discord.NotFound) as error:
            log.warning("Could not clear the commands of server %s (%s): the bot is no longer there?", guild_id, error)
        await self.db.transact(_forget, scope_of(guild_id))

    async def _remembered(self) -> dict[str, str]:
        return await self.db.query(_remembered)

    async def _remember(self, scope: str, fingerprint: str) -> None:
        values = {"scope": scope, "fingerprint": fingerprint, "synced_at": utcnow()}
        await self.db.transact(upsert, CommandSync, values, conflict=("scope",), update=("fingerprint", "synced_at"))

    def _fingerprint(self, guild: discord.abc.Snowflake | None) -> str:
        """What would be sent to ``guild`` (or globally), and by which application: a database reused with another
        application's token has sent it nothing yet."""
        commands = sorted(
            (command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)),
            key=lambda c: (c["type"], c["name"]),
        )
        payload = {"application": self.client.application_id, "commands": commands}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _remembered(session: Session) -> dict[str, str]:
    """The fingerprint last synced to each scope."""
    return {row.scope: row.fingerprint for row in session.execute(select(CommandSync)).scalars()}


def _forget(session: Session, scope: str) -> None:
    session.execute(delete(CommandSync).where(col(CommandSync.scope) == scope))
