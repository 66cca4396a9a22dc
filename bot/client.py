"""The Bot subclass: loads the cogs, syncs commands when they changed, answers every app-command error."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.core.debates.lifecycle import SERVERS_ONLY
from bot.core.debates.timers import Shard
from bot.core.errors import DomainError
from bot.db import Database, unavailable
from bot.runtime import event_loop, json_codec
from bot.runtime.groups import OpinionGroups
from bot.runtime.health import HeartbeatWriter
from bot.runtime.model_files import OFFICIAL, ModelFiles
from bot.runtime.names import DisplayNames
from bot.runtime.ratelimit import Cooldown
from bot.runtime.scheduler import Clock, Scheduler
from bot.runtime.similar import SimilarRecords
from bot.runtime.sync import CommandSyncer, Synced

log = logging.getLogger(__name__)
DRAIN_SECONDS = 3.0
RESTARTING = "I am restarting: try again in a few seconds. Nothing was recorded."
MODAL_PREFIX = "modal:"
"""Every modal the bot opens has a custom_id starting with this, naming its handler and what the handler needs."""
ModalHandler = Callable[["discord.Interaction[DebateBot]", re.Match[str], Mapping[str, str]], Awaitable[None]]
DATABASE_UNAVAILABLE = "The database is unavailable — try again in a moment."

INITIAL_EXTENSIONS = (
    "cogs.debate",
    "cogs.claims",
    "cogs.cruxes",
    "cogs.suggest",  # joins /crux: after cogs.cruxes
    "cogs.capture",
    "cogs.agendas",
    "cogs.digests",
    "cogs.formats",
    "cogs.similar",
    "cogs.imports",
    "cogs.privacy",
    "cogs.mydata",
)
NEEDED_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "send_messages_in_threads",
    "create_public_threads",
    "manage_threads",
    "embed_links",
    "attach_files",
    "read_message_history",
)
"""What the bot needs in a channel it serves (the README's set-up asks for the same)."""
IN_SERVERS_ONLY = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)
"""Where every command and context menu can be used: Discord offers them in servers only (``contexts``: [0]); the
tree gives it to all, as Discord reads it only on top-level commands."""
SERVER_INSTALLS = app_commands.AppInstallationType(guild=True, user=False)
"""How the app is installed: to servers, not to users' accounts."""


class Refused(app_commands.CheckFailure):
    """A check that failed with a message for the user (a cooldown, say)."""


