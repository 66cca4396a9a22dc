"""Turn "group sub" + Python keyword options into the ``data`` of an application-command interaction.

The shape comes from the definitions the bot synced (its bulk-overwrite PUT), exactly as a Discord client builds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .constants import CommandType, OptionType
from .models import JSON, SimAttachment, SimChannel, SimGuild, SimMember, SimUser

if TYPE_CHECKING:
    from .world import World

_GROUPING = (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)
_PYTHON_TYPES: dict[int, tuple[type, ...]] = {
    OptionType.STRING: (str,),
    OptionType.INTEGER: (int,),
    OptionType.NUMBER: (int, float),
    OptionType.BOOLEAN: (bool,),
}


class ClientRefusal(ValueError):
    """Input Discord's own client refuses to send (an option outside its declared bounds or choices, a modal input
    outside its length): the user is told at once and the bot never sees an interaction."""


def find_command(world: World, guild: SimGuild | None, name: str, kind: CommandType) -> JSON:
    """The synced command called ``name`` visible in ``guild`` (its own commands first, then global ones)."""
    scopes: list[int | None] = [guild.id, None] if guild is not None else [None]
    for scope in scopes:
        for command in world.commands.get(scope, []):
            if command["name"] == name and command["type"] == kind:
                return command
    known = sorted({c["name"] for scope in scopes for c in world.commands.get(scope, []) if c["type"] == kind})
    where = f"guild {guild.name!r}" if guild is not None else "DMs"
    raise KeyError(f"no {kind.name} command {name!r} synced for {where}; known: {known}")


def check_allowed(command: JSON, member: SimMember | None) -> None:
    """Raise PermissionError where Discord would hide the command: outside its ``contexts`` (0 a server, 1 the bot's
    DM; the older ``dm_permission`` false hides it from DMs too), or from a member without its
    ``default_member_permissions``."""
    contexts = command.get("contexts")
    if member is None:
        if command.get("dm_permission") is False or (contexts is not None and 1 not in contexts):
            raise PermissionError(f"command {command['name']!r} is not available in DMs")
        return
    if contexts is not None and 0 not in contexts:
        raise PermissionError(f"command {command['name']!r} is not available in servers")
    required = command.get("default_member_permissions")
    if required is not None and not member.has(int(required)):
        raise PermissionError(f"{member.user.username} lacks the permissions {required} that /{command['name']} needs")


@dataclass
class OptionEncoder:
    """Encodes option values by their declared type and collects the ``resolved`` objects they reference."""

    world: World
    guild: SimGuild | None
    member: SimMember | None = None
    """Who acts: a resolved channel carries their permissions there (the bot's, when no one is given)."""
    resolved: dict[str, dict[str, JSON]] = field(default_factory=dict)

    def chat_input_data(
        self, path: str, given: dict[str, object], focused: str | None = None, focused_value: str = ""
    ) -> JSON:
        """``data`` for a slash command (or its autocomplete when ``focused`` names the option being typed)."""
        words = path.split()
        if not words:
            raise ValueError("empty command name")
        command = find_command(self.world, self.guild, words[0], CommandType.CHAT_INPUT)
        chain, node = [], command
        for word in words[1:]:
            children = [o for o in node.get("options") or [] if o["type"] in _GROUPING]
            match = next((child for child in children if child["name"] == word), None)
            if match is None:
                raise KeyError(f"/{path}: no subcommand {word!r}; known: {[c['name'] for c in children]}")
            chain.append(match)
            node = match
        declared = node.get("options") or []
        if any(option["type"] in _GROUPING for option in declared):
            raise ValueError(f"/{path} is a group; pick one of {[option['name'] for option in declared]}")
        options = self.encode(declared, given, focused, focused_value)
        for level in reversed(chain):
            options = [{"name": level["name"], "type": level["type"], "options": options}]
        data: JSON = {"id": command["id"], "name": command["name"], "type": CommandType.CHAT_INPUT, "options": options}
        return self._finish(data, command)

    def message_menu_data(self, command: JSON, message_payload: JSON) -> JSON:
        """``data`` for a message context-menu command on ``message_payload``."""
        data: JSON = {
            "id": command["id"],
            "name": command["name"],
            "type": CommandType.MESSAGE,
            "target_id": message_payload["id"],
        }
        self.resolved.setdefault("messages", {})[message_payload["id"]] = message_payload
        return self._finish(data, command)

    def encode(
        self, declared: list[JSON], given: dict[str, object], focused: str | None, focused_value: str
    ) -> list[JSON]:
        """Options in declared order; unknown names, missing required ones and bad values raise."""
        names = [option["name"] for option in declared]
        unknown = sorted(set(given) - set(names)) + ([focused] if focused is not None and focused not in names else [])
        if unknown:
            raise KeyError(f"unknown option(s) {unknown}; declared: {names}")
        encoded = []
        for option in declared:
            name = option["name"]
            if name == focused:
                encoded.append({"name": name, "type": option["type"], "value": focused_value, "focused": True})
            elif name in given:
                encoded.append({"name": name, "type": option["type"], "value": self.value(option, given[name])})
            elif option.get("required") and focused is None:
                raise ValueError(f"missing required option {name!r}")
        return encoded

    def value(self, option: JSON, value: object) -> object:
        """The wire value of one option; snowflake types add to ``resolved``."""
        kind = option["type"]
        if kind in _PYTHON_TYPES:
            return self._scalar(option, value)
        if kind in (OptionType.USER, OptionType.MENTIONABLE) and isinstance(value, SimMember | SimUser):
            return self._resolve_user(value)
        if kind == OptionType.CHANNEL and isinstance(value, SimChannel):
            return self._resolve_channel(option, value)
        if kind in (OptionType.ROLE, OptionType.MENTIONABLE) and isinstance(value, int) and self.guild is not None:
            return self._resolve_role(self.guild, value)
        if kind == OptionType.ATTACHMENT and isinstance(value, SimAttachment):
            self.resolved.setdefault("attachments", {})[str(value.id)] = value.to_payload()
            return str(value.id)
        raise TypeError(f"option {option['name']!r} (type {OptionType(kind).name}) cannot take {value!r}")

    def _scalar(self, option: JSON, value: object) -> object:
        kind = option["type"]
        if not isinstance(value, _PYTHON_TYPES[kind]) or (kind != OptionType.BOOLEAN and isinstance(value, bool)):
            raise TypeError(f"option {option['name']!r} (type {OptionType(kind).name}) cannot take {value!r}")
        choices = [choice["value"] for choice in option.get("choices") or []]
        if choices and value not in choices:
            raise ClientRefusal(f"option {option['name']!r} must be one of {choices}, not {value!r}")
        if isinstance(value, str):
            low, high = option.get("min_length", 0), option.get("max_length", 6000)
            if not low <= len(value) <= high:
                raise ClientRefusal(
                    f"option {option['name']!r} must be {low}–{high} characters long (got {len(value)})"
                )
        elif isinstance(value, int | float) and not isinstance(value, bool):
            low, high = option.get("min_value"), option.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise ClientRefusal(f"option {option['name']!r} must be within [{low}, {high}] (got {value})")
            return float(value) if kind == OptionType.NUMBER else value
        return value

    def _resolve_user(self, who: SimMember | SimUser) -> str:
        user = who.user if isinstance(who, SimMember) else who
        self.resolved.setdefault("users", {})[str(user.id)] = user.to_payload()
        member = self.guild.members.get(user.id) if self.guild is not None else None
        if member is not None:
            payload = member.to_payload(with_user=False, with_permissions=True)
            self.resolved.setdefault("members", {})[str(user.id)] = payload
        return str(user.id)

    def _resolve_channel(self, option: JSON, channel: SimChannel) -> str:
        allowed = option.get("channel_types")
        if allowed and channel.type not in allowed:
            raise ValueError(f"option {option['name']!r} accepts channel types {allowed}, not {channel.type}")
        payload = channel.to_payload() | {"permissions": str(self._permissions(channel))}
        self.resolved.setdefault("channels", {})[str(channel.id)] = payload
        return str(channel.id)

    def _resolve_role(self, guild: SimGuild, role_id: int) -> str:
        role = next((role for role in guild.roles if role["id"] == str(role_id)), None)
        if role is None:
            raise KeyError(f"no role {role_id} in guild {guild.name!r}")
        self.resolved.setdefault("roles", {})[str(role_id)] = role
        return str(role_id)

    def _permissions(self, channel: SimChannel) -> int:
        if self.guild is None:
            return 0
        member = self.member or self.guild.members[self.world.bot_user.id]
        return self.world.permissions_in(member, channel)

    def _finish(self, data: JSON, command: JSON) -> JSON:
        if command.get("guild_id") is not None:
            data["guild_id"] = command["guild_id"]
        if self.resolved:
            data["resolved"] = self.resolved
        return data
