"""The event loop ``python -m bot`` serves on: uvloop where it is installed, asyncio's own with ``EVENT_LOOP=asyncio``
or where uvloop is not — the same answers either way, and READY's log line names it."""

from __future__ import annotations

import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from bot.db import Database
from bot.runtime import event_loop
from tests.e2e.conftest import World
from tests.reliability.support import BotProcess, ClaimLoad, Outcome, add_users, claims_by_text, open_thread

CLAIMS = 20
needs_uvloop = pytest.mark.skipif(find_spec("uvloop") is None, reason="uvloop is not installed (no Windows build)")


async def _running() -> str:
    """The event loop the coroutine runs on, as READY names it."""
    return event_loop.running()


@pytest.mark.parametrize(
    ("setting", "loop"), [pytest.param(None, "uvloop", marks=needs_uvloop), pytest.param("asyncio", "asyncio")]
)
async def test_the_bot_serves_on_the_loop_chosen_and_answers_the_same(
    tmp_path: Path, world: World, db: Database, setting: str | None, loop: str
) -> None:
    settings = {"EVENT_LOOP": setting} if setting else {}
    bot = BotProcess(world.sim, db, tmp_path, log_level="INFO", **settings)
    try:
        await bot.start()
        await bot.wait_serving(world.alice, world.channel)
        ready = await bot.logged("Ready: application")
        thread = await open_thread(world.sim, world.alice, world.channel)
        load = ClaimLoad(world.sim, thread, add_users(world, CLAIMS, "on"), limit=CLAIMS)
        await load.run()
        await bot.terminate(5.0)
    finally:
        await bot.ensure_stopped()
    assert ready.endswith(f"servers, on {loop}.")
    assert load.outcomes == {Outcome.ACKNOWLEDGED: CLAIMS}
    assert sorted(n for numbers in (await claims_by_text(db)).values() for n in numbers) == list(range(1, CLAIMS + 1))


@needs_uvloop
def test_uvloop_is_the_default() -> None:
    assert event_loop.run(_running()) == "uvloop"


def test_asyncio_chosen_is_asyncio_s_own() -> None:
    assert event_loop.run(_running(), "asyncio") == "asyncio"


def test_without_uvloop_the_bot_serves_on_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError, as where it is not installed
    assert event_loop.run(_running()) == "asyncio"
