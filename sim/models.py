"""The simulated world's objects (users, guilds, channels, members, messages) and their Discord JSON forms."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .constants import (
    ALL_PERMISSIONS,
    DISCORD_EPOCH_MS,
    THREAD_TYPES,
    ChannelType,
    MessageFlags,
    OverwriteType,
    Permissions,
)

JSON = dict[str, Any]


class SnowflakeFactory:
    """Hands out real, strictly increasing snowflakes (so ``created_at`` works in discord.py)."""

    def __init__(self) -> None:
        self._last = 0
        self._worker = itertools.count()

    def __call__(self) -> int:
        stamp = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(self._last + 1, stamp | (next(self._worker) & 0xFFF))
        return self._last


def iso_now() -> str:
    """The current time as Discord's ISO-8601 timestamp."""
    return datetime.now(UTC).isoformat()


def visible_text(content: str | None, embeds: list[JSON]) -> str:
    """Content plus every human-readable embed part, one per line, for easy ``in`` assertions."""
    parts = [content or ""]
    for embed in embeds:
        parts.append(embed.get("author", {}).get("name", ""))
        parts.append(embed.get("title", ""))
        parts.append(embed.get("description", ""))
        for embed_field in embed.get("fields", []):
            parts.extend((embed_field.get("name", ""), embed_field.get("value", "")))
        parts.append(embed.get("footer", {}).get("text", ""))
    return "\n".join(part for part in parts if part)


@dataclass(eq=False)
class SimUser:
    """A Discord user (a person or the bot)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    @property
    def mention(self) -> str:
        """``<@id>``, the way a message mentions this user."""
        return f"<@{self.id}>"

    def to_payload(self) -> JSON:
        """The user object."""
        payload: JSON = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
        }
        if self.bot:
            payload["bot"] = True
        return payload


@dataclass(eq=False)
class SimRole:
    """A guild role: its guild-wide ``permissions``; ``@everyone`` has the guild's id."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0

    def to_payload(self) -> JSON:
        """The role object."""
        return _role_payload(self.id, self.name, self.permissions, self.position)


@dataclass(eq=False)
class SimOverwrite:
    """A channel's permission overwrite for a role or a member: what it ``allow``s and ``deny``s."""

    type: OverwriteType
    allow: int = 0
    deny: int = 0

    def applied(self, permissions: int) -> int:
        """``permissions`` with this overwrite's denials taken away, then its grants added."""
        return (permissions & ~self.deny) | self.allow


@dataclass(eq=False)
class SimMember:
    """A user's membership in a guild: ``permissions`` are those of their own role (``role_id``), ``role_ids`` the
    guild's other roles they hold; a channel's overwrites change what they may do there."""

    user: SimUser
    guild: SimGuild = field(repr=False)
    permissions: int
    role_id: int
    joined_at: str = field(default_factory=iso_now)
    nick: str | None = None
    role_ids: list[int] = field(default_factory=list)

    @property
    def roles(self) -> list[int]:
        """Every role the member holds but ``@everyone``: their own, then the others."""
        return [self.role_id, *self.role_ids]

    @property
    def id(self) -> int:
        """The user's id."""
        return self.user.id

    @property
    def mention(self) -> str:
        """``<@id>``."""
        return self.user.mention

    @property
    def effective_permissions(self) -> int:
        """Guild-wide: all permissions for the owner or an administrator, otherwise those of ``@everyone`` and of
        every role held."""
        permissions = self.guild.everyone.permissions | self.permissions
        for role_id in self.role_ids:
            permissions |= self.guild.role_objects[role_id].permissions
        if self.user.id == self.guild.owner_id or permissions & Permissions.ADMINISTRATOR:
            return ALL_PERMISSIONS
        return permissions

    def has(self, permission: int) -> bool:
        """Whether the member holds every bit of ``permission``."""
        return self.effective_permissions & permission == permission

    def to_payload(self, *, with_user: bool = True, with_permissions: bool = False) -> JSON:
        """The guild member object (optionally with ``user`` and the interaction-style ``permissions``)."""
        payload: JSON = {
            "roles": [str(role_id) for role_id in self.roles],
            "joined_at": self.joined_at,
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "communication_disabled_until": None,
            "flags": 0,
            "pending": False,
            "deaf": False,
            "mute": False,
        }
        if with_user:
            payload["user"] = self.user.to_payload()
        if with_permissions:
            payload["permissions"] = str(self.effective_permissions)
        return payload


