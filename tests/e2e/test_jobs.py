"""Each path of an interaction is at most one read job and one write job on the database (``Database.query`` and
``Database.transact``), and each rule runs once in it: the debate found open, a message checked loggable, a record
looked up by its number or id (issue 26); ``/debate groups`` is one read. Counted on the real bot driven through the
local Discord server."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bot.client import DebateBot
from bot.core.claims import arguments
from bot.core.debates import formats, lifecycle
from tests.conftest import needs_analysis
from tests.e2e.conftest import World, start_debate
from tests.e2e.test_groups import CAMPS, debate_with

READ, WRITE = "read job", "write job"
BACKGROUND = ("bot.runtime.scheduler", "bot.runtime.names", "bot.runtime.health")
"""The timers, the display-name cache and the heartbeat: they run beside the interactions, on their own schedule."""
RULES: dict[str, Callable[..., Any]] = {
    "debate open": lifecycle.ensure_open,
    "loggable": arguments.ensure_loggable,
    "phase allows": formats.require_allowed,
    "record by number": lifecycle.numbered,
    "record by id": lifecycle.by_id,
}


@contextmanager
def counting(bot: DebateBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """The database jobs started and the runs of each rule of ``RULES`` (wherever it was imported), within; the jobs
    of the runtime's ``BACKGROUND`` services are theirs, not the path's."""
    counts: Counter[str] = Counter()

    def jobs(name: str, run: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def counted(*args: Any, **kwargs: Any) -> Any:
            if not sys._getframe(1).f_globals["__name__"].startswith(BACKGROUND):
                counts[name] += 1
            return await run(*args, **kwargs)

        return counted

    def runs(name: str, rule: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return rule(*args, **kwargs)

        return counted

    with monkeypatch.context() as patch:
        patch.setattr(bot.db, "query", jobs(READ, bot.db.query))
        patch.setattr(bot.db, "transact", jobs(WRITE, bot.db.transact))
        for name, rule in RULES.items():
            for module in [m for key, m in sys.modules.items() if key.startswith(("bot.", "cogs."))]:
                for attribute, value in list(vars(module).items()):
                    if value is rule:
                        patch.setattr(module, attribute, runs(name, rule))
        yield counts


def at_most_one_of_each(counts: Counter[str]) -> None:
    assert counts[READ] <= 1 and counts[WRITE] <= 1, counts
    assert all(count <= 1 for name, count in counts.items() if name in RULES), counts


async def test_claim_rebut_and_credence_are_one_write_each_checking_each_rule_once(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = await start_debate(world)
    await world.sim.invoke(world.alice, thread, "debate join", side="for")
    await world.sim.invoke(world.alice, thread, "crux add", question="Will audits bind labs?")
    with counting(bot, monkeypatch) as claim:
        logged = await world.sim.invoke(world.alice, thread, "claim", text="Interp will scale.")
    with counting(bot, monkeypatch) as rebut:
        rebutted = await world.sim.invoke(world.alice, thread, "rebut", claim=1, text="It has not so far.")
    with counting(bot, monkeypatch) as credence:
        recorded = await world.sim.invoke(world.alice, thread, "crux credence", crux=1, value=70)
    assert "Claim #1" in logged.text and "Rebuttal #2" in rebutted.text and "**70**" in recorded.text
    for counts in (claim, rebut, credence):
        at_most_one_of_each(counts)
        assert counts[WRITE] == 1 and counts["debate open"] == 1, counts
    assert credence["record by number"] == 1 and credence["record by id"] == 0, credence


async def test_the_credence_menu_looks_the_crux_up_once_by_its_id(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = await start_debate(world)
    added = await world.sim.invoke(world.alice, thread, "crux add", question="Will audits bind labs?")
    assert added.message is not None
    with counting(bot, monkeypatch) as counts:
        picked = await world.sim.select(world.alice, added.message, "crux:quick:1", ["70"])
    assert picked.text.startswith("Your credence on Crux #1: 70"), picked.text
    at_most_one_of_each(counts)
    assert counts["record by id"] == 1 and counts["record by number"] == 0 and counts["debate open"] == 1, counts


async def test_log_as_rebuttal_checks_the_message_once_on_a_reply_and_on_a_pick(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = await start_debate(world)
    claim = await world.sim.post_message(world.alice, thread, "Interp will scale.")
    await world.sim.context_menu(world.alice, claim, "Log as claim")
    reply = await world.sim.post_message(world.bob, thread, "It has not so far.", reply_to=claim)
    with counting(bot, monkeypatch) as shortcut:
        linked = await world.sim.context_menu(world.bob, reply, "Log as rebuttal")
    assert "Rebuttal #2 → Claim #1" in linked.text, linked.text
    at_most_one_of_each(shortcut)
    assert shortcut["loggable"] == 1, shortcut

    loose = await world.sim.post_message(world.bob, thread, "The first one is wrong.")
    asked = await world.sim.context_menu(world.bob, loose, "Log as rebuttal")
    assert asked.message is not None
    custom_id = asked.message.components[0]["components"][0]["custom_id"]
    with counting(bot, monkeypatch) as pick:
        picked = await world.sim.select(world.bob, asked.message, custom_id, ["1"])
    assert picked.message is not None and picked.message.content == "Logged as Rebuttal #3."
    at_most_one_of_each(pick)
    assert pick[WRITE] == 1 and pick["loggable"] == 1, pick


async def test_the_summary_is_one_read_and_one_write(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = await start_debate(world)
    await world.sim.invoke(world.alice, thread, "crux add", question="Will audits bind labs?")
    await world.sim.invoke(world.alice, thread, "crux credence", crux=1, value=70)
    with counting(bot, monkeypatch) as counts:
        summary = await world.sim.invoke(world.alice, thread, "debate summary")
        await world.sim.wait_for(lambda: counts[WRITE] > 0, what="its time recorded, once posted")
    assert "Will audits bind labs?" in summary.text, summary.text
    at_most_one_of_each(counts)
    assert counts[READ] == 1 and counts[WRITE] == 1, counts


@needs_analysis
async def test_the_groups_are_one_read_with_their_report_worked_out_off_the_database(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread, _ = await debate_with(world, CAMPS)
    with counting(bot, monkeypatch) as counts:
        groups = await world.sim.invoke(world.carol, thread, "debate groups")
    assert "2 groups in the latest credences of 8 participants" in groups.text, groups.text
    assert "> Will evals catch deception?" in groups.text  # the crux's question, from the one read
    assert counts[READ] == 1 and counts[WRITE] == 0, counts
