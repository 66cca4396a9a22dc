"""The REST API under ``/api/v10``: recording, auth, injected faults, and the routes a bot uses."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .api import (
    API_PREFIX,
    ApiError,
    Call,
    bad_request,
    check_message_body,
    invalid_form,
    json_response,
    read_call,
    unknown,
)
from .constants import GATEWAY_MESSAGE_CONTENT, READ_MESSAGE_HISTORY, THREAD_TYPES, VIEW_CHANNEL, ChannelType
from .limits import check_commands, check_length
from .models import RecordedRequest, SimChannel, SimGuild, SimMessage
from .webhooks import InteractionRoutes
from .world import World

Route = Callable[[Call], Awaitable[Any]]

log = logging.getLogger(__name__)

_NO_AUTH = ("/webhooks/", "/interactions/")
CALL = web.RequestKey("call", Call)
RESULT = web.RequestKey("result", object)
_UNAUTHORIZED = {"message": "401: Unauthorized", "code": 0}


@dataclass
class Fault:
    """``fail_next``: the next ``remaining`` calls matching method and path regex get ``status``."""

    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to the call."""
        return self.remaining > 0 and self.method in ("*", method) and self.pattern.search(path) is not None

    def error(self) -> ApiError:
        """The 429 (with rate-limit headers and ``Via``, which discord.py checks), 403 or 5xx to answer."""
        self.remaining -= 1
        if self.status == 403:  # what Discord answers when the bot lacks a permission
            return ApiError(403, {"message": "Missing Permissions", "code": 50013}, injected=True)
        if self.status != 429:
            return ApiError(self.status, {"message": f"{self.status}: Simulated failure", "code": 0}, injected=True)
        headers = {
            "Retry-After": str(max(1, round(self.retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + self.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
            "X-RateLimit-Scope": "user",
            "Via": "1.1 google",
        }
        body = {"message": "You are being rate limited.", "retry_after": self.retry_after, "global": False}
        return ApiError(429, body, headers=headers, injected=True)


class RestApi:
    """Registers every route on an aiohttp app and answers like Discord."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.faults: list[Fault] = []
        self.interactions = InteractionRoutes(world)

    def install(self, app: web.Application) -> None:
        """Add the middleware and routes."""
        app.middlewares.append(self.middleware)
        routes: list[tuple[str, str, Route]] = [
            ("GET", "/users/@me", self.get_me),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway),
            ("GET", "/applications/{application_id}/commands", self.get_commands),
            ("PUT", "/applications/{application_id}/commands", self.put_commands),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self.get_commands),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self.put_commands),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.interactions.callback),
            ("POST", "/webhooks/{application_id}/{token}", self.interactions.execute),
            ("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", self.interactions.get_message),
            ("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", self.interactions.edit_message),
            ("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", self.interactions.delete_message),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("PATCH", "/channels/{channel_id}", self.edit_channel),
            ("DELETE", "/channels/{channel_id}", self.delete_channel),
            ("POST", "/channels/{channel_id}/typing", self.typing),
            ("POST", "/channels/{channel_id}/threads", self.create_thread),
            ("GET", "/channels/{channel_id}/threads/archived/public", self.archived_threads),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.create_thread_from_message),
            ("PUT", "/channels/{channel_id}/thread-members/@me", self.join_thread),
            ("DELETE", "/channels/{channel_id}/thread-members/@me", self.leave_thread),
            ("GET", "/channels/{channel_id}/messages", self.list_messages),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.guild_channels),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            ("GET", "/guilds/{guild_id}/threads/active", self.active_threads),
        ]
        for method, path, route in routes:
            app.router.add_route(method, API_PREFIX + path, self._adapt(route))
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self.download)

    @staticmethod
    def _adapt(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            result = await route(request[CALL])
            request[RESULT] = result
            return web.Response(status=204) if result is None else json_response(200, result)

        return handler

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Record the call, apply faults and auth, and turn errors into Discord-shaped JSON."""
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)
        call = await read_call(request)
        request[CALL] = call
        path = request.path[len(API_PREFIX) :]
        files = [(upload.filename, upload.data) for upload in call.uploads]
        record = RecordedRequest(request.method, path, call.query, call.body, files)
        if not self.world.lean:
            self.world.requests.append(record)
        injected = False
        try:
            self._precheck(request, path)
            response = await handler(request)
            record.response = request.get(RESULT)
        except ApiError as error:
            response, record.response, injected = error.response(), error.body, error.injected
        except web.HTTPException as error:
            body = {"message": f"{error.status}: {error.reason}", "code": 0}
            response, record.response = json_response(error.status, body), body
        except (KeyError, ValueError, TypeError) as error:
            log.warning("malformed %s %s: %r", request.method, path, error)
            body = {"code": 50035, "message": "Invalid Form Body", "errors": {"_errors": [repr(error)]}}
            response, record.response = json_response(400, body), body
        finally:
            del request[CALL]  # the call refers to the request: left in place, every request would be a cycle
        record.status = response.status
        if 400 <= response.status < 500 and not injected:
            self.world.errors.append(record)
        self.world.notifier.notify()
        return response

    def _precheck(self, request: web.Request, path: str) -> None:
        fault = next((f for f in self.faults if f.matches(request.method, path)), None)
        if fault is not None:
            raise fault.error()
        needs_auth = not path.startswith(_NO_AUTH)
        if needs_auth and request.headers.get("Authorization") != f"Bot {self.world.token}":
            raise ApiError(401, _UNAUTHORIZED)

    # ----- identity and commands ----------------------------------------------------------------------------

    async def get_me(self, call: Call) -> Any:
        """The bot user."""
        return self.world.bot_user.to_payload() | {"verified": True, "mfa_enabled": False}

    async def get_application(self, call: Call) -> Any:
        """The application (sets discord.py's application_id)."""
        return {
            "id": str(self.world.application_id),
            "name": self.world.bot_user.username,
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.world.app_owner.to_payload(),
            "verify_key": "0" * 64,
            "flags": GATEWAY_MESSAGE_CONTENT if self.world.message_content else 0,
            "bot": self.world.bot_user.to_payload(),
        }

    async def get_gateway(self, call: Call) -> Any:
        """``/gateway`` and ``/gateway/bot``."""
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return {"url": self.world.gateway_url, "shards": self.world.shard_count, "session_start_limit": limit}

    def _command_scope(self, call: Call) -> int | None:
        if call.param("application_id") != str(self.world.application_id):
            raise unknown("Application")
        if "guild_id" not in call.request.match_info:
            return None
        guild_id = call.int_param("guild_id", "Guild")
        if guild_id not in self.world.guilds:
            raise ApiError(403, {"message": "Missing Access", "code": 50001})
        return guild_id

    async def get_commands(self, call: Call) -> Any:
        """The commands of one scope."""
        return self.world.commands.get(self._command_scope(call), [])

    async def put_commands(self, call: Call) -> Any:
        """Bulk overwrite."""
        scope = self._command_scope(call)
        definitions = call.body if isinstance(call.body, list) else []
        errors = check_commands(definitions)
        if errors:
            raise invalid_form(errors)
        return self.world.overwrite_commands(scope, definitions)

    # ----- channels and threads -----------------------------------------------------------------------------

    def _channel(self, call: Call) -> SimChannel:
        channel = self.world.channels.get(call.int_param("channel_id", "Channel"))
        if channel is None:
            raise unknown("Channel")
        return channel

    def _guild(self, call: Call) -> SimGuild:
        guild = self.world.guilds.get(call.int_param("guild_id", "Guild"))
        if guild is None:
            raise unknown("Guild")
        return guild

    async def create_dm(self, call: Call) -> Any:
        """Open the DM channel with a user."""
        user = self.world.users.get(int(call.json.get("recipient_id", 0)))
        if user is None:
            raise unknown("User")
        return self.world.dm_channel(user).to_payload()

    async def get_channel(self, call: Call) -> Any:
        """A channel or thread."""
        return self._channel(call).to_payload(me_id=self.world.bot_user.id)

    async def edit_channel(self, call: Call) -> Any:
        """Rename, (un)archive, (un)lock…"""
        channel = self._channel(call)
        if "name" in call.json:
            self._check_name(call.json["name"])
        return self.world.update_channel(channel, call.json).to_payload(me_id=self.world.bot_user.id)

    async def delete_channel(self, call: Call) -> Any:
        """Delete a channel or thread; answers the deleted channel, as Discord does."""
        return self.world.delete_channel(self._channel(call)).to_payload(me_id=self.world.bot_user.id)

    async def typing(self, call: Call) -> None:
        """Typing indicator (no effect)."""
        self._channel(call)

    async def create_thread(self, call: Call) -> Any:
        """A thread without a starter message (public or private)."""
        parent = self._text_parent(call)
        body = call.json
        self._check_name(body.get("name"))
        kind = int(body.get("type") or ChannelType.PRIVATE_THREAD)
        if kind not in THREAD_TYPES:
            raise bad_request(50035, "Invalid thread type")
        thread = self.world.create_thread(
            parent,
            body["name"],
            self.world.bot_user,
            kind=kind,
            auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
        )
        return thread.to_payload(me_id=self.world.bot_user.id)

    async def create_thread_from_message(self, call: Call) -> Any:
        """A public thread whose id is the starter message's id."""
        parent = self._text_parent(call)
        starter = self._message(call, parent)
        if starter.thread is not None:
            raise bad_request(160004, "A thread has already been created for this message")
        self._check_name(call.json.get("name"))
        thread = self.world.create_thread(
            parent,
            call.json["name"],
            self.world.bot_user,
            starter=starter,
            auto_archive_duration=int(call.json.get("auto_archive_duration") or 4320),
        )
        return thread.to_payload(me_id=self.world.bot_user.id)

    async def archived_threads(self, call: Call) -> Any:
        """Archived public threads of a channel."""
        parent = self._channel(call)
        threads = [
            t
            for t in self.world.channels.values()
            if t.parent_id == parent.id
            and t.type == ChannelType.PUBLIC_THREAD
            and (t.thread_metadata or {}).get("archived")
        ]
        return {"threads": [t.to_payload() for t in threads], "members": [], "has_more": False}

    async def join_thread(self, call: Call) -> None:
        """The bot joins a thread."""
        self.world.join_thread(self._thread(call), self.world.bot_user)

    async def leave_thread(self, call: Call) -> None:
        """The bot leaves a thread."""
        self.world.leave_thread(self._thread(call), self.world.bot_user)

    def _thread(self, call: Call) -> SimChannel:
        channel = self._channel(call)
        if not channel.is_thread:
            raise bad_request(50024, "Cannot execute action on this channel type")
        return channel

    def _text_parent(self, call: Call) -> SimChannel:
        channel = self._channel(call)
        if channel.type != ChannelType.GUILD_TEXT:
            raise bad_request(50024, "Cannot execute action on this channel type")
        return channel

    @staticmethod
    def _check_name(name: Any) -> None:
        errors = check_length(name, ("name",), 100, 1)
        if errors:
            raise invalid_form(errors)

    # ----- messages -----------------------------------------------------------------------------------------

    def _message(self, call: Call, channel: SimChannel) -> SimMessage:
        message = self.world.message_index.get(call.int_param("message_id", "Message"))
        if message is None or message.deleted or message.channel_id != channel.id or message.ephemeral:
            raise unknown("Message")
        return message

    async def list_messages(self, call: Call) -> Any:
        """History, newest first, with ``limit`` and ``before``/``after``: 403 Missing Access without View Channel,
        and no messages at all without Read Message History, as Discord answers."""
        channel = self._channel(call)
        permissions = self.world.bot_permissions(channel)
        if not permissions & VIEW_CHANNEL:
            raise ApiError(403, {"message": "Missing Access", "code": 50001})
        if not permissions & READ_MESSAGE_HISTORY:
            return []
        messages = self.world.visible_messages(channel.id)
        query = call.query
        if "before" in query:
            messages = [m for m in messages if m.id < int(query["before"])]
        if "after" in query:
            messages = [m for m in messages if m.id > int(query["after"])]
            limit = int(query.get("limit", 50))
            return [self.world.readable(m) for m in reversed(messages[:limit])]
        limit = int(query.get("limit", 50))
        return [self.world.readable(m) for m in reversed(messages[-limit:])] if limit else []

    async def create_message(self, call: Call) -> Any:
        """Post as the bot; a reply needs an existing message unless ``fail_if_not_exists`` is false; with
        ``enforce_nonce``, the bot's earlier message with the same nonce is returned instead (within
        ``world.nonce_window``)."""
        channel = self._channel(call)
        body = call.json
        check_message_body(body, call.uploads, creating=True)
        reference = body.get("message_reference") or {}
        referenced = self.world.message_index.get(int(reference.get("message_id") or 0))
        if reference and referenced is None and reference.get("fail_if_not_exists", True):
            error = {
                "message_reference": {
                    "_errors": [{"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}]
                }
            }
            raise ApiError(400, {"code": 50035, "message": "Invalid Form Body", "errors": error})
        earlier = self.world.message_for_nonce(self.world.bot_user, body)
        if earlier is not None:  # enforce_nonce: the same author and nonce, within the window
            return earlier.to_payload()
        message = self.world.add_message(channel, self.world.bot_user, body, call.attachments(self.world, channel.id))
        self.world.remember_nonce(message, body)
        return message.to_payload()

    async def get_message(self, call: Call) -> Any:
        """One message."""
        return self.world.readable(self._message(call, self._channel(call)))

    async def edit_message(self, call: Call) -> Any:
        """Edit one of the bot's messages."""
        message = self._message(call, self._channel(call))
        if message.author.id != self.world.bot_user.id:
            raise ApiError(403, {"message": "Cannot edit a message authored by another user", "code": 50005})
        check_message_body(call.json, call.uploads, creating=False)
        files = call.attachments(self.world, message.channel_id)
        return self.world.edit_message(message, call.json, files).to_payload()

    async def delete_message(self, call: Call) -> None:
        """Delete a message."""
        self.world.delete_message(self._message(call, self._channel(call)))

    # ----- guilds -------------------------------------------------------------------------------------------

    async def get_guild(self, call: Call) -> Any:
        """The guild (no members or channels, like Discord)."""
        guild = self._guild(call)
        counts = {"approximate_member_count": len(guild.members), "approximate_presence_count": 0}
        return guild.to_payload() | (counts if call.query.get("with_counts") in ("1", "true") else {})

    async def guild_channels(self, call: Call) -> Any:
        """Non-thread channels."""
        return [channel.to_payload() for channel in self._guild(call).channels if not channel.is_thread]

    async def get_member(self, call: Call) -> Any:
        """One member."""
        member = self._guild(call).members.get(call.int_param("user_id", "Member"))
        if member is None:
            raise unknown("Member")
        return member.to_payload()

    async def active_threads(self, call: Call) -> Any:
        """Unarchived threads of the guild and the bot's thread memberships."""
        me = self.world.bot_user.id
        threads = [t for t in self._guild(call).threads if not (t.thread_metadata or {}).get("archived")]
        members = [t.to_payload(me_id=me)["member"] for t in threads if me in t.member_ids]
        return {"threads": [t.to_payload() for t in threads], "members": members}

    # ----- CDN ----------------------------------------------------------------------------------------------

    async def download(self, request: web.Request) -> web.StreamResponse:
        """Serve an attachment's bytes (``Attachment.read()``)."""
        attachment = self.world.attachments.get(int(request.match_info["attachment_id"]))
        if attachment is None:
            raise web.HTTPNotFound()
        return web.Response(body=attachment.data, content_type=attachment.content_type or "application/octet-stream")