class InFlight:
    """Counts the interactions being handled (commands, buttons, selects, modals), so that shutdown can let them
    finish and answer."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self, interaction: discord.Interaction) -> None:
        interaction.extras["in_flight"] = True
        self._count += 1
        self._idle.clear()

    def leave(self, interaction: discord.Interaction) -> None:
        if interaction.extras.pop("in_flight", False):
            self._count -= 1
            if not self._count:
                self._idle.set()

    @property
    def busy(self) -> int:
        """How many interactions are being handled."""
        return self._count

    async def wait_idle(self) -> None:
        """Return once no command is running."""
        await self._idle.wait()


class DebateTree(app_commands.CommandTree["DebateBot"]):
    """The command tree: one check and one error handler for every app command (after Red-DiscordBot's)."""

    async def interaction_check(self, interaction: discord.Interaction[DebateBot]) -> bool:
        """Every command works in a server only (Discord offers none elsewhere, see ``IN_SERVERS_ONLY``; a forged or
        stale interaction is answered politely); while shutting down, new commands are refused, not half-done."""
        if interaction.type is not discord.InteractionType.application_command:
            return interaction.guild_id is not None  # autocomplete offers nothing outside a server
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage()
        await self.client.admit(interaction)
        return True

    async def on_error(self, interaction: discord.Interaction[DebateBot], error: app_commands.AppCommandError) -> None:
        self.client.in_flight.leave(interaction)
        await report_error(interaction, error)


async def handle(interaction: discord.Interaction[DebateBot], action: Callable[[], Awaitable[None]]) -> None:
    """Run a button's, a select's or a modal's ``action`` as commands run: refused while shutting down, counted
    while it runs (shutdown lets it finish), and any error answered to the user (see :func:`report_error`)."""
    try:
        async with interaction.client.serving(interaction):
            await action()
    except Exception as error:
        await report_error(interaction, error)


def submitted_values(data: Mapping[str, object]) -> dict[str, str]:
    """The values of a modal submission by input custom_id, whether each input came in an action row (type 1) or in
    a label (type 18); a select's values are joined by commas."""
    values: dict[str, str] = {}
    pending = list(data.get("components") or [])  # type: ignore[call-overload]
    while pending:
        component = pending.pop()
        if not isinstance(component, dict):
            continue
        pending += component.get("components") or []
        pending += [component["component"]] if isinstance(component.get("component"), dict) else []
        custom_id = component.get("custom_id")
        if isinstance(custom_id, str):
            picked = component.get("values")
            value = component.get("value") if picked is None else ",".join(map(str, picked))
            values[custom_id] = value if isinstance(value, str) else ""
    return values


class ModalRoutes:
    """The handlers of the bot's modals, by custom_id template (as ``DynamicItem`` templates route buttons).

    discord.py keeps an open modal only in memory, keyed by its exact custom_id: a modal opened before a restart
    and submitted after it would get no answer. The bot's modals are therefore never given to discord.py's store
    (see ``cogs.views.ask``); every submission, before or after a restart, is routed here by its custom_id.
    """

    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], ModalHandler]] = []

    def add(self, template: str, handler: ModalHandler) -> None:
        """Route submissions whose custom_id is ``MODAL_PREFIX + template`` (a full match) to ``handler``."""
        self._routes.append((re.compile(re.escape(MODAL_PREFIX) + template), handler))

    async def dispatch(self, interaction: discord.Interaction[DebateBot]) -> None:
        """Answer a modal submission whose custom_id is ours; leave anything else alone."""
        data: Mapping[str, object] = interaction.data or {}
        custom_id = data.get("custom_id")
        if interaction.type is not discord.InteractionType.modal_submit or not isinstance(custom_id, str):
            return
        if not custom_id.startswith(MODAL_PREFIX):
            return
        values = submitted_values(data)
        for pattern, handler in self._routes:
            if match := pattern.fullmatch(custom_id):
                await handle(interaction, functools.partial(handler, interaction, match, values))
                return
        await handle(interaction, _unknown_form)


async def _unknown_form() -> None:
    raise Refused("I do not know that form (it may be from an older version of me): run the command again.")


async def report_error(interaction: discord.Interaction, error: Exception) -> None:
    """Tell the user what went wrong, only them; for commands, buttons and modals alike."""
    await send_ephemeral(interaction, explain(error, interaction))


def explain(error: Exception, interaction: discord.Interaction) -> str:
    """The message a user sees for an error; unexpected ones are logged and get a generic apology."""
    cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    match cause:
        case DomainError() | Refused():
            return str(cause)
        case app_commands.NoPrivateMessage():
            return SERVERS_ONLY
        case app_commands.CommandOnCooldown():
            return f"Slow down: you can do that again in {cause.retry_after:.0f} s."
        case app_commands.MissingPermissions():
            return f"You need the {_permission_names(cause.missing_permissions)} permission here to do that."
        case app_commands.BotMissingPermissions():
            return f"I need the {_permission_names(cause.missing_permissions)} permission in this channel."
        case app_commands.TransformerError():
            return f"“{cause.value}” is not a valid value for that option."
        case app_commands.CheckFailure():
            return "You can't use this command here."
        case Exception() if unavailable(cause):
            log.warning("The database is unavailable in %s: %s", _where(interaction), cause)
            return DATABASE_UNAVAILABLE
        case discord.Forbidden(code=50001 | 50013):  # Missing Access, Missing Permissions
            log.warning("Discord refused a call in %s: %s", _where(interaction), cause.text)
            lacking = [name for name in NEEDED_PERMISSIONS if not getattr(interaction.app_permissions, name)]
            return (
                f"Discord refused me ({cause.text}): I lack a permission in this channel. "
                f"A server admin can give me {_permission_names(lacking or list(NEEDED_PERMISSIONS))}."
            )
    log.error("Unexpected error in %s", _where(interaction), exc_info=cause)
    return "Something went wrong on my side; it has been logged. Check the thread before trying again."


