"""Which channels' debates may be shown, found in discord.py's cache (the rule applying them is
:mod:`bot.core.visibility`): for one member, the channels they can view (``permissions_for``, from their roles and
the channels' overwrites, which Discord keeps synced with their category's); for a post in a channel, the channels
that everyone who can read it can read too — established from the overwrites alone, since the bot has no member
list, and refused whenever it cannot be (see :func:`readers_can_read`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import discord

from bot.core.visibility import Audience

Place = discord.abc.GuildChannel | discord.Thread
ROLES_COMPARED_MAX = 8
"""Beyond this many roles named in two channels' overwrites, their readers are not compared (2ⁿ role sets): the
debate channel is left out."""
OTHER_ROLE = 0
"""Stands for any role no overwrite of the two channels names (what matters of it: whether it grants View Channel)."""


def member_audience(member: discord.Member) -> Audience:
    """A private answer to ``member``: the channels of their server they can view."""
    return Audience(frozenset(channel.id for channel in _places(member.guild) if _views(channel, member)))


def post_audience(channel: Place, member: discord.Member | None = None) -> Audience:
    """A post in ``channel`` (by ``member``, if someone asked for it): the channels that ``member`` can view and that
    everyone who can read ``channel`` can read too. A thread counts as its parent channel (a private thread's readers
    are some of its parent's)."""
    posting = channel.parent if isinstance(channel, discord.Thread) else channel
    if posting is None:
        return Audience(frozenset(), public=True)
    places = [place for place in _places(posting.guild) if member is None or _views(place, member)]
    return Audience(frozenset(place.id for place in places if readers_can_read(posting, place)), public=True)


def _places(guild: discord.Guild) -> Iterable[discord.abc.GuildChannel]:
    return (channel for channel in guild.channels if not isinstance(channel, discord.CategoryChannel))


def _views(channel: discord.abc.GuildChannel, member: discord.Member) -> bool:
    return channel.permissions_for(member).view_channel


@dataclass(frozen=True, slots=True)
class _Views:
    """A channel's overwrites of View Channel: True grants it, False denies it; by role or member id."""

    everyone: bool | None
    roles: dict[int, bool]
    members: dict[int, bool]

    @classmethod
    def of(cls, channel: discord.abc.GuildChannel) -> _Views:
        roles: dict[int, bool] = {}
        members: dict[int, bool] = {}
        for target, overwrite in channel.overwrites.items():
            if overwrite.view_channel is None:
                continue
            is_role = isinstance(target, discord.Role) or getattr(target, "type", None) is discord.Role
            (roles if is_role else members)[target.id] = overwrite.view_channel
        return cls(roles.pop(channel.guild.id, None), roles, members)

    def lets(self, held: frozenset[int], member: int | None, base: bool) -> bool:
        """Whether someone holding the roles ``held``, with guild-wide View Channel ``base``, can view the channel."""
        if member in self.members:
            return self.members[member]
        found = {self.roles[role] for role in held if role in self.roles}
        if found:
            return True in found  # a role's grant wins over another's denial
        return base if self.everyone is None else self.everyone


def readers_can_read(posting: discord.abc.GuildChannel, debate: discord.abc.GuildChannel) -> bool:
    """Whether everyone who can read ``posting`` can read ``debate``: for the holders of every combination of the
    roles the two channels' overwrites name (and of any other role), and for each member they name — whoever can
    view ``posting`` can view ``debate``. Owners and administrators see everything. False when there are too many
    roles to compare (``ROLES_COMPARED_MAX``)."""
    if posting.id == debate.id or posting.overwrites == debate.overwrites:
        return True
    guild = posting.guild
    here, there = _Views.of(posting), _Views.of(debate)
    named = {*here.roles, *there.roles} - {role.id for role in guild.roles if role.permissions.administrator}
    if len(named) > ROLES_COMPARED_MAX:
        return False
    granting = {role.id for role in guild.roles if role.permissions.view_channel and role.id != guild.id}
    everyone = guild.default_role.permissions.view_channel
    candidates = [*sorted(named), OTHER_ROLE]
    members: list[int | None] = [None, *here.members, *there.members]
    for size in range(len(candidates) + 1):
        for held in map(frozenset, combinations(candidates, size)):
            base = everyone or bool(held & granting) or (OTHER_ROLE in held and bool(granting - named))
            for member in members:
                if here.lets(held, member, base) and not there.lets(held, member, base):
                    return False
    return True
