"""The event loop ``python -m bot`` serves on: uvloop where it is installed, asyncio's own with ``EVENT_LOOP=asyncio``
or where uvloop is not — the same answers either way."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import pytest

from bot.db import Database
from bot.runtime import event_loop
from tests.e2e.conftest import World
from tests.reliability.support import BotProcess, ClaimLoad, Outcome, add_users, claims_by_text, open_thread

uvloop = pytest.importorskip("uvloop", reason="uvloop is not installed (no Windows build)")
CLAIMS = 20


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


@pytest.mark.parametrize(("setting", "loop"), [(None, "uvloop"), ("asyncio", "asyncio")])
async def test_the_bot_serves_on_the_loop_chosen_and_answers_the_same(
    tmp_path: Path, world: World, db: Database, setting: str | None, loop: str
) -> None:
    settings = {"EVENT_LOOP": setting} if setting else {}
    bot = BotProcess(world.sim, db, tmp_path, log_level="INFO", **settings)
    try:
        await bot.start()
        await bot.wait_serving(world.alice, world.channel)
        thread = await open_thread(world.sim, world.alice, world.channel)
        load = ClaimLoad(world.sim, thread, add_users(world, CLAIMS, "on"), limit=CLAIMS)
        await load.run()
        await bot.terminate(5.0)
    finally:
        await bot.ensure_stopped()
    assert f"serving on {loop}" in bot.stderr.decode()
    assert load.outcomes == {Outcome.ACKNOWLEDGED: CLAIMS}
    assert sorted(n for numbers in (await claims_by_text(db)).values() for n in numbers) == list(range(1, CLAIMS + 1))


def test_uvloop_is_the_default_and_asyncio_chosen_is_asyncio_s_own() -> None:
    assert event_loop.run(_loop_module()).startswith("uvloop")
    assert event_loop.run(_loop_module(), "asyncio").startswith("asyncio")


def test_without_uvloop_the_bot_serves_on_asyncio_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError, as where it is not installed
    with caplog.at_level(logging.INFO, logger=event_loop.__name__):
        assert event_loop.run(_loop_module()).startswith("asyncio")
    assert "uvloop is not installed" in caplog.text and "serving on asyncio" in caplog.text