@dataclass(eq=False)
class SimChannel:
    """A guild text channel, a thread (type 11/12) or a DM channel (type 1)."""

    id: int
    type: int
    name: str
    guild_id: int | None = None
    parent_id: int | None = None
    owner_id: int | None = None
    position: int = 0
    topic: str | None = None
    thread_metadata: JSON | None = None
    member_ids: set[int] = field(default_factory=set)
    message_count: int = 0
    total_message_sent: int = 0
    last_message_id: int | None = None
    recipients: list[SimUser] = field(default_factory=list)
    overwrites: dict[int, SimOverwrite] = field(default_factory=dict)
    """Permission overwrites by role or user id (a thread follows its parent's; only the sim lets one have its own)."""
    synced: bool = False
    """Whether a channel in a category keeps the category's overwrites (changed with the category's)."""

    @property
    def is_category(self) -> bool:
        """Whether this is a category."""
        return self.type == ChannelType.GUILD_CATEGORY

    @property
    def is_thread(self) -> bool:
        """Whether this is a public or private thread."""
        return self.type in THREAD_TYPES

    @property
    def mention(self) -> str:
        """``<#id>``."""
        return f"<#{self.id}>"

    def to_payload(self, *, me_id: int | None = None) -> JSON:
        """The channel object; for a thread that ``me_id`` has joined, also its ``member``."""
        if self.type == ChannelType.DM:
            return {
                "id": str(self.id),
                "type": self.type,
                "last_message_id": _opt_str(self.last_message_id),
                "recipients": [user.to_payload() for user in self.recipients],
                "flags": 0,
            }
        payload: JSON = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "parent_id": _opt_str(self.parent_id),
            "last_message_id": _opt_str(self.last_message_id),
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if not self.is_thread:
            overwrites = [
                {"id": str(target), "type": int(found.type), "allow": str(found.allow), "deny": str(found.deny)}
                for target, found in self.overwrites.items()
            ]
            payload |= {"position": self.position, "topic": self.topic, "nsfw": False}
            payload["permission_overwrites"] = overwrites
            return payload
        payload |= {
            "owner_id": str(self.owner_id),
            "thread_metadata": dict(self.thread_metadata or {}),
            "member_count": min(len(self.member_ids), 50),
            "message_count": self.message_count,
            "total_message_sent": self.total_message_sent,
            "applied_tags": [],
        }
        if me_id is not None and me_id in self.member_ids:
            payload["member"] = {"id": str(self.id), "user_id": str(me_id), "join_timestamp": iso_now(), "flags": 0}
        return payload


