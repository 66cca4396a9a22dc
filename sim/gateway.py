"""The websocket gateway: HELLO/heartbeats, IDENTIFY → READY + GUILD_CREATE, RESUME with replay, and dispatch."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import Callable, MutableSequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from . import jsoncodec
from .constants import DISALLOWED_INTENTS, HEARTBEAT_INTERVAL_MS, LEAN_KEEP, Intents

if TYPE_CHECKING:
    from asyncio import BaseTransport

    from .world import World

JSON = dict[str, Any]
Payload = JSON | Callable[["GatewaySession"], JSON]

log = logging.getLogger(__name__)

_GUILD_EVENTS = ("GUILD_", "CHANNEL_", "THREAD_")
_MESSAGE_EVENTS = ("MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE")
_CLIENT_ENDED_SESSION = (1000, 1001)


class Op:
    """Gateway opcodes."""

    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class Connection:
    """One websocket; frames go out through a queue so dispatch order equals sequence order."""

    def __init__(self, ws: web.WebSocketResponse, transport: BaseTransport | None) -> None:
        self.ws = ws
        self.transport = transport
        self.session: GatewaySession | None = None
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write())

    def send(self, frame: JSON | str) -> None:
        """Queue a frame (a JSON-encoded one is sent as it is)."""
        self._queue.put_nowait(frame if isinstance(frame, str) else jsoncodec.dumps(frame))

    async def close(self, code: int) -> None:
        """Flush queued frames, then close with ``code``."""
        self._queue.put_nowait(None)
        await asyncio.wait([self._writer])
        await self.ws.close(code=code)

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""
        self._writer.cancel()
        if self.transport is not None:
            self.transport.close()

    async def _write(self) -> None:
        while (frame := await self._queue.get()) is not None:
            try:
                await self.ws.send_str(frame)
            except ConnectionError:
                return


@dataclass(eq=False)
class GatewaySession:
    """An identified session: its shard, intents, and every dispatch it was sent (for RESUME replay)."""

    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    connection: Connection | None = None
    seq: int = 0
    #: Every dispatch sent, as its sequence number and its encoded frame (encoded once, and nothing for the cyclic
    #: garbage collector to walk).
    log: MutableSequence[tuple[int, str]] = field(default_factory=list)
    alive: bool = True
    ready: bool = False

    def owns(self, guild_id: int | None) -> bool:
        """Whether events of ``guild_id`` go to this shard (DMs go to shard 0)."""
        if guild_id is None:
            return self.shard_id == 0
        return (guild_id >> 22) % self.shard_count == self.shard_id

    def push(self, event: str, data: JSON) -> None:
        """Assign the next sequence number, log the dispatch, and send it if connected."""
        self.seq += 1
        frame = jsoncodec.dumps({"op": Op.DISPATCH, "t": event, "s": self.seq, "d": data})
        self.log.append((self.seq, frame))
        if self.connection is not None:
            self.connection.send(frame)

    def replay_after(self, seq: int) -> None:
        """Re-send every logged dispatch newer than ``seq`` (a RESUME)."""
        assert self.connection is not None
        for logged, frame in self.log:
            if logged > seq:
                self.connection.send(frame)


class GatewayHub:
    """All gateway connections and sessions of one simulator."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.connections: set[Connection] = set()
        self.sessions: dict[str, GatewaySession] = {}

    @property
    def live_sessions(self) -> list[GatewaySession]:
        """Sessions that are identified and currently connected."""
        return [s for s in self.sessions.values() if s.alive and s.connection is not None]

    def dispatch(self, event: str, data: Payload, guild_id: int | None = None) -> None:
        """Send ``event`` to every session whose shard and intents cover it (``data`` may be per-session)."""
        for session in list(self.sessions.values()):
            if not session.alive or not session.owns(guild_id) or not _wants(session.intents, event, guild_id):
                continue
            payload = data(session) if callable(data) else data
            session.push(event, _redact_content(session, event, payload, self.world.bot_user.id))

    def send_op(self, op: int, data: Any = None) -> None:
        """Send a non-dispatch opcode to every connection."""
        for connection in self.connections:
            connection.send({"op": op, "d": data})

    def invalidate(self, *, resumable: bool) -> None:
        """Op 9 to every connection; a non-resumable one also ends the sessions."""
        for connection in self.connections:
            if connection.session is not None and not resumable:
                connection.session.alive = False
            connection.send({"op": Op.INVALID_SESSION, "d": resumable})

    def abort_all(self) -> None:
        """Drop every connection abruptly (sessions stay resumable)."""
        for connection in list(self.connections):
            connection.abort()

    async def close_all(self) -> None:
        """Close every connection (server shutdown)."""
        for connection in list(self.connections):
            await connection.close(1001)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """The aiohttp websocket handler."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        connection = Connection(ws, request.transport)
        self.connections.add(connection)
        connection.send({"op": Op.HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self._on_frame(connection, jsoncodec.loads(message.data))
        finally:
            self._forget(connection, ws.close_code)
        return ws

    def _forget(self, connection: Connection, close_code: int | None) -> None:
        self.connections.discard(connection)
        connection.abort()
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            if close_code in _CLIENT_ENDED_SESSION:
                session.alive = False
        self.world.notifier.notify()

    async def _on_frame(self, connection: Connection, frame: JSON) -> None:
        op, raw = frame.get("op"), frame.get("d")
        data: JSON = raw if isinstance(raw, dict) else {}
        if op == Op.HEARTBEAT:
            connection.send({"op": Op.HEARTBEAT_ACK})
        elif op == Op.IDENTIFY:
            await self._identify(connection, data)
        elif op == Op.RESUME:
            self._resume(connection, data)
        elif op == Op.REQUEST_GUILD_MEMBERS and connection.session is not None:
            self._members_chunk(connection.session, data)
        elif op != Op.PRESENCE_UPDATE:
            log.debug("gateway: ignoring op %s", op)

    async def _identify(self, connection: Connection, data: JSON) -> None:
        if data.get("token") != self.world.token:
            await connection.close(4004)
            return
        shard_id, shard_count = data.get("shard") or [0, 1]
        if not 0 <= shard_id < shard_count:
            await connection.close(4010)
            return
        intents = int(data.get("intents", 0))
        if intents & Intents.MESSAGE_CONTENT and not self.world.message_content:
            await connection.close(DISALLOWED_INTENTS)
            return
        session = GatewaySession(secrets.token_hex(16), shard_id, shard_count, intents)
        if self.world.lean:
            session.log = deque(maxlen=LEAN_KEEP)
        self.sessions[session.session_id] = session
        session.connection = connection
        connection.session = session
        bot = self.world.bot_user.id
        guilds = [guild for guild in self.world.guilds.values() if session.owns(guild.id) and bot in guild.members]
        session.push("READY", self.world.ready_payload(session, guilds))
        for guild in guilds:
            session.push("GUILD_CREATE", self.world.guild_create_payload(guild, session.intents))
        session.ready = True
        self.world.notifier.notify()

    def _resume(self, connection: Connection, data: JSON) -> None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or not session.alive or data.get("token") != self.world.token:
            connection.send({"op": Op.INVALID_SESSION, "d": False})
            return
        session.connection = connection
        connection.session = session
        session.replay_after(int(data.get("seq") or 0))
        session.push("RESUMED", {})
        self.world.notifier.notify()

    def _members_chunk(self, session: GatewaySession, data: JSON) -> None:
        guild = self.world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        members = list(guild.members.values())
        if data.get("user_ids"):
            wanted = {int(user_id) for user_id in data["user_ids"]}
            members = [member for member in members if member.id in wanted]
        elif data.get("query"):
            members = [m for m in members if m.user.username.lower().startswith(data["query"].lower())]
        if data.get("limit"):
            members = members[: data["limit"]]
        chunk = {
            "guild_id": str(guild.id),
            "members": [member.to_payload() for member in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        session.push("GUILD_MEMBERS_CHUNK", chunk)


def _wants(intents: int, event: str, guild_id: int | None) -> bool:
    if event in _MESSAGE_EVENTS:
        return bool(intents & (Intents.GUILD_MESSAGES if guild_id is not None else Intents.DIRECT_MESSAGES))
    if event.startswith("GUILD_MEMBER"):
        return bool(intents & Intents.GUILD_MEMBERS)
    if event.startswith(_GUILD_EVENTS):
        return bool(intents & Intents.GUILDS)
    return True


def _redact_content(session: GatewaySession, event: str, payload: JSON, bot_id: int) -> JSON:
    """Without the message content intent, Discord blanks other users' guild messages unless they mention the bot."""
    if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents & Intents.MESSAGE_CONTENT:
        return payload
    if "guild_id" not in payload or payload.get("author", {}).get("id") == str(bot_id):
        return payload
    if any(user.get("id") == str(bot_id) for user in payload.get("mentions", [])):
        return payload
    return payload | {"content": "", "embeds": [], "attachments": [], "components": []}
