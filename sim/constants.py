"""Numbers from Discord's API documentation that the simulator needs (it must not import discord.py)."""

from __future__ import annotations

from enum import IntEnum

DISCORD_EPOCH_MS = 1420070400000
API_VERSION = 10
HEARTBEAT_INTERVAL_MS = 41250
INTERACTION_RESPONSE_DEADLINE = 3.0  # seconds before an unanswered interaction is "Unknown interaction"
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class Permissions:
    """Permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    MODERATE_MEMBERS = 1 << 40


ADMINISTRATOR = Permissions.ADMINISTRATOR
VIEW_CHANNEL = Permissions.VIEW_CHANNEL
SEND_MESSAGES = Permissions.SEND_MESSAGES
MANAGE_MESSAGES = Permissions.MANAGE_MESSAGES
READ_MESSAGE_HISTORY = Permissions.READ_MESSAGE_HISTORY
USE_APPLICATION_COMMANDS = Permissions.USE_APPLICATION_COMMANDS
MANAGE_THREADS = Permissions.MANAGE_THREADS
CREATE_PUBLIC_THREADS = Permissions.CREATE_PUBLIC_THREADS
SEND_MESSAGES_IN_THREADS = Permissions.SEND_MESSAGES_IN_THREADS

ALL_PERMISSIONS = (1 << 51) - 1
DEFAULT_MEMBER_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | SEND_MESSAGES_IN_THREADS
    | CREATE_PUBLIC_THREADS
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | Permissions.ADD_REACTIONS
    | Permissions.EMBED_LINKS
    | Permissions.ATTACH_FILES
)
DEFAULT_BOT_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS | MANAGE_THREADS | MANAGE_MESSAGES


GATEWAY_MESSAGE_CONTENT = 1 << 18
"""The application flag of a verified app's Message Content intent, switched on in the developer portal."""
DISALLOWED_INTENTS = 4014
"""The gateway close code for a privileged intent the application does not have."""


class Intents:
    """Gateway intent bits the simulator filters on."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15


class ChannelType(IntEnum):
    """Channel types the simulator creates."""

    GUILD_TEXT = 0
    DM = 1
    GUILD_CATEGORY = 4
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12


THREAD_TYPES = frozenset({ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD})


class OverwriteType(IntEnum):
    """Whom a permission overwrite is for."""

    ROLE = 0
    MEMBER = 1


class MessageFlags:
    """Message flag bits."""

    HAS_THREAD = 1 << 5
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    SUPPRESS_EMBEDS = 1 << 2
    IS_COMPONENTS_V2 = 1 << 15


class MessageType(IntEnum):
    """Message types the simulator produces."""

    DEFAULT = 0
    REPLY = 19
    CHAT_INPUT_COMMAND = 20
    CONTEXT_MENU_COMMAND = 23


class InteractionType(IntEnum):
    """Interaction types (INTERACTION_CREATE ``type``)."""

    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType(IntEnum):
    """Interaction callback (response) types."""

    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


ALLOWED_CALLBACKS: dict[InteractionType, frozenset[int]] = {
    InteractionType.APPLICATION_COMMAND: frozenset({4, 5, 9}),
    InteractionType.MESSAGE_COMPONENT: frozenset({4, 5, 6, 7, 9}),
    InteractionType.AUTOCOMPLETE: frozenset({8}),
    InteractionType.MODAL_SUBMIT: frozenset({4, 5, 6, 7}),
}


class CommandType(IntEnum):
    """Application command types."""

    CHAT_INPUT = 1
    USER = 2
    MESSAGE = 3


class OptionType(IntEnum):
    """Application command option types."""

    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


class ComponentType(IntEnum):
    """Message component types."""

    ACTION_ROW = 1
    BUTTON = 2
    STRING_SELECT = 3
    TEXT_INPUT = 4
    USER_SELECT = 5
    ROLE_SELECT = 6
    MENTIONABLE_SELECT = 7
    CHANNEL_SELECT = 8
    SECTION = 9
    TEXT_DISPLAY = 10
    THUMBNAIL = 11
    MEDIA_GALLERY = 12
    FILE = 13
    SEPARATOR = 14
    CONTAINER = 17
    LABEL = 18


SELECT_TYPES = frozenset({3, 5, 6, 7, 8})

#: How many of the latest dispatches per session, messages per channel and interactions a lean world keeps (a full
#: world keeps them all)...
LEAN_KEEP = 10_000
#: ... though it keeps every interaction not yet answered that is younger than this many seconds: a bot may still
#: answer it while a simulated user waits (``DiscordSim.answer_timeout``, 5 s, plus a margin).
LEAN_MIN_AGE = 6.0
