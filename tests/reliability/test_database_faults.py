"""Database faults get specific answers: a pooled connection gone stale (the server restarted) costs no failed
answer, and while the database really cannot serve — down, or its disk full — users are told so, privately.

PostgreSQL is reached through a TCP proxy that can drop every connection (as a server restart does) and refuse new
ones (as a server that is down does). SQLite has no connection to lose; its disk is "filled" by capping the file's
size (``PRAGMA max_page_count``) on the writer's connection, which SQLite answers with ``SQLITE_FULL``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bot.client import DebateBot
from bot.db import Database
from bot.local import LocalBot
from schema import Claim
from sim import DiscordSim, SimChannel
from tests.e2e.conftest import World, start_debate
from tests.snapshot import snapshot

DATABASE_UNAVAILABLE = "The database is unavailable — try again in a moment."
FILLING_ATTEMPTS = 100
"""Claims of 8 kB (two or three pages each) tried until the capped file is full."""


class Proxy:
    """A TCP proxy to ``host:port`` on a local port; :meth:`drop` cuts every connection, :meth:`stop` also refuses
    new ones until :meth:`start` again."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _link(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        self._links |= {client_writer, server_writer}
        try:
            await asyncio.gather(
                self._pipe(client_reader, server_writer),
                self._pipe(server_reader, client_writer),
                return_exceptions=True,
            )
        finally:
            for writer in (client_writer, server_writer):
                self._links.discard(writer)
                writer.close()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()

    def drop(self) -> None:
        """Cut every connection at once, without a goodbye (as a server restart or a network fault does)."""
        for writer in list(self._links):
            writer.transport.abort()

    async def stop(self) -> None:
        """Refuse new connections, and cut those open."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self.drop()


@pytest.fixture
async def proxied(sim: DiscordSim, world: World, db: Database) -> AsyncIterator[Proxy]:
    """The proxy through which the bot, serving ``world``, reaches PostgreSQL."""
    if db.is_sqlite:
        pytest.skip("SQLite is a file, not a server: it has no connection to lose (its disk-full case is below)")
    proxy = Proxy(db.url.host or "127.0.0.1", db.url.port or 5432)
    await proxy.start()
    through = Database(db.url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    runner = LocalBot(sim, through)
    try:
        await runner.start()
        yield proxy
    finally:
        await runner.stop()
        await through.dispose()
        await proxy.stop()


async def _thread(world: World) -> SimChannel:
    thread = await start_debate(world)
    await world.sim.invoke(world.alice, thread, "debate join", side="for")
    return thread


async def _claimed_thread(world: World) -> SimChannel:
    """A debate thread with Claim #1 logged."""
    thread = await _thread(world)
    await world.sim.invoke(world.alice, thread, "claim", text="Before the fault")
    return thread


async def _the_next_claim_is_acknowledged(world: World, thread: SimChannel, db: Database) -> None:
    after = await world.sim.invoke(world.alice, thread, "claim", text="After the fault")
    assert not after.ephemeral and "Claim #2" in after.text, after.text
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Claim))).scalar_one() == 2


async def test_after_the_server_dropped_every_connection_the_next_claim_is_acknowledged(
    world: World, proxied: Proxy, db: Database
) -> None:
    thread = await _claimed_thread(world)
    proxied.drop()  # every pooled connection is now stale
    await _the_next_claim_is_acknowledged(world, thread, db)


async def test_while_postgresql_is_down_the_answer_says_so_and_the_first_claim_after_is_acknowledged(
    world: World, proxied: Proxy, db: Database
) -> None:
    thread = await _claimed_thread(world)
    await proxied.stop()
    for attempt in ("During the outage", "Still down"):
        during = await world.sim.invoke(world.alice, thread, "claim", text=attempt)
        assert during.ephemeral and during.text == DATABASE_UNAVAILABLE
    status = await world.sim.invoke(world.alice, thread, "debate status")
    assert status.ephemeral and status.text == DATABASE_UNAVAILABLE
    await proxied.start()
    await _the_next_claim_is_acknowledged(world, thread, db)


def _cap_the_file(session: Session, pages: int) -> None:
    session.execute(text(f"PRAGMA max_page_count = {pages}"))


async def test_when_the_disk_is_full_the_answer_says_so_and_nothing_is_recorded(world: World, bot: DebateBot) -> None:
    if not bot.db.is_sqlite:
        pytest.skip("a PostgreSQL server's disk cannot be filled from a test; its unavailable answer is tested above")
    thread = await _thread(world)
    await bot.db.transact(_cap_the_file, 1)  # no page beyond those the file has now: its free pages fill up first
    try:
        for attempt in range(FILLING_ATTEMPTS):
            before = await snapshot(bot.db)
            answer = await world.sim.invoke(world.alice, thread, "claim", text=f"{attempt} " + "é" * 3990)
            if answer.ephemeral:
                break
        assert answer.ephemeral and answer.text == DATABASE_UNAVAILABLE, answer.text
        assert await snapshot(bot.db) == before
    finally:
        with contextlib.suppress(Exception):
            await bot.db.transact(_cap_the_file, 1_073_741_823)
    after = await world.sim.invoke(world.alice, thread, "claim", text="é" * 4000)
    assert not after.ephemeral and f"Claim #{attempt + 1}" in after.text