def _where(interaction: discord.Interaction) -> str:
    return f"/{interaction.command.qualified_name}" if interaction.command else f"interaction {interaction.data}"


def _permission_names(permissions: list[str]) -> str:
    return ", ".join(name.replace("_", " ").title() for name in permissions)


THINKING = "public_thinking"
"""``interaction.extras`` key: a public "thinking…" placeholder is waiting for the answer to fill it in."""


async def send_ephemeral(interaction: discord.Interaction, content: str) -> None:
    """Answer only the user who acted, whether or not the interaction was already answered or deferred."""
    if not interaction.response.is_done():
        await interaction.response.send_message(content, ephemeral=True)
        return
    await drop_placeholder(interaction)
    await interaction.followup.send(content, ephemeral=True)


async def drop_placeholder(interaction: discord.Interaction) -> None:
    """Delete a deferral's pending public "thinking…" placeholder, before a private follow-up: on Discord the first
    follow-up fills it in and stays public whatever its flags say, which would show a private answer to everyone."""
    if interaction.extras.pop(THINKING, False):
        with contextlib.suppress(discord.HTTPException):
            await interaction.delete_original_response()


def _shard(settings: Settings) -> Shard | None:
    """This process's shards, when the bot is sharded (``SHARD_ID`` or ``SHARD_IDS`` of ``SHARD_COUNT``)."""
    if settings.shard_count is None:
        return None
    return Shard(settings.shards, settings.shard_count)


