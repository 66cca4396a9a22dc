"""Fixtures of the reliability suite.

Function-scoped: ``sim`` (with a Discord-shaped token, so a leak is unmistakable), ``world``, ``db`` and the
in-process bot (``running``, ``bot``) as in ``tests/e2e``. Module-scoped: ``stage``, one simulator, database and bot
shared by the many small cases of a module (each case proves by a snapshot that it changed nothing).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from benchmarks.common import reset_postgres
from bot.config import normalize_database_url
from bot.db import Database
from bot.local import LocalBot
from sim import DiscordSim
from tests.conftest import TEST_DATABASE_URL
from tests.e2e.conftest import World, bot, clock, model_files, running, similar_records  # noqa: F401 (fixtures)
from tests.reliability.support import FIGURES, TOKEN


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
async def sim() -> AsyncIterator[DiscordSim]:
    async with DiscordSim(token=TOKEN) as server:
        yield server


@pytest.fixture
def world(sim: DiscordSim) -> World:
    return World.build(sim)


@dataclass
class Stage:
    """A simulator, its world, a migrated database and the real bot serving them, for a whole module."""

    sim: DiscordSim
    world: World
    db: Database
    runner: LocalBot


async def _module_database(directory: Path) -> Database:
    if TEST_DATABASE_URL:
        url = normalize_database_url(TEST_DATABASE_URL)
        await reset_postgres(url)
    else:
        url = f"sqlite+aiosqlite:///{directory / 'stage.db'}"
    database = Database(url)
    await database.upgrade()
    return database


#: The stage's users make dozens of attempts each, far beyond the per-user logging limit (whose own tests are in
#: tests/e2e); the stage's bot is configured (through the environment, as an operator would) not to reach it.
STAGE_LOGGING_RATE = "10000"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stage(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stage]:
    database = await _module_database(tmp_path_factory.mktemp("stage"))
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("LOGGING_RATE", STAGE_LOGGING_RATE)
        async with DiscordSim(token=TOKEN) as server:
            world = World.build(server)
            runner = LocalBot(server, database)
            await runner.start()
            try:
                yield Stage(server, world, database, runner)
            finally:
                await runner.stop()
    await database.dispose()
