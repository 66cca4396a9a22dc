"""The simulator's state and every change to it, each followed by the gateway event Discord would send."""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .constants import (
    ALL_PERMISSIONS,
    DEFAULT_BOT_PERMISSIONS,
    DISCORD_EPOCH_MS,
    LEAN_KEEP,
    LEAN_MIN_AGE,
    MANAGE_THREADS,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    ChannelType,
    Intents,
    MessageFlags,
    MessageType,
    OverwriteType,
)
from .gateway import GatewayHub
from .models import (
    JSON,
    RecordedRequest,
    SimAttachment,
    SimChannel,
    SimGuild,
    SimMember,
    SimMessage,
    SimOverwrite,
    SimRole,
    SimUser,
    SnowflakeFactory,
    iso_now,
)

if TYPE_CHECKING:
    from .gateway import GatewaySession
    from .interactions import InteractionRecord

NONCE_WINDOW = 180.0
"""Seconds a nonce is remembered (Discord: "the past few minutes"); ``DiscordSim.nonce_window`` changes it."""
MENTION = re.compile(r"<@!?(\d+)>")


class Notifier:
    """Wakes coroutines waiting for the world to change (a request answered, a frame handled…).

    Waiters also re-check every ``poll`` seconds, so predicates may look at state outside the server (the bot's cache).
    """

    def __init__(self, poll: float = 0.02) -> None:
        self.poll = poll
        self._event = asyncio.Event()
        self._waiting = 0

    def notify(self) -> None:
        """Wake every current waiter."""
        if self._waiting:
            self._event.set()
            self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], within: float) -> bool:
        """Wait until ``predicate()`` holds; False if ``within`` seconds pass first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._waiting += 1
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(remaining, self.poll)):
                        await self._event.wait()
            finally:
                self._waiting -= 1
        return True


class World:
    """Users, guilds, channels, messages, commands and interactions, plus the gateway that reports changes.

    ``lean`` (for load benchmarks) keeps no log of REST calls (4xx answers are still kept in ``errors``), keeps only
    the latest ``LEAN_KEEP`` dispatches for RESUME replay, messages per channel and interactions (but none still
    unanswered and younger than ``LEAN_MIN_AGE``), and wakes a user waiting for an answer only when that interaction
    changes, instead of waking every waiter on every change.
    """

    def __init__(self, token: str, shard_count: int, *, lean: bool = False) -> None:
        self.token = token
        self.shard_count = shard_count
        self.lean = lean
        self.snowflake = SnowflakeFactory()
        self.application_id = self.snowflake()
        self.bot_user = SimUser(self.application_id, "SimBot", None, bot=True)
        self.app_owner = SimUser(self.snowflake(), "app_owner", "App Owner")
        self.users: dict[int, SimUser] = {self.bot_user.id: self.bot_user}
        self.attachments: dict[int, SimAttachment] = {}
        self.guilds: dict[int, SimGuild] = {}
        self.channels: dict[int, SimChannel] = {}
        self.dm_channels: dict[int, SimChannel] = {}
        self.messages: dict[int, list[SimMessage]] = {}
        self.message_index: dict[int, SimMessage] = {}
        self.commands: dict[int | None, list[JSON]] = {}
        self.command_ids: dict[tuple[int | None, str, int], int] = {}
        self.command_puts = 0
        # Ordered by a linked list, so that the oldest is found at once however many were forgotten before it (a
        # plain dict's first item is found by skipping every slot deleted since it last resized).
        self.interactions: OrderedDict[int, InteractionRecord] = OrderedDict()
        self.interactions_by_token: dict[str, InteractionRecord] = {}
        self.requests: list[RecordedRequest] = []
        self.errors: list[RecordedRequest] = []
        self.base_url = "http://127.0.0.1"
        self.gateway_url = "ws://127.0.0.1/gateway"
        self.notifier = Notifier()
        self.gateway = GatewayHub(self)
        self.nonce_window = NONCE_WINDOW
        """Seconds within which a message created with ``enforce_nonce`` and the nonce of an earlier message by the same
        author returns that message instead of creating another (Discord: "the past few minutes")."""
        self._nonces: dict[tuple[int, str], tuple[float, SimMessage]] = {}
        self.message_content = False
        """The application's Message Content intent (the developer portal's switch): without it other users' guild
        messages come without their text over REST, and a gateway session asking for the intent is closed (4014)."""

    # ----- building the world -------------------------------------------------------------------------------

    def add_user(self, name: str) -> SimUser:
        """A new person."""
        user = SimUser(self.snowflake(), name.lower().replace(" ", "_"), name)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, bot_permissions: int = DEFAULT_BOT_PERMISSIONS) -> SimGuild:
        """A guild with an owner member and the bot as a member; GUILD_CREATE if a bot is connected."""
        guild = SimGuild(self.snowflake(), name)
        owner = self.add_user(f"{name} owner")
        guild.owner_id = owner.id
        self.guilds[guild.id] = guild
        self._join(guild, owner, 0)
        self._join(guild, self.bot_user, bot_permissions)
        self.gateway.dispatch("GUILD_CREATE", lambda s: self.guild_create_payload(guild, s.intents), guild.id)
        return guild

    def remove_bot(self, guild: SimGuild) -> None:
        """The bot is removed from (kicked out of) ``guild``: GUILD_DELETE without ``unavailable``; READY no longer
        lists it."""
        del guild.members[self.bot_user.id]
        self.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild.id)

    def add_text_channel(self, guild: SimGuild, name: str, category: SimChannel | None = None) -> SimChannel:
        """A text channel (in ``category``, synced with its overwrites); CHANNEL_CREATE."""
        channel = SimChannel(self.snowflake(), ChannelType.GUILD_TEXT, name, guild.id, position=len(guild.channels))
        if category is not None:
            channel.parent_id, channel.synced, channel.overwrites = category.id, True, _copied(category.overwrites)
        self._register_channel(guild, channel)
        self.gateway.dispatch("CHANNEL_CREATE", channel.to_payload(), guild.id)
        return channel

    def add_category(self, guild: SimGuild, name: str) -> SimChannel:
        """A category channels can be put in; CHANNEL_CREATE."""
        channel = SimChannel(self.snowflake(), ChannelType.GUILD_CATEGORY, name, guild.id, position=len(guild.channels))
        self._register_channel(guild, channel)
        self.gateway.dispatch("CHANNEL_CREATE", channel.to_payload(), guild.id)
        return channel

    def add_member(self, guild: SimGuild, name: str, permissions: int, user: SimUser | None = None) -> SimMember:
        """A member (a new user unless ``user`` is given); GUILD_MEMBER_ADD."""
        member = self._join(guild, user or self.add_user(name), permissions)
        self.gateway.dispatch("GUILD_MEMBER_ADD", member.to_payload() | {"guild_id": str(guild.id)}, guild.id)
        return member

    def dm_channel(self, user: SimUser) -> SimChannel:
        """The DM channel between ``user`` and the bot (created on first use)."""
        if user.id not in self.dm_channels:
            channel = SimChannel(self.snowflake(), ChannelType.DM, "", recipients=[user])
            self.dm_channels[user.id] = self.channels[channel.id] = channel
            self.messages[channel.id] = []
        return self.dm_channels[user.id]

    def _join(self, guild: SimGuild, user: SimUser, permissions: int) -> SimMember:
        member = SimMember(user, guild, permissions, self.snowflake())
        guild.members[user.id] = member
        return member

    def _register_channel(self, guild: SimGuild, channel: SimChannel) -> None:
        guild.channels.append(channel)
        self.channels[channel.id] = channel
        self.messages[channel.id] = []

    # ----- gateway payloads ---------------------------------------------------------------------------------

    def ready_payload(self, session: GatewaySession, guilds: list[SimGuild]) -> JSON:
        """READY for a freshly identified session."""
        return {
            "v": 10,
            "user": self.bot_user.to_payload() | {"verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(guild.id), "unavailable": True} for guild in guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "shard": [session.shard_id, session.shard_count],
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "session_type": "normal",
            "auth": {},
            "geo_ordered_rtc_regions": [],
        }

    def guild_create_payload(self, guild: SimGuild, intents: int) -> JSON:
        """GUILD_CREATE; every member with the members intent, otherwise only the bot (as Discord does)."""
        members = list(guild.members.values())
        if not intents & Intents.GUILD_MEMBERS:
            members = [guild.members[self.bot_user.id]]
        me = self.bot_user.id
        return guild.to_payload() | {
            "unavailable": False,
            "large": False,
            "lazy": True,
            "joined_at": guild.members[me].joined_at,
            "member_count": len(guild.members),
            "members": [member.to_payload() for member in members],
            "channels": [c.to_payload() for c in guild.channels if not c.is_thread],
            "threads": [t.to_payload(me_id=me) for t in guild.threads if not (t.thread_metadata or {})["archived"]],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    # ----- messages -----------------------------------------------------------------------------------------

    def permissions_in(self, member: SimMember, channel: SimChannel) -> int:
        """``member``'s permissions in ``channel``, as Discord computes them: guild-wide (``@everyone`` and every role
        held; everything for the owner or an administrator), then the channel's overwrites (a thread's parent's, then
        the sim-only ones of the thread): ``@everyone``'s, the roles' (their denials, then their grants), the
        member's own. Without View Channel, none at all."""
        permissions = member.effective_permissions
        if permissions == ALL_PERMISSIONS:
            return permissions
        parent = self.channels.get(channel.parent_id or 0) if channel.is_thread else None
        for place in (parent, channel):
            if place is not None:
                permissions = _overwritten(permissions, member, place)
        return permissions if permissions & VIEW_CHANNEL else 0

    def overwrite(self, channel: SimChannel, target: SimMember | SimRole, *, allow: int = 0, deny: int = 0) -> None:
        """Set ``channel``'s overwrite for a member or a role (``guild.everyone`` for ``@everyone``); CHANNEL_UPDATE.
        A channel's own change ends its sync with its category; a category's is copied to the channels synced with
        it, each with its CHANNEL_UPDATE (as Discord does)."""
        kind = OverwriteType.MEMBER if isinstance(target, SimMember) else OverwriteType.ROLE
        channel.overwrites[target.id] = SimOverwrite(kind, allow, deny)
        channel.synced = False
        changed = [channel]
        if channel.is_category:
            changed += [child for child in self._synced_children(channel)]
            for child in changed[1:]:
                child.overwrites = _copied(channel.overwrites)
        for place in changed:
            if not place.is_thread and place.guild_id is not None:
                self.gateway.dispatch("CHANNEL_UPDATE", place.to_payload(), place.guild_id)
        self.notifier.notify()

    def deny(self, member: SimMember, channel: SimChannel, permissions: int) -> None:
        """Add ``permissions`` to what ``member``'s overwrite in ``channel`` denies (see :meth:`overwrite`; a thread
        has no overwrites of its own on Discord: only the sim lets one deny)."""
        found = channel.overwrites.get(member.id) or SimOverwrite(OverwriteType.MEMBER)
        self.overwrite(channel, member, allow=found.allow & ~permissions, deny=found.deny | permissions)

    def _synced_children(self, category: SimChannel) -> list[SimChannel]:
        guild = self.guilds[category.guild_id or 0]
        return [channel for channel in guild.channels if channel.parent_id == category.id and channel.synced]

    def add_role(self, guild: SimGuild, name: str, permissions: int = 0) -> SimRole:
        """A role members can be given; GUILD_ROLE_CREATE."""
        role = SimRole(self.snowflake(), name, permissions, position=len(guild.role_objects))
        guild.role_objects[role.id] = role
        self.gateway.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.to_payload()}, guild.id)
        self.notifier.notify()
        return role

    def edit_role(self, guild: SimGuild, role: SimRole, permissions: int) -> None:
        """``role`` (``guild.everyone`` too) now grants ``permissions`` guild-wide; GUILD_ROLE_UPDATE."""
        role.permissions = permissions
        self.gateway.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.to_payload()}, guild.id)
        self.notifier.notify()

    def give_role(self, member: SimMember, role: SimRole) -> None:
        """``member`` now holds ``role``; GUILD_MEMBER_UPDATE."""
        if role.id not in member.role_ids:
            member.role_ids.append(role.id)
        self._member_updated(member)

    def take_role(self, member: SimMember, role: SimRole) -> None:
        """``member`` no longer holds ``role``; GUILD_MEMBER_UPDATE."""
        if role.id in member.role_ids:
            member.role_ids.remove(role.id)
        self._member_updated(member)

    def _member_updated(self, member: SimMember) -> None:
        guild_id = member.guild.id
        self.gateway.dispatch("GUILD_MEMBER_UPDATE", member.to_payload() | {"guild_id": str(guild_id)}, guild_id)
        self.notifier.notify()

    def bot_permissions(self, channel: SimChannel) -> int:
        """The bot's permissions in ``channel`` (none outside its guilds; everything in a DM)."""
        if channel.guild_id is None:
            return ALL_PERMISSIONS
        guild = self.guilds.get(channel.guild_id)
        return self.permissions_in(guild.members[self.bot_user.id], channel) if guild is not None else 0

    def readable(self, message: SimMessage) -> JSON:
        """A message as REST returns it to the bot: another user's guild message has no text, embeds, attachments
        or components without the Message Content intent, unless it mentions the bot (as on Discord)."""
        payload = message.to_payload()
        if self.message_content or message.guild_id is None or message.author is self.bot_user:
            return payload
        if self.bot_user in message.mentions:
            return payload
        return payload | {"content": "", "embeds": [], "attachments": [], "components": []}

    def check_can_post(self, member: SimMember, channel: SimChannel) -> None:
        """Raise PermissionError if Discord would not let ``member`` post in ``channel``."""
        needed = VIEW_CHANNEL | (SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES)
        if self.permissions_in(member, channel) & needed != needed:
            raise PermissionError(f"{member.user.username} may not post in #{channel.name}")
        if channel.is_thread and (channel.thread_metadata or {}).get("locked") and not member.has(MANAGE_THREADS):
            raise PermissionError(f"#{channel.name} is locked; {member.user.username} lacks MANAGE_THREADS")

    def add_message(
        self, channel: SimChannel, author: SimUser, payload: JSON, files: list[SimAttachment], **extra: Any
    ) -> SimMessage:
        """Store a message built from a create body and dispatch MESSAGE_CREATE (unless ephemeral)."""
        message = SimMessage(self.snowflake(), channel.id, author, guild_id=channel.guild_id, **extra)
        guild = self.guilds.get(channel.guild_id or 0)
        message.member = guild.members.get(author.id) if guild else None
        self._apply_body(message, payload, files)
        reference = payload.get("message_reference")
        if reference and reference.get("message_id"):
            message.message_reference = reference | {"channel_id": str(channel.id)}
            message.referenced = self.message_index.get(int(reference["message_id"]))
            if message.type == MessageType.DEFAULT:
                message.type = MessageType.REPLY
        self._store(channel, message)
        if not message.ephemeral:  # the payload is built only for a session that receives it
            self.gateway.dispatch("MESSAGE_CREATE", lambda _session: message.to_payload(), channel.guild_id)
        self.notifier.notify()
        return message

    def message_for_nonce(self, author: SimUser, payload: JSON) -> SimMessage | None:
        """With ``enforce_nonce``, the message ``author`` created earlier with this body's nonce within
        :attr:`nonce_window` (and not deleted since); ``None`` to create a new one."""
        nonce = payload.get("nonce")
        if nonce is None or not payload.get("enforce_nonce"):
            return None
        created = self._nonces.get((author.id, str(nonce)))
        if created is None or time.monotonic() - created[0] > self.nonce_window:
            return None
        return created[1] if created[1].id in self.message_index else None

    def remember_nonce(self, message: SimMessage, payload: JSON) -> None:
        """Note the nonce ``message`` was created with, for :meth:`message_for_nonce`."""
        if payload.get("nonce") is not None:
            self._nonces[(message.author.id, str(payload["nonce"]))] = (time.monotonic(), message)

    def edit_message(self, message: SimMessage, payload: JSON, files: list[SimAttachment]) -> SimMessage:
        """Apply an edit body; MESSAGE_UPDATE."""
        message.history.append(message.to_payload(with_reference=False))
        self._apply_body(message, payload, files, editing=True)
        message.flags &= ~MessageFlags.LOADING
        message.edited_timestamp = iso_now()
        if not message.ephemeral:
            self.gateway.dispatch("MESSAGE_UPDATE", message.to_payload(), message.guild_id)
        self.notifier.notify()
        return message

    def delete_message(self, message: SimMessage) -> None:
        """Mark deleted; MESSAGE_DELETE."""
        message.deleted = True
        if not message.ephemeral:
            data = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
            self.gateway.dispatch("MESSAGE_DELETE", data, message.guild_id)
        self.notifier.notify()

    def new_attachment(self, channel_id: int, filename: str, data: bytes, content_type: str | None) -> SimAttachment:
        """An attachment served at ``{base_url}/attachments/…`` so ``Attachment.read()`` works."""
        attachment_id = self.snowflake()
        url = f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{filename}"
        attachment = self.attachments[attachment_id] = SimAttachment(attachment_id, filename, data, url, content_type)
        return attachment

    def _apply_body(
        self, message: SimMessage, payload: JSON, files: list[SimAttachment], *, editing: bool = False
    ) -> None:
        if "content" in payload or not editing:
            message.content = payload.get("content") or ""
            message.mentions = [self.users[int(i)] for i in MENTION.findall(message.content) if int(i) in self.users]
        for key in ("embeds", "components"):
            if key in payload or not editing:
                setattr(message, key, list(payload.get(key) or []))
        if payload.get("flags") is not None:
            kept = message.flags & (MessageFlags.EPHEMERAL | MessageFlags.HAS_THREAD)
            message.flags = kept | (int(payload["flags"]) & ~MessageFlags.LOADING)
        if payload.get("allowed_mentions") is not None or not editing:
            message.allowed_mentions = payload.get("allowed_mentions")
        message.attachments = self._attachments(message, payload, files, editing)

    @staticmethod
    def _attachments(
        message: SimMessage, payload: JSON, files: list[SimAttachment], editing: bool
    ) -> list[SimAttachment]:
        described = {str(item.get("id")): item for item in payload.get("attachments") or []}
        for index, attachment in enumerate(files):
            attachment.description = described.get(str(index), {}).get("description")
        if not editing:
            return files
        if "attachments" not in payload:
            return message.attachments + files
        kept = [attachment for attachment in message.attachments if str(attachment.id) in described]
        return kept + files

    def _store(self, channel: SimChannel, message: SimMessage) -> None:
        kept = self.messages.setdefault(channel.id, [])
        kept.append(message)
        self.message_index[message.id] = message
        if self.lean and len(kept) > LEAN_KEEP:
            del self.message_index[kept.pop(0).id]
        if message.ephemeral:
            return
        channel.last_message_id = message.id
        if channel.is_thread:
            channel.message_count += 1
            channel.total_message_sent += 1
            self._unarchive_on_post(channel)

    def _unarchive_on_post(self, thread: SimChannel) -> None:
        metadata = thread.thread_metadata or {}
        if metadata.get("archived") and not metadata.get("locked"):
            self.update_channel(thread, {"archived": False})

    def visible_messages(self, channel_id: int) -> list[SimMessage]:
        """Messages everyone sees: not deleted, not ephemeral, not a still-loading deferral."""
        return [m for m in self.messages.get(channel_id, []) if not (m.deleted or m.ephemeral or m.loading)]

    # ----- threads and channels -----------------------------------------------------------------------------

    def create_thread(
        self,
        parent: SimChannel,
        name: str,
        owner: SimUser,
        *,
        kind: int = ChannelType.PUBLIC_THREAD,
        auto_archive_duration: int = 4320,
        starter: SimMessage | None = None,
    ) -> SimChannel:
        """A thread (with the starter message's id when started from one); THREAD_CREATE."""
        metadata = {
            "archived": False,
            "auto_archive_duration": auto_archive_duration,
            "archive_timestamp": iso_now(),
            "locked": False,
            "create_timestamp": iso_now(),
        }
        if kind == ChannelType.PRIVATE_THREAD:
            metadata["invitable"] = True
        thread_id = starter.id if starter is not None else self.snowflake()
        thread = SimChannel(
            thread_id,
            kind,
            name,
            parent.guild_id,
            parent_id=parent.id,
            owner_id=owner.id,
            thread_metadata=metadata,
            member_ids={owner.id},
        )
        self._register_channel(self.guilds[parent.guild_id or 0], thread)
        payload = thread.to_payload(me_id=self.bot_user.id) | {"newly_created": True}
        self.gateway.dispatch("THREAD_CREATE", payload, parent.guild_id)
        if starter is not None:
            starter.thread = thread
            starter.flags |= MessageFlags.HAS_THREAD
            self.gateway.dispatch("MESSAGE_UPDATE", starter.to_payload(), parent.guild_id)
        self.notifier.notify()
        return thread

    def update_channel(self, channel: SimChannel, changes: JSON) -> SimChannel:
        """Apply a PATCH /channels body; THREAD_UPDATE or CHANNEL_UPDATE."""
        if "name" in changes:
            channel.name = changes["name"]
        if "topic" in changes:
            channel.topic = changes["topic"]
        metadata = channel.thread_metadata
        if metadata is not None:
            for key in ("archived", "locked", "auto_archive_duration", "invitable"):
                if changes.get(key) is not None:
                    metadata[key] = changes[key]
            if "archived" in changes:
                metadata["archive_timestamp"] = iso_now()
        event = "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE"
        self.gateway.dispatch(event, channel.to_payload(me_id=self.bot_user.id), channel.guild_id)
        self.notifier.notify()
        return channel

    def delete_channel(self, channel: SimChannel) -> SimChannel:
        """DELETE /channels/{id}: the channel or thread and its messages are gone; THREAD_DELETE or CHANNEL_DELETE."""
        guild = self.guilds[channel.guild_id] if channel.guild_id else None
        if guild is not None:
            guild.channels.remove(channel)
        del self.channels[channel.id]
        self.messages.pop(channel.id, None)
        payload = channel.to_payload(me_id=self.bot_user.id)
        self.gateway.dispatch("THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE", payload, channel.guild_id)
        self.notifier.notify()
        return channel

    def join_thread(self, thread: SimChannel, user: SimUser) -> None:
        """Add a thread member; THREAD_MEMBER_UPDATE for the bot itself."""
        thread.member_ids.add(user.id)
        if user.id == self.bot_user.id:
            data = {
                "id": str(thread.id),
                "user_id": str(user.id),
                "join_timestamp": iso_now(),
                "flags": 0,
                "guild_id": str(thread.guild_id),
            }
            self.gateway.dispatch("THREAD_MEMBER_UPDATE", data, thread.guild_id)

    def leave_thread(self, thread: SimChannel, user: SimUser) -> None:
        """Remove a thread member; THREAD_MEMBERS_UPDATE."""
        thread.member_ids.discard(user.id)
        data = {
            "id": str(thread.id),
            "guild_id": str(thread.guild_id),
            "member_count": len(thread.member_ids),
            "removed_member_ids": [str(user.id)],
        }
        self.gateway.dispatch("THREAD_MEMBERS_UPDATE", data, thread.guild_id)

    # ----- commands -----------------------------------------------------------------------------------------

    def overwrite_commands(self, guild_id: int | None, definitions: list[JSON]) -> list[JSON]:
        """Bulk overwrite: keep ids of commands with the same name and type, assign new ones otherwise."""
        self.command_puts += 1
        stored = []
        for definition in definitions:
            kind = int(definition.get("type", 1))
            key = (guild_id, definition["name"], kind)
            command_id = self.command_ids.setdefault(key, self.snowflake())
            command = {
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **definition,
                "id": str(command_id),
                "application_id": str(self.application_id),
                "type": kind,
                "version": str(self.snowflake()),
            }
            if guild_id is not None:
                command["guild_id"] = str(guild_id)
            stored.append(command)
        self.commands[guild_id] = stored
        self.notifier.notify()
        return stored

    def new_token(self) -> str:
        """An interaction token."""
        return "sim_" + secrets.token_urlsafe(24)

    def add_interaction(self, record: InteractionRecord) -> None:
        """Remember an interaction by id and by token (a lean world forgets the oldest: see :meth:`_forgettable`)."""
        self.interactions[record.id] = record
        self.interactions_by_token[record.token] = record
        while self._forgettable(oldest := next(iter(self.interactions.values()))):
            del self.interactions[oldest.id], self.interactions_by_token[oldest.token]

    def _forgettable(self, oldest: InteractionRecord) -> bool:
        """Whether a lean world forgets its oldest interaction: when it keeps more than ``LEAN_KEEP`` and that one was
        answered, or is older than ``LEAN_MIN_AGE`` (its id tells when it was made)."""
        if not self.lean or len(self.interactions) <= LEAN_KEEP:
            return False
        return oldest.answered or (oldest.id >> 22) + DISCORD_EPOCH_MS < (time.time() - LEAN_MIN_AGE) * 1000


def _overwritten(permissions: int, member: SimMember, place: SimChannel) -> int:
    """``permissions`` after ``place``'s overwrites for ``member``: ``@everyone``'s, the roles', the member's."""
    overwrites = place.overwrites
    everyone = overwrites.get(member.guild.id)
    if everyone is not None:
        permissions = everyone.applied(permissions)
    held = [overwrites[role] for role in member.roles if role in overwrites]
    allow = deny = 0
    for found in held:
        allow, deny = allow | found.allow, deny | found.deny
    permissions = (permissions & ~deny) | allow
    own = overwrites.get(member.id)
    return own.applied(permissions) if own is not None else permissions


def _copied(overwrites: dict[int, SimOverwrite]) -> dict[int, SimOverwrite]:
    return {target: SimOverwrite(found.type, found.allow, found.deny) for target, found in overwrites.items()}
