"""SIGTERM while interactions are in flight: the bot process exits within 5 s with status 0, every acknowledged
record is stored, the database is consistent, and the token never appears in its (DEBUG) log."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from bot.core.debates.lifecycle import open_debate_in_thread
from bot.db import Database
from bot.local import LocalBot
from schema import Credence
from sim import SimChannel, SimMessage
from tests.e2e.conftest import World
from tests.reliability.support import (
    BotProcess,
    ClaimLoad,
    add_users,
    claims_by_text,
    false_refusals,
    integrity_problems,
    lost_or_duplicated,
    open_thread,
    report,
)
from tests.snapshot import snapshot

USERS = 300
IN_FLIGHT = 32
SIGTERM_AFTER = 60  # acknowledged claims before SIGTERM
SHUTDOWN_LIMIT = 5.0


async def test_sigterm_under_load_exits_cleanly_and_keeps_every_acknowledged_claim(
    tmp_path: Path, world: World, db: Database
) -> None:
    sim = world.sim
    bot = BotProcess(sim, db, tmp_path, log_level="DEBUG")
    try:
        await bot.start()
        await bot.wait_serving(world.alice, world.channel)
        thread = await open_thread(sim, world.alice, world.channel)
        load = ClaimLoad(sim, thread, add_users(world, USERS, "user"), limit=IN_FLIGHT)
        running = asyncio.create_task(load.run())
        await sim.wait_for(lambda: len(load.acknowledged) >= SIGTERM_AFTER, timeout=60, what="load before SIGTERM")
        in_flight = load.in_flight
        exit_time = await bot.terminate(SHUTDOWN_LIMIT)
        load.stop()
        await running
    finally:
        await bot.ensure_stopped()

    stored = await claims_by_text(db)
    unacknowledged = sum(len(numbers) for text, numbers in stored.items() if text not in load.acknowledged)
    report(
        f"shutdown: SIGTERM with {in_flight} claims in flight: exit status {bot.returncode} after {exit_time:.2f} s; "
        f"{load.summary()}; {sum(map(len, stored.values()))} stored ({unacknowledged} stored but never acknowledged)"
    )
    assert bot.returncode == 0, bot.stderr.decode()[-3000:]
    assert sim.token not in bot.stderr.decode() and b"DEBUG" in bot.stderr
    assert false_refusals(load, stored) == {}
    assert lost_or_duplicated(load.acknowledged, stored) == {}
    assert await integrity_problems(db) == []


async def _crux_scene(world: World) -> tuple[SimChannel, SimMessage]:
    """A debate where alice (for) and bob (against) joined, alice logged Claim #1 and named Crux #1; its message."""
    thread = await open_thread(world.sim, world.alice, world.channel)
    for member, side in ((world.alice, "for"), (world.bob, "against")):
        await world.sim.invoke(member, thread, "debate join", side=side)
    await world.sim.invoke(world.alice, thread, "claim", text="Interp scales")
    named = await world.sim.invoke(world.alice, thread, "crux add", question="Will it?")
    assert named.message is not None, named.text
    return thread, named.message


async def test_buttons_selects_and_modals_are_refused_while_shutting_down(world: World, running: LocalBot) -> None:
    """Once shutdown has begun, components and modals are refused as commands are: told, and nothing half-done."""
    sim, bot = world.sim, running.bot
    assert bot is not None
    thread, crux_message = await _crux_scene(world)
    opened = await sim.click(world.bob, crux_message, "crux:credence:1")
    assert opened.modal is not None, opened.text
    said = await sim.post_message(world.bob, thread, "It will not.")
    asked = await sim.context_menu(world.bob, said, "Log as rebuttal")
    assert asked.message is not None, asked.text
    before = await snapshot(bot.db)
    bot.accepting = False  # what close() does first
    try:
        answers = [
            await sim.click(world.carol, sim.messages(thread)[0], sim.messages(thread)[0].custom_ids[0]),
            await sim.click(world.bob, crux_message, "crux:credence:1"),
            await sim.submit_modal(world.bob, thread, opened.modal["custom_id"], {"value": "35"}),
            await sim.select(world.bob, asked.message, asked.message.custom_ids[0], ["1"]),
        ]
    finally:
        bot.accepting = True
    for answer in answers:
        assert answer.ephemeral and "I am restarting: try again in a few seconds" in answer.text, answer.text
    assert await snapshot(bot.db) == before


async def test_a_modal_in_flight_at_shutdown_is_answered_and_stored(world: World, running: LocalBot) -> None:
    """Shutdown lets a modal's work finish and answer, as it does a command's (up to its drain time)."""
    sim, bot = world.sim, running.bot
    assert bot is not None
    thread, crux_message = await _crux_scene(world)
    opened = await sim.click(world.bob, crux_message, "crux:credence:1")
    assert opened.modal is not None, opened.text
    async with bot.db.write() as session:  # another writer holds the database and the debate's row
        await session.run_sync(open_debate_in_thread, world.guild.id, thread.id)
        values = {"value": "35"}
        submitting = asyncio.create_task(sim.submit_modal(world.bob, thread, opened.modal["custom_id"], values))
        await sim.wait_for(lambda: bot.in_flight.busy, what="the submission being handled")
        stopping = asyncio.create_task(running.stop())
        await asyncio.sleep(0.5)
        assert not stopping.done()
    recorded = await submitting
    await stopping
    assert not recorded.ephemeral and "**35** on Crux #1" in recorded.text, recorded.text
    async with running.db.read() as session:
        assert (await session.execute(select(Credence.value))).scalars().all() == [35]
