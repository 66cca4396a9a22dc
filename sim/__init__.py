"""A local Discord-compatible server for testing an unmodified discord.py 2.7 bot end to end.

Covers: login (``/users/@me``, ``/oauth2/applications/@me``), a JSON gateway (HELLO, heartbeats, IDENTIFY with
sharding, READY, GUILD_CREATE, RESUME with replay, op 7/9, GUILD_MEMBERS_CHUNK), intent filtering (other users'
message content is blanked on the gateway without the message-content intent, and over REST unless the application
has it — ``message_content_intent``, the portal's switch; asking for it without gets close 4014, like Discord),
roles (several per member: ``add_role``, ``edit_role``, ``give_role``, ``take_role``), categories whose synced
channels follow their overwrites (``add_category``), members' permissions in a channel computed as Discord does from
role and member overwrites that allow or deny (``overwrite``, ``deny``; resolved channel options carry the
invoker's), command bulk overwrite, slash commands with subcommands/groups and typed options (refused as Discord's
client refuses them, ``ClientRefusal``, outside their bounds or choices; hidden, ``PermissionError``, outside their
contexts or default member permissions), autocomplete, message context menus, buttons, select menus, modals,
interaction callbacks (types 4-9 with the ``with_response`` body, 3 s deadline, "already acknowledged"), follow-ups
and ``@original`` edits, channel messages (JSON or multipart files, replies, history, edit, delete), threads
(create, from a message, archive/lock, join/leave), DMs, Discord's size limits (400 50035), and faults (429/5xx,
reconnect, invalid session, dropped connections).

Not covered: enforcement of the bot's own permissions, reactions, pins, webhooks other than interaction ones, forum
channels, voice, presences, rate limiting unless injected, zlib compression, the "X started a thread" system
message, and attachment/user/role resolution in select menus. After a deferral the first follow-up fills in the
deferred message (as Discord does).

Typical use::

    async with DiscordSim() as sim:
        guild = sim.add_guild()
        channel = sim.add_text_channel(guild)
        alice = sim.add_member(guild, "Alice")
        use_endpoints(sim.api_base, sim.gateway_url)
        ...start the bot with sim.token...
        await sim.wait_until_ready()
        result = await sim.invoke(alice, channel, "debate start", topic="Tabs vs spaces")
        assert "started" in result.text and not sim.errors
"""

from .commands import ClientRefusal
from .constants import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    CREATE_PUBLIC_THREADS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    MANAGE_MESSAGES,
    MANAGE_THREADS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    USE_APPLICATION_COMMANDS,
    VIEW_CHANNEL,
    CallbackType,
    ChannelType,
    OverwriteType,
    Permissions,
)
from .interactions import InteractionResult
from .models import (
    RecordedRequest,
    SimAttachment,
    SimChannel,
    SimGuild,
    SimMember,
    SimMessage,
    SimOverwrite,
    SimRole,
    SimUser,
)
from .server import DiscordSim

__all__ = [
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "CREATE_PUBLIC_THREADS",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_MEMBER_PERMISSIONS",
    "MANAGE_MESSAGES",
    "MANAGE_THREADS",
    "READ_MESSAGE_HISTORY",
    "SEND_MESSAGES",
    "SEND_MESSAGES_IN_THREADS",
    "USE_APPLICATION_COMMANDS",
    "VIEW_CHANNEL",
    "CallbackType",
    "ChannelType",
    "ClientRefusal",
    "DiscordSim",
    "InteractionResult",
    "OverwriteType",
    "Permissions",
    "RecordedRequest",
    "SimAttachment",
    "SimChannel",
    "SimGuild",
    "SimMember",
    "SimMessage",
    "SimOverwrite",
    "SimRole",
    "SimUser",
]
