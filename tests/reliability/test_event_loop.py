"""The event loop ``python -m bot`` serves on: uvloop where it is installed, asyncio's own with ``EVENT_LOOP=asyncio``
or where uvloop is not — the same answers either way, and READY's log line names it."""

from __future__ import annotations

import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from bot.db import Database
from bot.runtime import event_loop
from tests.e2e.conftest import World
from tests.reliability.support import BotProcess, ClaimLoad, Outcome, add_users, claims_by_text, open_thread

CLAIMS = 20
#: A claim whose answer shows the text rule at work: markdown and a mention shown as typed, never pinging.
TYPED = "Tabs *are* better, <@1> — and `spaces` aren't ~~free~~ @everyone"
needs_uvloop = pytest.mark.skipif(find_spec("uvloop") is None, reason="uvloop is not installed (no Windows build)")


async def _running() -> str:
    """The event loop the coroutine runs on, as READY names it."""
    return event_loop.running()


async def _serve_a_debate(world: World, db: Database, workdir: Path, loop: str) -> tuple[str, dict[str, Any]]:
    """Run ``python -m bot`` on ``loop`` for one new debate: ``CLAIMS`` users log a claim each, then ``TYPED``.
    READY's line and the answer to ``TYPED`` (its content, embeds and allowed mentions)."""
    bot = BotProcess(world.sim, db, workdir, log_level="INFO", EVENT_LOOP=loop)
    try:
        await bot.start()
        await bot.wait_serving(world.alice, world.channel)
        ready = await bot.logged("Ready: application")
        thread = await open_thread(world.sim, world.alice, world.channel)
        load = ClaimLoad(world.sim, thread, add_users(world, CLAIMS, loop), limit=CLAIMS)
        await load.run()
        assert load.outcomes == {Outcome.ACKNOWLEDGED: CLAIMS}
        typed = await world.sim.invoke(world.alice, thread, "claim", text=TYPED, side=load.side)
        await bot.terminate(5.0)
    finally:
        await bot.ensure_stopped()
    return ready, {"content": typed.content, "embeds": typed.embeds, "mentions": typed.allowed_mentions}


@needs_uvloop
async def test_the_bot_answers_the_same_on_uvloop_and_on_asyncio(tmp_path: Path, world: World, db: Database) -> None:
    ready_on_uvloop, on_uvloop = await _serve_a_debate(world, db, tmp_path, "uvloop")
    ready_on_asyncio, on_asyncio = await _serve_a_debate(world, db, tmp_path, "asyncio")
    assert ready_on_uvloop.endswith("servers, on uvloop.") and ready_on_asyncio.endswith("servers, on asyncio.")
    assert on_uvloop == on_asyncio  # field by field: the same claim number in each new debate, text, side, mentions
    assert on_uvloop["embeds"][0]["title"] == f"Claim #{CLAIMS + 1}"
    stored = await claims_by_text(db)
    assert stored[TYPED] == [CLAIMS + 1, CLAIMS + 1] and len(stored) == 2 * CLAIMS + 1


@needs_uvloop
def test_uvloop_is_the_default() -> None:
    assert event_loop.run(_running()) == "uvloop"


def test_asyncio_chosen_is_asyncio_s_own() -> None:
    assert event_loop.run(_running(), "asyncio") == "asyncio"


def test_without_uvloop_the_bot_serves_on_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError, as where it is not installed
    assert event_loop.run(_running()) == "asyncio"