class DebateBot(commands.Bot):
    """The debate bot. The database is injected (as in discord.py's ``advanced_startup.py``)."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        clock: Clock | None = None,
        serve: bool = True,
        model_files: ModelFiles | None = None,
        **options: object,
    ) -> None:
        """``serve`` false: a bot that only logs in to manage its commands (``python -m bot commands``): its setup
        loads the commands but syncs nothing and starts no timers, heartbeat or model. ``model_files``: the
        embedding model's files (default: the official ones, in ``MODEL_DIR``)."""
        # A text-only bot: discord.py's warnings that voice needs PyNaCl and davey do not apply.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        json_codec.install()  # orjson, with the standard library for the lone surrogates it refuses
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=DebateTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            allowed_contexts=IN_SERVERS_ONLY,
            allowed_installs=SERVER_INSTALLS,
            shard_id=settings.shard_id,
            shard_count=settings.shard_count,
            **options,  # type: ignore[arg-type]
        )
        self.settings = settings
        self.db = db
        self.logging_cooldown = Cooldown(settings.logging_rate, settings.logging_window_seconds)
        self.accepting = True
        self.in_flight = InFlight()
        self.modals = ModalRoutes()
        self.clock = clock or Clock()
        self.scheduler = Scheduler(db, self.clock, shard=_shard(settings))
        files = model_files or OFFICIAL.files(settings.model_dir)
        self.similar = SimilarRecords(db, files, enabled=settings.similar_records)
        self.heartbeat = HeartbeatWriter(db, settings.shards, settings.heartbeat_seconds)
        self.names = DisplayNames(db)
        self.groups = OpinionGroups()
        self.serve = serve

    async def setup_hook(self) -> None:
        if self.serve:
            self.similar.start()
        # Every extension must load: syncing a partial command set would delete the missing commands for everyone.
        for extension in INITIAL_EXTENSIONS:
            await self.load_extension(extension)
        for command in self.tree.get_commands():
            command.guild_only = True  # dm_permission false too, for clients still reading that older field
        if not self.serve:
            return
        await self.sync_commands_if_changed()
        self.scheduler.start()  # after the extensions have registered their timer handlers
        self.heartbeat.start()

    async def on_ready(self) -> None:
        self.heartbeat.gateway(connected=True)
        log.info("%s", self.ready_line())

    def ready_line(self) -> str:
        """What READY logs: the application, the shards this process serves, how many servers it has, and the event
        loop it serves on."""
        count = self.shard_count or 1
        shards = ", ".join(map(str, self.settings.shards))
        return (
            f"Ready: application {self.application_id}, shards {shards} of {count}, {len(self.guilds)} servers, "
            f"on {event_loop.running()}."
        )

    async def on_resumed(self) -> None:
        self.heartbeat.gateway(connected=True)

    async def on_disconnect(self) -> None:
        self.heartbeat.gateway(connected=False)

    async def close(self) -> None:
        """Refuse new commands and let running ones finish (up to ``DRAIN_SECONDS``), stop firing timers (one being
        fired rolls back and stays due), then disconnect."""
        self.accepting = False
        try:
            async with asyncio.timeout(DRAIN_SECONDS):
                await self.in_flight.wait_idle()
        except TimeoutError:
            log.warning("Closing with commands still running after %.0f s.", DRAIN_SECONDS)
        await self.scheduler.stop()
        await self.similar.close()
        await self.heartbeat.stop()
        await super().close()

    async def admit(self, interaction: discord.Interaction) -> None:
        """Count the interaction as running, or :class:`Refused` while shutting down: new work is refused, not
        half-done. The caller calls ``in_flight.leave`` once it has answered. Every interaction the bot serves passes
        here: the acting user's display name is kept here (``bot.runtime.names``), for exports."""
        if not self.accepting:
            raise Refused(RESTARTING)
        self.in_flight.enter(interaction)
        await self.names.note(interaction)

    @contextlib.asynccontextmanager
    async def serving(self, interaction: discord.Interaction) -> AsyncIterator[None]:
        """:meth:`admit` the interaction for the block (a button's, select's or modal's work)."""
        await self.admit(interaction)
        try:
            yield
        finally:
            self.in_flight.leave(interaction)

    async def on_app_command_completion(self, interaction: discord.Interaction, command: object) -> None:
        self.in_flight.leave(interaction)

    async def on_interaction(self, interaction: discord.Interaction[DebateBot]) -> None:
        await self.modals.dispatch(interaction)

    async def sync_commands_if_changed(self) -> Synced:
        """Sync the command tree to ``SYNC_GUILD_ID`` (or globally) unless the same set was synced there before, and
        clear the scope synced before if it was another (see :mod:`bot.runtime.sync`)."""
        synced = await CommandSyncer(self, self.tree, self.db).sync(self.settings.sync_guild_id)
        if synced.sent is None:
            log.info("Commands unchanged since the last sync (%s); not syncing.", synced.scope)
        else:
            log.info("Synced %d commands (%s).", synced.sent, synced.scope)
        for scope in synced.cleared:
            log.info("Cleared the commands of the scope no longer used (%s).", scope)
        return synced


class ShardedDebateBot(DebateBot, commands.AutoShardedBot):
    """The debate bot serving several shards in one process (``SHARD_IDS``): one gateway connection per shard, a
    heartbeat row per shard."""

    async def on_shard_ready(self, shard_id: int) -> None:
        self.heartbeat.gateway(connected=True, shard=shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.heartbeat.gateway(connected=True, shard=shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.heartbeat.gateway(connected=False, shard=shard_id)

    async def on_resumed(self) -> None:
        """Each shard says so itself (``on_shard_resumed``)."""

    async def on_disconnect(self) -> None:
        """Each shard says so itself (``on_shard_disconnect``)."""


def bot_for(settings: Settings, db: Database) -> DebateBot:
    """The bot these settings ask for: one connection (unsharded, or ``SHARD_ID``), or one per shard of
    ``SHARD_IDS``."""
    if settings.shard_ids:
        return ShardedDebateBot(settings, db, shard_ids=settings.shard_ids)
    return DebateBot(settings, db)
