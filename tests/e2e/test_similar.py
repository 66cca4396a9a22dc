"""Issue 20: hints at likely duplicate claims and cruxes, and the claims a rebuttal from chat may answer ordered by
similarity — with the ``semantic`` extra; without it (the model loader disabled) both are simply absent."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from benchmarks import model_fixture
from bot.client import DebateBot
from bot.local import LocalBot
from bot.runtime.model_files import OFFICIAL, ModelFiles
from bot.runtime.similar import EXTRA_MODULES, model_process
from schema import ClaimVector, Crux, CruxStatus, CruxVector
from sim import SimChannel, SimMessage
from tests.e2e.conftest import World, start_debate


@pytest.fixture
def similar_records() -> bool:
    return True


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing may try to download a model (the tokenizers package can reach the Hugging Face hub)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def model(model_files: ModelFiles | None) -> None:
    """The embedding worker started and the test fixture's model loaded (once per process), so that its first use is
    not a load."""
    if model_files is None:
        pytest.skip(model_fixture.MISSING)
    worker = model_process(model_files)
    if worker is None:
        pytest.skip("the semantic extra is not installed (pip install -e '.[semantic]')")
    from bot.runtime import semantic

    assert worker.submit(semantic.ready).result(timeout=120), "the fixture's model did not load"


async def _joined_thread(world: World) -> SimChannel:
    thread = await start_debate(world)
    for member, side in ((world.alice, "for"), (world.bob, "against"), (world.carol, "against")):
        await world.sim.invoke(member, thread, "debate join", side=side)
    return thread


def _hints(world: World, thread: SimChannel) -> list[SimMessage]:
    return [
        message
        for message in world.sim.messages(thread)
        if " looks like " in message.content or " seems to say the opposite of " in message.content
    ]


async def _count(bot: DebateBot, model: type) -> int:
    async with bot.db.read() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def _until(done: Callable[[], Awaitable[bool]], what: str, checks: int = 3000) -> None:
    """Wait for background work the bot started after answering (up to ``checks`` × 20 ms: it runs at the lowest
    priority)."""
    for _ in range(checks):
        if await done():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{what}: not done in time")


async def _embedded(bot: DebateBot, model: type, count: int) -> None:
    """Wait until ``count`` vectors are stored and the hints they lead to are sent."""

    async def stored() -> bool:
        return await _count(bot, model) == count

    await _until(stored, f"{count} vectors")
    await bot.similar.settled()


async def test_a_repeated_crux_gets_a_hint_whose_button_withdraws_it_after_a_restart(
    world: World, running: LocalBot, model: None
) -> None:
    thread = await _joined_thread(world)
    await world.sim.invoke(
        world.alice, thread, "crux add", question="Will interpretability detect deception in a frontier model by 2030?"
    )
    repeated = await world.sim.invoke(
        world.bob, thread, "crux add", question="By 2030, could interpretability tell us a frontier model is deceptive?"
    )
    assert "Crux #2" in repeated.text
    assert running.bot is not None
    await _embedded(running.bot, CruxVector, 2)
    [hint] = _hints(world, thread)
    assert hint.content.startswith("Crux #2 looks like Crux #1: “Will interpretability detect deception")
    assert "usually the same crux" in hint.content
    assert world.sim.messages(thread).index(hint) > world.sim.messages(thread).index(repeated.message)
    assert hint.custom_ids == ["similar:withdraw:crux:2:1"]

    refused = await world.sim.click(world.carol, hint, "similar:withdraw:crux:2:1")
    assert refused.ephemeral and "Crux #2 is not yours" in refused.text
    await running.restart()
    withdrawn = await world.sim.click(world.bob, hint, "similar:withdraw:crux:2:1")
    assert withdrawn.message is not None and withdrawn.message.custom_ids == []
    assert f"**Crux #2 withdrawn in favour of Crux #1.** ({world.bob.mention})" in withdrawn.message.content
    async with running.bot.db.read() as session:
        statuses = (await session.execute(select(Crux.number, Crux.status).order_by(Crux.number))).all()
    assert [tuple(row) for row in statuses] == [(1, CruxStatus.OPEN), (2, CruxStatus.RESOLVED)]


async def test_a_contrary_claim_is_hinted_as_an_opposite_to_rebut_not_a_duplicate_to_withdraw(
    world: World, bot: DebateBot, model: None
) -> None:
    thread = await _joined_thread(world)
    for member, text in (
        (world.alice, "Compute governance is an effective way to slow dangerous AI development."),
        (world.bob, "Export controls push other countries to build their own chip industries."),
        (world.bob, "Compute governance is not an effective way to slow dangerous AI development."),
    ):
        await world.sim.invoke(member, thread, "claim", text=text)
    await _embedded(bot, ClaimVector, 3)
    [hint] = _hints(world, thread)
    assert hint.content.startswith(
        "Claim #3 seems to say the opposite of Claim #1: “Compute governance is an effective way"
    )
    assert "a rebuttal of it fits better (`/rebut claim:1`)" in hint.content
    assert "withdraw" not in hint.content.lower() and hint.custom_ids == []  # nothing to withdraw: it answers #1


async def test_log_as_rebuttal_offers_the_most_similar_claims_first(world: World, bot: DebateBot, model: None) -> None:
    thread = await _joined_thread(world)
    for text in (
        "Chip export controls have already slowed rival AI programmes.",
        "Know-your-customer rules for cloud providers would catch most dangerous training runs.",
        "Compute governance concentrates power in the few countries that make chips.",
    ):
        await world.sim.invoke(world.alice, thread, "claim", text=text)
    loose = await world.sim.post_message(
        world.bob,
        thread,
        "Rival labs released strong models anyway, on smuggled chips: export controls did not slow them.",
    )
    asked = await world.sim.context_menu(world.bob, loose, "Log as rebuttal")
    assert asked.ephemeral and asked.message is not None and "Which claim" in asked.text
    options = asked.message.components[0]["components"][0]["options"]
    assert len(options) == 3 and options[0]["label"].startswith("#1 Chip export controls")  # recent first: #3


async def test_without_the_model_there_is_no_hint_and_recent_claims_come_first(world: World, bot: DebateBot) -> None:
    asked_for_model: list[None] = []
    bot.similar.model = lambda: asked_for_model.append(None)  # None, as when the semantic extra is not installed
    thread = await _joined_thread(world)
    for question in ("Will chip export controls hold?", "Will chip export controls hold up?"):
        await world.sim.invoke(world.alice, thread, "crux add", question=question)
    for text in ("Chip export controls have slowed rival AI programmes.", "Compute governance concentrates power."):
        await world.sim.invoke(world.alice, thread, "claim", text=text)

    async def all_asked() -> bool:
        return len(asked_for_model) == 4

    await _until(all_asked, "every record looked at")
    await bot.similar.settled()
    assert _hints(world, thread) == []
    assert await _count(bot, CruxVector) == await _count(bot, ClaimVector) == 0
    loose = await world.sim.post_message(world.bob, thread, "Export controls did not slow rival programmes.")
    asked = await world.sim.context_menu(world.bob, loose, "Log as rebuttal")
    assert asked.message is not None
    options = asked.message.components[0]["components"][0]["options"]
    assert [option["label"][:3] for option in options] == ["#2 ", "#1 "]


@pytest.mark.skipif(not all(map(importlib.util.find_spec, EXTRA_MODULES)), reason="the semantic extra is not installed")
async def test_a_missing_model_file_is_one_line_in_the_bots_log_and_there_is_no_hint(
    world: World, running: LocalBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.runtime.similar")
    running.model_files = OFFICIAL.files(tmp_path)  # nothing fetched there
    bot = await running.restart()
    missing = tmp_path / "onnx" / "model_qint8_avx512.onnx"
    expected = f"No similar-record hints: model file {missing} is missing: run `python -m bot models fetch`"

    async def logged() -> bool:
        return expected in caplog.messages

    await _until(logged, "the line in the bot's log")
    thread = await _joined_thread(world)
    for question in ("Will chip export controls hold?", "Will chip export controls hold up?"):
        await world.sim.invoke(world.alice, thread, "crux add", question=question)
    await bot.similar.settled()
    assert _hints(world, thread) == [] and await _count(bot, CruxVector) == 0
