"""``DiscordSim``: the server, the world-building helpers, users acting, and fault injection."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

from aiohttp import web

from .api import API_PREFIX
from .commands import ClientRefusal, OptionEncoder, check_allowed, find_command
from .constants import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    SELECT_TYPES,
    CallbackType,
    CommandType,
    ComponentType,
    InteractionType,
    OptionType,
)
from .gateway import Op
from .interactions import InteractionRecord, InteractionResult, interaction_payload
from .models import (
    JSON,
    RecordedRequest,
    SimAttachment,
    SimChannel,
    SimGuild,
    SimMember,
    SimMessage,
    SimRole,
    SimUser,
    iter_components,
)
from .rest import Fault, RestApi
from .world import World

Actor = SimMember | SimUser
Upload = SimAttachment | tuple[str, bytes]
SelectValue = str | int | SimMember | SimUser | SimChannel
ModalValues = Mapping[str, str | Sequence[str]]

_SELECT_OPTION_TYPES = {
    ComponentType.USER_SELECT: OptionType.USER,
    ComponentType.ROLE_SELECT: OptionType.ROLE,
    ComponentType.MENTIONABLE_SELECT: OptionType.MENTIONABLE,
    ComponentType.CHANNEL_SELECT: OptionType.CHANNEL,
}


class DiscordSim:
    """A local Discord: REST under ``/api/v10``, the gateway at ``/gateway``, and helpers to act as users.

    ``answer_timeout`` bounds how long ``invoke`` & co. wait for the bot's answer; ``deferred_update_settle`` is how
    long a deferred component update (callback 6) may take to be followed by an edit before the result is returned.
    ``lean=True`` is for load benchmarks, so the server costs less than the bot it serves: ``requests`` stays empty
    (``errors`` still lists 4xx answers), only the latest dispatches are kept for RESUME replay, and a user waiting
    for an answer is woken by that interaction's changes only. Tests keep the default.
    """

    answer_timeout = 5.0
    deferred_update_settle = 0.5

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "sim-token",
        shard_count: int = 1,
        lean: bool = False,
    ) -> None:
        self.host = host
        self._port = port
        self._world = World(token, shard_count, lean=lean)
        self._rest = RestApi(self._world)
        self._runner: web.AppRunner | None = None

    # ----- lifecycle ----------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind and serve (port 0 picks a free port)."""
        app = web.Application()
        self._rest.install(app)
        app.router.add_get("/gateway", self._world.gateway.handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._world.base_url = f"http://{self.host}:{self._port}"
        self._world.gateway_url = f"ws://{self.host}:{self._port}/gateway"

    async def stop(self) -> None:
        """Close every gateway connection and the server."""
        if self._runner is not None:
            await self._world.gateway.close_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordSim:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.stop()

    # ----- identity -----------------------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        """``http://host:port/api/v10`` (after ``start``)."""
        return self._started_base() + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """``ws://host:port/gateway`` (after ``start``)."""
        self._started_base()
        return self._world.gateway_url

    @property
    def token(self) -> str:
        """The only bot token the server accepts."""
        return self._world.token

    @property
    def nonce_window(self) -> float:
        """Seconds within which the bot's message with ``enforce_nonce`` and an earlier message's nonce returns that
        message instead of posting another."""
        return self._world.nonce_window

    @nonce_window.setter
    def nonce_window(self, seconds: float) -> None:
        self._world.nonce_window = seconds

    @property
    def application_id(self) -> int:
        """The application's id (also the bot user's id)."""
        return self._world.application_id

    @property
    def bot_user(self) -> SimUser:
        """The bot's user."""
        return self._world.bot_user

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST call so far, in order."""
        return self._world.requests

    @property
    def errors(self) -> list[RecordedRequest]:
        """Every REST call answered 4xx (injected faults excluded): a healthy bot leaves this empty."""
        return self._world.errors

    @property
    def command_puts(self) -> int:
        """How many bulk command overwrites (global or guild) the bot made."""
        return self._world.command_puts

    def _started_base(self) -> str:
        if self._runner is None:
            raise RuntimeError("DiscordSim is not started")
        return self._world.base_url

    # ----- building the world -------------------------------------------------------------------------------

    def add_guild(self, name: str = "Guild", *, bot_permissions: int = DEFAULT_BOT_PERMISSIONS) -> SimGuild:
        """A guild with an owner (``guild.owner``, all permissions) and the bot as members."""
        return self._world.add_guild(name, bot_permissions)

    def remove_bot(self, guild: SimGuild) -> None:
        """Remove the bot from ``guild`` (GUILD_DELETE without ``unavailable``; READY no longer lists it)."""
        self._world.remove_bot(guild)

    def add_text_channel(
        self, guild: SimGuild, name: str = "general", *, category: SimChannel | None = None
    ) -> SimChannel:
        """A text channel in ``guild`` (in ``category``, synced with its overwrites, if given)."""
        return self._world.add_text_channel(guild, name, category)

    def add_category(self, guild: SimGuild, name: str = "Category") -> SimChannel:
        """A category in ``guild``: channels added in it keep its overwrites while synced."""
        return self._world.add_category(guild, name)

    def add_role(self, guild: SimGuild, name: str, *, permissions: int = 0) -> SimRole:
        """A role with guild-wide ``permissions`` that members can be given; GUILD_ROLE_CREATE."""
        return self._world.add_role(guild, name, permissions)

    def edit_role(self, guild: SimGuild, role: SimRole, *, permissions: int) -> None:
        """``role`` of ``guild`` (``guild.everyone`` too) now grants ``permissions``; GUILD_ROLE_UPDATE."""
        self._world.edit_role(guild, role, permissions)

    def give_role(self, member: SimMember, role: SimRole) -> None:
        """``member`` now holds ``role`` (they may hold several); GUILD_MEMBER_UPDATE."""
        self._world.give_role(member, role)

    def take_role(self, member: SimMember, role: SimRole) -> None:
        """``member`` no longer holds ``role``; GUILD_MEMBER_UPDATE."""
        self._world.take_role(member, role)

    def overwrite(self, channel: SimChannel, target: SimMember | SimRole, *, allow: int = 0, deny: int = 0) -> None:
        """Set ``channel``'s overwrite for a member or a role (``guild.everyone`` for ``@everyone``); CHANNEL_UPDATE
        for it and, for a category, for each channel synced with it (which takes the same overwrites)."""
        self._world.overwrite(channel, target, allow=allow, deny=deny)

    def add_member(
        self, guild: SimGuild, name: str, *, permissions: int = DEFAULT_MEMBER_PERMISSIONS, user: SimUser | None = None
    ) -> SimMember:
        """A member with guild-wide ``permissions`` (pass ``user`` to reuse someone from another guild)."""
        return self._world.add_member(guild, name, permissions, user)

    def deny(self, member: SimMember, channel: SimChannel, permissions: int) -> None:
        """``member``'s overwrite in ``channel`` (and its threads) now also takes ``permissions`` away (the bot's
        own member too: ``guild.members[sim.bot_user.id]``); CHANNEL_UPDATE, as Discord sends for a new overwrite."""
        self._world.deny(member, channel, permissions)

    @property
    def message_content_intent(self) -> bool:
        """The application's Message Content intent, as switched in the developer portal: off, as for a new application
        (this bot asks for no privileged intent); `/debate import` needs it on."""
        return self._world.message_content

    @message_content_intent.setter
    def message_content_intent(self, enabled: bool) -> None:
        self._world.message_content = enabled

    def dm_channel(self, user: SimUser) -> SimChannel:
        """The DM channel between ``user`` and the bot."""
        return self._world.dm_channel(user)

    async def wait_until_ready(self, timeout: float = 10) -> None:  # noqa: ASYNC109 (public API)
        """Wait until a client has identified and been sent all its guilds."""
        hub = self._world.gateway
        if not await self._world.notifier.wait_for(lambda: any(s.ready for s in hub.live_sessions), timeout):
            raise TimeoutError(f"no bot identified within {timeout}s; requests: {[str(r) for r in self.requests]}")

    @property
    def ready_shards(self) -> set[int]:
        """The shard ids of identified, connected clients that have been sent their guilds."""
        return {session.shard_id for session in self._world.gateway.live_sessions if session.ready}

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> None:
        """Wait until ``predicate()`` holds (re-checked whenever the server handles something)."""
        if not await self._world.notifier.wait_for(predicate, timeout):
            raise AssertionError(f"{what} not met within {timeout}s; last requests: {self._recent_requests(0)}")

    # ----- what users see -----------------------------------------------------------------------------------

    def messages(self, channel: SimChannel | int) -> list[SimMessage]:
        """Messages everyone sees in a channel or thread, oldest first (no ephemeral or still-deferred ones)."""
        return self._world.visible_messages(_channel_id(channel))

    def threads(self, parent: SimChannel | int | None = None) -> list[SimChannel]:
        """Every thread, or the threads of ``parent``."""
        threads = [c for c in self._world.channels.values() if c.is_thread]
        return threads if parent is None else [t for t in threads if t.parent_id == _channel_id(parent)]

    def channel(self, channel_id: int) -> SimChannel:
        """A channel or thread by id."""
        return self._world.channels[channel_id]

    def commands(self, guild: SimGuild | None = None) -> list[JSON]:
        """The last bulk-overwritten commands, global or of ``guild``."""
        return self._world.commands.get(guild.id if guild is not None else None, [])

    # ----- users acting -------------------------------------------------------------------------------------

    async def post_message(
        self,
        member: Actor,
        channel: SimChannel,
        content: str,
        *,
        reply_to: SimMessage | None = None,
        attachments: Sequence[Upload] | None = None,
    ) -> SimMessage:
        """A user posts (a guild member in a guild channel, a user in their DM); MESSAGE_CREATE."""
        self._check_actor(member, channel)
        if isinstance(member, SimMember):
            self._world.check_can_post(member, channel)
        payload: JSON = {"content": content}
        if reply_to is not None:
            payload["message_reference"] = {"message_id": str(reply_to.id), "channel_id": str(reply_to.channel_id)}
        files = [self._upload(channel, item) for item in attachments or []]
        return self._world.add_message(channel, _user(member), payload, files)

    async def delete_message(self, member: Actor, message: SimMessage) -> None:
        """A user deletes their own message; MESSAGE_DELETE."""
        if message.author is not _user(member):
            raise ValueError(f"{_user(member).username} did not write message {message.id}")
        self._world.delete_message(message)

    async def invoke(
        self, member: SimMember, channel: SimChannel, command: str, /, **options: object
    ) -> InteractionResult:
        """Run a slash command by its qualified name (``"debate start"``) with options by name."""
        return await self._slash(member, channel, command, options)

    async def invoke_dm(self, user: SimUser, command: str, /, **options: object) -> InteractionResult:
        """Run a global slash command in the user's DM with the bot."""
        return await self._slash(user, self._world.dm_channel(user), command, options)

    async def autocomplete(
        self,
        member: SimMember,
        channel: SimChannel,
        command: str,
        focused: str,
        /,
        value: str = "",
        **options: object,
    ) -> list[JSON]:
        """Type ``value`` into option ``focused``; the choices the bot suggested."""
        guild = self._check_actor(member, channel)
        data = OptionEncoder(self._world, guild, member).chat_input_data(command, options, focused, value)
        record = self._interact(InteractionType.AUTOCOMPLETE, member, channel, data, name=command)
        return (await self._answer(record)).choices

    async def context_menu(
        self, member: SimMember, message: SimMessage, name: str, *, channel: SimChannel | None = None
    ) -> InteractionResult:
        """Run a message context-menu command on ``message``, from the message's channel or from ``channel`` (a
        forged interaction: Discord itself only sends one from the message's channel)."""
        channel = channel or self._world.channels[message.channel_id]
        guild = self._check_actor(member, channel)
        command = find_command(self._world, guild, name, CommandType.MESSAGE)
        check_allowed(command, member)
        data = OptionEncoder(self._world, guild).message_menu_data(command, message.to_payload())
        record = self._interact(
            InteractionType.APPLICATION_COMMAND, member, channel, data, name=name, command_type=CommandType.MESSAGE
        )
        return await self._answer(record)

    async def click(self, member: Actor, message: SimMessage, custom_id: str) -> InteractionResult:
        """Press the button ``custom_id`` on ``message``."""
        component = _component(message, custom_id, {ComponentType.BUTTON})
        if component.get("disabled"):
            raise ValueError(f"button {custom_id!r} is disabled")
        return await self._component(member, message, {"custom_id": custom_id, "component_type": ComponentType.BUTTON})

    async def select(
        self, member: Actor, message: SimMessage, custom_id: str, values: Sequence[SelectValue]
    ) -> InteractionResult:
        """Choose ``values`` in the select menu ``custom_id`` on ``message``.

        String selects take option values (checked against the offered ones); user/mentionable selects take
        members or users, channel selects channels, role selects role ids — sent with their ``resolved`` data.
        """
        component = _component(message, custom_id, SELECT_TYPES)
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not low <= len(values) <= high:
            raise ValueError(f"select {custom_id!r} takes {low}–{high} values, got {len(values)}")
        data: JSON = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] == ComponentType.STRING_SELECT:
            offered = [option["value"] for option in component.get("options", [])]
            if not set(values) <= set(offered):
                raise ValueError(f"select {custom_id!r} offers {offered}, not {values}")
            data["values"] = list(values)
        else:
            guild = self._world.guilds.get(message.guild_id or 0)
            encoder = OptionEncoder(self._world, guild, member if isinstance(member, SimMember) else None)
            option = {"name": custom_id, "type": _SELECT_OPTION_TYPES[component["type"]]}
            data["values"] = [encoder.value(option, value) for value in values]
            data["resolved"] = encoder.resolved
        return await self._component(member, message, data)

    async def submit_modal(
        self, member: Actor, channel: SimChannel, custom_id: str, values: ModalValues
    ) -> InteractionResult:
        """Submit the modal ``custom_id`` the bot last opened for this user; ``values`` by input ``custom_id``."""
        opener = self._modal_opener(_user(member), custom_id)
        modal = opener.callback_data
        data = {"custom_id": custom_id, "components": _modal_answers(modal, values)}
        record = self._interact(
            InteractionType.MODAL_SUBMIT, member, channel, data, name=custom_id, source_message=opener.source_message
        )
        return await self._answer(record)

    async def forge_component(self, member: Actor, message: SimMessage, data: JSON) -> InteractionResult:
        """Send a component interaction on ``message`` with ``data`` as given (``custom_id``, ``component_type``,
        ``values``), unchecked against the message's components: what a hostile client can send."""
        return await self._component(member, message, data)

    async def forge_modal(
        self, member: Actor, channel: SimChannel, custom_id: str, components: list[JSON]
    ) -> InteractionResult:
        """Submit a modal ``custom_id`` with ``components`` as given (action rows or labels), whether or not the bot
        ever opened it: what a hostile client, or one whose modal outlived the bot's memory of it, can send."""
        data = {"custom_id": custom_id, "components": components}
        record = self._interact(InteractionType.MODAL_SUBMIT, member, channel, data, name=custom_id)
        return await self._answer(record)

    # ----- faults -------------------------------------------------------------------------------------------

    async def request_reconnect(self) -> None:
        """Op 7 to every client; returns once they are back (resumed)."""
        await self._bounce(lambda: self._world.gateway.send_op(Op.RECONNECT))

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Op 9; returns once clients are back (resumed if ``resumable``, else identified anew)."""
        await self._bounce(lambda: self._world.gateway.invalidate(resumable=resumable))

    async def drop_connections(self) -> None:
        """Cut every gateway TCP connection without a close frame; returns once clients are back."""
        await self._bounce(self._world.gateway.abort_all)

    def fail_next(
        self, method: str, path_regex: str, *, status: int, times: int = 1, retry_after: float = 0.05
    ) -> None:
        """The next ``times`` REST calls matching (``method`` or ``"*"``, regex searched in the path) get ``status``."""
        self._rest.faults.append(Fault(method.upper(), re.compile(path_regex), status, times, retry_after))

    async def _bounce(self, action: Callable[[], None], within: float = 10.0) -> None:
        hub = self._world.gateway
        shards = {(s.shard_id, s.shard_count) for s in hub.live_sessions}
        before = set(hub.connections)
        action()
        await self.wait_for(lambda: not before & hub.connections, within, "clients disconnecting")
        await self.wait_for(
            lambda: shards <= {(s.shard_id, s.shard_count) for s in hub.live_sessions if s.ready},
            within,
            "clients reconnecting",
        )

    # ----- internals ----------------------------------------------------------------------------------------

    async def _slash(
        self, actor: Actor, channel: SimChannel, command: str, options: dict[str, object]
    ) -> InteractionResult:
        guild = self._check_actor(actor, channel)
        member = actor if isinstance(actor, SimMember) else None
        definition = find_command(self._world, guild, (command.split() or [""])[0], CommandType.CHAT_INPUT)
        check_allowed(definition, member)  # hidden: nothing to type into
        data = OptionEncoder(self._world, guild, member).chat_input_data(command, options)
        record = self._interact(
            InteractionType.APPLICATION_COMMAND, actor, channel, data, name=command, command_type=CommandType.CHAT_INPUT
        )
        return await self._answer(record)

    async def _component(self, member: Actor, message: SimMessage, data: JSON) -> InteractionResult:
        channel = self._world.channels[message.channel_id]
        record = self._interact(
            InteractionType.MESSAGE_COMPONENT, member, channel, data, name=data["custom_id"], source_message=message
        )
        return await self._answer(record)

    def _interact(
        self,
        kind: InteractionType,
        actor: Actor,
        channel: SimChannel,
        data: JSON,
        *,
        name: str,
        source_message: SimMessage | None = None,
        command_type: int | None = None,
    ) -> InteractionRecord:
        world = self._world
        guild = self._check_actor(actor, channel)
        guild_id = guild.id if guild is not None else None
        if not any(s.alive and s.owns(guild_id) for s in world.gateway.sessions.values()):
            raise AssertionError(f"no bot session receives events for guild {guild_id}; is the bot connected?")
        record = InteractionRecord(
            id=world.snowflake(),
            token=world.new_token(),
            type=kind,
            channel=channel,
            user=_user(actor),
            name=name,
            created_at=asyncio.get_running_loop().time(),
            request_mark=len(world.requests),
            source_message=source_message,
            command_type=command_type,
        )
        world.add_interaction(record)
        member = actor if isinstance(actor, SimMember) else None
        app_permissions = world.bot_permissions(channel) if guild is not None else 0
        permissions = world.permissions_in(member, channel) if member is not None else 0
        payload = interaction_payload(record, world.application_id, data, member, app_permissions, permissions)
        world.gateway.dispatch("INTERACTION_CREATE", payload, guild_id)
        return record

    async def _answer(self, record: InteractionRecord) -> InteractionResult:
        wait_for = (record.changes if self._world.lean else self._world.notifier).wait_for
        deferred_update = CallbackType.DEFERRED_UPDATE_MESSAGE
        await wait_for(lambda: record.answered or record.callback_type == deferred_update, self.answer_timeout)
        if record.callback_type == deferred_update:
            await wait_for(lambda: record.answered, self.deferred_update_settle)
        elif not record.answered:
            raise AssertionError(
                f"interaction {record.name!r} got no user-visible answer within {self.answer_timeout}s "
                f"(callback type: {record.callback_type}); requests since: {self._recent_requests(record.request_mark)}"
            )
        return InteractionResult.from_record(record)

    def _recent_requests(self, mark: int) -> list[str]:
        return [f"{r} {r.response if r.status >= 400 else ''}".rstrip() for r in self.requests[mark:]][-20:]

    def _modal_opener(self, user: SimUser, custom_id: str) -> InteractionRecord:
        opened = [r for r in self._world.interactions.values() if r.callback_type == CallbackType.MODAL]
        for record in reversed(opened):
            if record.user is user and record.callback_data.get("custom_id") == custom_id:
                return record
        known = [r.callback_data.get("custom_id") for r in opened if r.user is user]
        raise KeyError(f"the bot never opened a modal {custom_id!r} for {user.username}; opened: {known}")

    def _check_actor(self, actor: Actor, channel: SimChannel) -> SimGuild | None:
        if channel.guild_id is None:
            if _user(actor) not in channel.recipients:
                raise ValueError(f"{_user(actor).username} is not in DM channel {channel.id}")
            return None
        guild = self._world.guilds[channel.guild_id]
        if not isinstance(actor, SimMember) or actor.guild is not guild:
            raise ValueError(f"{_user(actor).username} is not a member of {guild.name!r}")
        return guild

    def _upload(self, channel: SimChannel, item: Upload) -> SimAttachment:
        if isinstance(item, SimAttachment):
            return item
        filename, data = item
        return self._world.new_attachment(channel.id, filename, data, None)


def _user(actor: Actor) -> SimUser:
    return actor.user if isinstance(actor, SimMember) else actor


def _channel_id(channel: SimChannel | int) -> int:
    return channel.id if isinstance(channel, SimChannel) else channel


def _component(message: SimMessage, custom_id: str, kinds: set[int] | frozenset[int]) -> JSON:
    for component in iter_components(message.components):
        if component.get("custom_id") == custom_id and component.get("type") in kinds:
            return component
    raise KeyError(f"message {message.id} has no such component {custom_id!r}; custom ids: {message.custom_ids}")


def _modal_answers(modal: JSON, values: ModalValues) -> list[JSON]:
    """The submitted components, shaped like the modal (rows of text inputs, or labels around inputs)."""
    inputs = [
        c
        for c in iter_components(modal.get("components", []))
        if c.get("type") in {ComponentType.TEXT_INPUT, *SELECT_TYPES}
    ]
    known = [c["custom_id"] for c in inputs]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise KeyError(f"modal {modal.get('custom_id')!r} has no input(s) {unknown}; inputs: {known}")
    for text_input in (c for c in inputs if c["type"] == ComponentType.TEXT_INPUT):
        value = values.get(text_input["custom_id"], "")
        low, high = text_input.get("min_length", 0), text_input.get("max_length", 4000)
        if text_input.get("required", True) and not value:
            raise ClientRefusal(f"modal input {text_input['custom_id']!r} is required")
        if value and not low <= len(value) <= high:
            raise ClientRefusal(f"modal input {text_input['custom_id']!r} must be {low}–{high} characters")
    answers = []
    for top in modal.get("components", []):
        if top.get("type") == ComponentType.ACTION_ROW:
            answers.append({"type": 1, "components": [_answer_for(c, values) for c in top.get("components", [])]})
        elif top.get("type") == ComponentType.LABEL:
            answers.append({"type": ComponentType.LABEL, "component": _answer_for(top["component"], values)})
    return answers


def _answer_for(component: JSON, values: ModalValues) -> JSON:
    value: Any = values.get(component["custom_id"])
    answer: JSON = {"type": component["type"], "custom_id": component["custom_id"]}
    if component["type"] == ComponentType.TEXT_INPUT:
        answer["value"] = value or ""
    else:
        answer["values"] = [value] if isinstance(value, str) else list(value or [])
    return answer