@dataclass(eq=False)
class SimGuild:
    """A guild; its ``@everyone`` role has the guild's id and no permissions (each member has a role of their own,
    and may hold others: ``role_objects``)."""

    id: int
    name: str
    owner_id: int = 0
    channels: list[SimChannel] = field(default_factory=list)
    members: dict[int, SimMember] = field(default_factory=dict)
    joined_at: str = field(default_factory=iso_now)
    role_objects: dict[int, SimRole] = field(default_factory=dict)
    """The roles shared by members (``@everyone`` included), by id."""

    def __post_init__(self) -> None:
        self.role_objects.setdefault(self.id, SimRole(self.id, "@everyone"))

    @property
    def everyone(self) -> SimRole:
        """The ``@everyone`` role, which every member holds."""
        return self.role_objects[self.id]

    @property
    def owner(self) -> SimMember:
        """The member who owns the guild (created with it; has every permission)."""
        return self.members[self.owner_id]

    @property
    def threads(self) -> list[SimChannel]:
        """The guild's threads, archived or not."""
        return [channel for channel in self.channels if channel.is_thread]

    @property
    def roles(self) -> list[JSON]:
        """Role objects: the shared roles (``@everyone``, id == guild id, first) plus one role per member."""
        roles = [role.to_payload() for role in self.role_objects.values()]
        for position, member in enumerate(self.members.values(), start=len(roles)):
            roles.append(_role_payload(member.role_id, f"{member.user.username} role", member.permissions, position))
        return roles

    def to_payload(self) -> JSON:
        """The guild object as GET /guilds/{id} returns it (no members or channels)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "features": [],
            "roles": self.roles,
            "emojis": [],
            "stickers": [],
        }


@dataclass(eq=False)
class SimAttachment:
    """A file attached to a message; ``data`` is the bytes, downloadable from ``url``."""

    id: int
    filename: str
    data: bytes
    url: str = ""
    content_type: str | None = None
    description: str | None = None

    def to_payload(self) -> JSON:
        """The attachment object."""
        payload: JSON = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            payload["content_type"] = self.content_type
        if self.description:
            payload["description"] = self.description
        return payload


@dataclass(eq=False)
class SimMessage:
    """A message as the server stores it; ``history`` keeps the payload before each edit."""

    id: int
    channel_id: int
    author: SimUser
    content: str = ""
    guild_id: int | None = None
    member: SimMember | None = field(default=None, repr=False)
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[SimAttachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    allowed_mentions: JSON | None = None
    message_reference: JSON | None = None
    referenced: SimMessage | None = field(default=None, repr=False)
    mentions: list[SimUser] = field(default_factory=list, repr=False)
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: JSON | None = field(default=None, repr=False)
    thread: SimChannel | None = field(default=None, repr=False)
    timestamp: str = field(default_factory=iso_now)
    edited_timestamp: str | None = None
    deleted: bool = False
    history: list[JSON] = field(default_factory=list, repr=False)

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user sees it."""
        return bool(self.flags & MessageFlags.EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether it is a deferred "thinking…" placeholder not yet filled in."""
        return bool(self.flags & MessageFlags.LOADING)

    @property
    def text(self) -> str:
        """Content plus embed titles, descriptions, fields, authors and footers."""
        return visible_text(self.content, self.embeds)

    @property
    def custom_ids(self) -> list[str]:
        """Every component ``custom_id`` on the message, depth first."""
        return [component["custom_id"] for component in iter_components(self.components) if "custom_id" in component]

    def to_payload(self, *, with_reference: bool = True) -> JSON:
        """The message object."""
        payload: JSON = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "type": self.type,
            "author": self.author.to_payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [user.to_payload() for user in self.mentions],
            "mention_roles": [],
            "attachments": [attachment.to_payload() for attachment in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "flags": self.flags,
        }
        optional: JSON = {
            "guild_id": _opt_str(self.guild_id),
            "member": self.member and self.member.to_payload(with_user=False),
            "webhook_id": _opt_str(self.webhook_id),
            "application_id": _opt_str(self.application_id),
            "message_reference": self.message_reference,
            "interaction_metadata": self.interaction_metadata,
            "thread": self.thread and self.thread.to_payload(),
        }
        payload |= {key: value for key, value in optional.items() if value is not None}
        if self.message_reference is not None and with_reference:
            referenced = self.referenced
            if referenced is None or referenced.deleted:
                payload["referenced_message"] = None
            else:
                payload["referenced_message"] = referenced.to_payload(with_reference=False)
        return payload


@dataclass
class RecordedRequest:
    """One REST call the bot made: ``path`` is relative to the API base, ``json`` the (multipart) JSON body."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]] = field(default_factory=list)
    status: int = 0
    response: Any = None

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


def iter_components(components: list[JSON]) -> list[JSON]:
    """Every component in a tree of rows, containers, sections and labels, depth first."""
    found: list[JSON] = []
    for component in components:
        found.append(component)
        found.extend(iter_components(component.get("components", [])))
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                found.extend(iter_components([component[key]]))
    return found


def _role_payload(role_id: int, name: str, permissions: int, position: int) -> JSON:
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def _opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)
