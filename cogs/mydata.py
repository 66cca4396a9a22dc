"""/mydata export and /mydata forget: a member's own data in this server, exported as a private file or erased
after a confirmation; and the confirmation of /debate delete (its command is in ``cogs/debate.py``). The rules are in
``bot.core.privacy``; erasure runs as small write jobs (``cogs.common.erase_for``), deferred first."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DebateBot
from bot.core.debates import timers
from bot.core.privacy import erasure, retention
from bot.core.privacy.export import export_files, rows_held
from bot.core.privacy.statement import FORGET_ASKED
from cogs.common import (
    Interaction,
    defer,
    erase_for,
    export_for,
    read_server,
    respond,
    server_actor,
    write_for_bot,
)
from cogs.views import DebateButton

log = logging.getLogger(__name__)
ATTACHMENT_LIMIT = 10 * 1024 * 1024
"""Discord's attachment limit where a server does not say a larger one (``Guild.filesize_limit``)."""
FILES_PER_MESSAGE = 10
THREAD_STAYS = (
    "Its Discord thread is left as Discord has it, with the bot's messages in it: delete or archive it in Discord."
)


class MyDataCog(commands.GroupCog, group_name="mydata", group_description="Your data in this server: export or erase"):
    def __init__(self, bot: DebateBot) -> None:
        self.bot = bot
        self._pending: set[asyncio.Task[object]] = set()
        self._deleting: set[int] = set()

    async def cog_load(self) -> None:
        self.bot.scheduler.register(
            retention.SERVER_REMOVED,
            retention.server_deletion_due,
            self.delete_server,
            retention.server_deletion_recalled,
        )
        parsers: dict[str, Callable[[dict[str, Any]], None]] = self.bot._connection.parsers
        parse_ready = parsers["READY"]

        def ready(data: dict[str, Any]) -> None:
            self._ready(data)
            parse_ready(data)

        parsers["READY"] = ready  # READY's own guild list: discord.py keeps no copy of it (bot.guilds is its cache)

    def _ready(self, data: dict[str, Any]) -> None:
        """READY lists every server of the shard, available or not: a server of the shard with data that it does not
        list was removed while the bot was away."""
        listed = [int(guild["id"]) for guild in data.get("guilds", [])]
        shard = data.get("shard")
        of = timers.Shard((shard[0],), shard[1]) if shard else self.bot.scheduler.shard
        self._in_background(
            retention.servers_missing, listed, of, self.bot.clock.now(), self.bot.settings.server_retention_days
        )

    def _in_background(self, job: Callable[..., object], *args: object) -> None:
        self._keep(write_for_bot(self.bot, job, *args))

    def _keep(self, work: Coroutine[Any, Any, object]) -> None:
        """``work`` run as a task of its own, referenced until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """GUILD_DELETE without ``unavailable``: the bot was removed (an outage is ``on_guild_unavailable``)."""
        days = self.bot.settings.server_retention_days
        due = await write_for_bot(self.bot, retention.server_removed, guild.id, self.bot.clock.now(), days)
        self.bot.scheduler.wake()
        log.info("Removed from server %s: its data is %s", guild.id, f"deleted at {due}" if due else "kept")

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await write_for_bot(self.bot, retention.server_present, guild.id)

    async def delete_server(self, guild_id: int, _nonce: str) -> None:
        """The retention period of a removed server is over: its data is deleted in the background, so that the
        scheduler's other timers are not held up meanwhile (nothing is posted: no nonce needed). The timer is armed
        again hourly (``retention.server_deletion_due``), so a deletion the process did not finish is taken up
        again; one still under way is not started twice."""
        if guild_id not in self._deleting:
            self._deleting.add(guild_id)
            self._keep(self._erase_server(guild_id))

    async def _erase_server(self, guild_id: int) -> None:
        try:
            erased = await erase_for(self.bot, erasure.delete_server(guild_id))
        except Exception:
            log.exception("Could not delete the data of server %s: taken up again within the hour", guild_id)
            return
        finally:
            self._deleting.discard(guild_id)
        log.info(
            "Deleted the data of server %s, removed %s days ago: %s rows",
            guild_id,
            self.bot.settings.server_retention_days,
            erased,
        )

    @app_commands.command(name="export", description="A file (only you see it) with everything the bot holds about you")
    async def export(self, interaction: Interaction) -> None:
        server_actor(interaction)  # in a server only
        await defer(interaction, private=True)
        document = await export_for(interaction)
        limit = interaction.guild.filesize_limit if interaction.guild else ATTACHMENT_LIMIT
        files = await asyncio.to_thread(export_files, document, limit)  # JSON and gzip grow with the member
        intro = (
            f"Everything this bot holds about you in this server: {rows_held(document)} records, as JSON "
            "(its format is described in the bot's docs/export-schema.md)."
        )
        if len(files) > 1:
            intro += f" It is in {len(files)} parts: join them in order (`cat mydata.json.gz.* > mydata.json.gz`)."
        for start in range(0, len(files), FILES_PER_MESSAGE):
            attached = [discord.File(io.BytesIO(data), name) for name, data in files[start : start + FILES_PER_MESSAGE]]
            await respond(interaction, None if start else intro, files=attached, ephemeral=True)

    @app_commands.command(name="forget", description="Erase your data in this server (asks you to confirm)")
    async def forget(self, interaction: Interaction) -> None:
        server_actor(interaction)
        view = discord.ui.View(timeout=None)
        view.add_item(ForgetButton(interaction.user.id))
        embed = discord.Embed(description=FORGET_ASKED, colour=discord.Colour.red())
        await respond(interaction, embed=embed, view=view, ephemeral=True)


class ForgetButton(DebateButton, template=r"mydata:forget:(?P<user>\d+)"):
    """Confirms /mydata forget: erases the presser's data, and only for whoever asked."""

    def __init__(self, user_id: int) -> None:
        button = discord.ui.Button[Any](
            label="Forget my data here", style=discord.ButtonStyle.danger, custom_id=f"mydata:forget:{user_id}"
        )
        super().__init__(button)
        self.user_id = user_id

    @classmethod
    def restore(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> Self:
        return cls(int(match["user"]))

    async def press(self, interaction: Interaction) -> None:
        erasure.check_confirmer(self.user_id, interaction.user.id)
        guild_id = server_actor(interaction).guild_id
        await interaction.response.defer()
        changed = await erase_for(interaction.client, erasure.forget_member(interaction.user.id, guild_id))
        done = (
            "Done: the bot no longer holds your data in this server (what stays is said above)."
            if changed
            else "The bot held nothing about you in this server: there was nothing to forget."
        )
        await interaction.edit_original_response(content=done, view=None)


async def ask_to_delete_debate(interaction: Interaction, number: int) -> None:
    """/debate delete: the debate found and the moderator's permission checked, a confirmation shown to them."""
    debate = await read_server(interaction, erasure.debate_to_delete, number, interaction.permissions.manage_threads)
    view = discord.ui.View(timeout=None)
    view.add_item(DeleteDebateButton(debate.id, interaction.user.id))
    await respond(
        interaction,
        f"Delete **Debate #{debate.number}** and everything derived from it — its records with their history, "
        f"credences, scores, sides and drafts? This cannot be undone. {THREAD_STAYS}",
        view=view,
        ephemeral=True,
    )


class DeleteDebateButton(DebateButton, template=r"privacy:delete:(?P<debate>\d+):(?P<user>\d+)"):
    """Confirms /debate delete: for the moderator who asked, still a moderator, the debate still in this server."""

    def __init__(self, debate_id: int, user_id: int) -> None:
        custom_id = f"privacy:delete:{debate_id}:{user_id}"
        super().__init__(discord.ui.Button(label="Delete it", style=discord.ButtonStyle.danger, custom_id=custom_id))
        self.debate_id, self.user_id = debate_id, user_id

    @classmethod
    def restore(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> Self:
        return cls(int(match["debate"]), int(match["user"]))

    async def press(self, interaction: Interaction) -> None:
        erasure.check_confirmer(self.user_id, interaction.user.id)
        can_moderate = interaction.permissions.manage_threads
        await interaction.response.defer()  # before the read: a read grown late would defer it (cogs.common) first
        debate = await read_server(interaction, erasure.debate_to_delete_by_id, self.debate_id, can_moderate)
        await erase_for(interaction.client, erasure.delete_debate(debate.id))
        await interaction.edit_original_response(
            content=f"Debate #{debate.number} is deleted, with everything derived from it. {THREAD_STAYS}", view=None
        )


async def setup(bot: DebateBot) -> None:
    bot.add_dynamic_items(ForgetButton, DeleteDebateButton)
    await bot.add_cog(MyDataCog(bot))
