"""Answered in time however large the debate (issue 25): every command and button whose work grows with the debate
acknowledges the interaction before that work, so that no size of debate makes it miss Discord's 3 s deadline; the
summary is posted before its line on opinion groups is computed, and its time is recorded only once it was posted.

The work is made artificially slow instead of large: every database job of the bot waits until the interaction was
acknowledged, or ``SLOW`` seconds (past the deadline); the bot's own safety net, deferring work that grows late
(``cogs.common.LATE``), is switched off, so that only a deferral made before the work counts."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.client import DebateBot
from bot.core.cruxes import lifecycle as cruxes
from bot.core.debates import lifecycle as core
from bot.core.opinion import groups as opinion
from bot.db import Database
from cogs import common
from schema import CruxOutcome, Debate
from sim import SimChannel
from tests.conftest import needs_analysis
from tests.e2e.conftest import World, start_debate, summarize, summary_time
from tests.programs import needs_dot

SLOW = 3.5
"""Seconds a job waits for the acknowledgement: past the deadline (3 s)."""
CALLBACK = re.compile(r"^/interactions/\d+/[^/]+/callback$")
USERS = range(700, 708)
CRUXES = 12
GROUPS_LINE = "**Opinion groups:**"


def _argue(session: Session, guild_id: int, moderator: int) -> None:
    """Eight participants in two camps (their sides) give credences on twelve cruxes; the first resolves yes."""
    debate = core.debate_numbered(session, 1, guild_id)
    for user in USERS:
        core.join(session, debate, user, ("for", "against")[user % 2])
    for number in range(1, CRUXES + 1):
        crux, _ = cruxes.add_crux(session, debate, core.Actor(guild_id, USERS[0]), f"Question {number}: by 2030?")
        for user in USERS:
            value = (15 if user % 2 else 85) + number
            cruxes.record_credence(session, debate, core.Actor(guild_id, user), crux.number, value)
    cruxes.resolve_crux(session, debate, core.Actor(guild_id, moderator), 1, "Settled.", CruxOutcome.YES)


async def _argued(world: World, db: Database) -> SimChannel:
    thread = await start_debate(world, agenda="AI safety")
    await db.transact(_argue, world.guild.id, world.alice.id)
    return thread


class Acknowledgements:
    """Whether the bot acknowledged an interaction sent since this was made (its callback accepted)."""

    def __init__(self, world: World) -> None:
        self.sim = world.sim
        self.mark = len(self.sim.requests)

    def done(self) -> bool:
        return any(CALLBACK.match(r.path) and 200 <= r.status < 300 for r in self.sim.requests[self.mark :])

    async def wait(self) -> None:
        """Until acknowledged, or ``SLOW`` seconds."""
        with contextlib.suppress(AssertionError):
            await self.sim.wait_for(self.done, SLOW)


def _slow_down(world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch) -> Acknowledgements:
    """Every database job of the bot waits until the next interaction is acknowledged (or ``SLOW`` s); no deferral
    when late."""
    acknowledged = Acknowledgements(world)
    monkeypatch.setattr(common, "LATE", timedelta(hours=1))

    def slowed(job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def slow(*args: Any, **kwargs: Any) -> Any:
            await acknowledged.wait()
            return await job(*args, **kwargs)

        return slow

    monkeypatch.setattr(bot.db, "query", slowed(bot.db.query))
    monkeypatch.setattr(bot.db, "transact", slowed(bot.db.transact))
    return acknowledged


GROWING: dict[str, dict[str, object]] = {
    "debate summary": {},
    "debate end": {},
    "debate groups": {},
    "debate status": {},
    "debate export": {"format": "json"},
    "debate map": {},
    "crux list": {},
    "crux scores": {},
    "agenda summary": {},
    "agenda scores": {},
}
"""Every command whose work grows with the debate (or, for an agenda's, with its debates), and its options."""


@pytest.mark.parametrize("command", [pytest.param(c, marks=needs_dot) if c == "debate map" else c for c in GROWING])
async def test_a_command_whose_work_grows_with_the_debate_acknowledges_before_it(
    command: str, world: World, bot: DebateBot, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = await _argued(world, db)
    options = dict(GROWING[command])
    if command.startswith("agenda"):
        async with db.read() as session:
            options["agenda"] = (await session.execute(select(col(Debate.agenda_id)))).scalar_one()
    _slow_down(world, bot, monkeypatch)
    result = await world.sim.invoke(world.alice, thread, command, **options)
    assert result.type == 5 and result.text and "Something went wrong" not in result.text, result.text
    assert world.sim.errors == []


async def test_a_page_button_acknowledges_before_reading_its_page(
    world: World, bot: DebateBot, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """**Next ▶** recomputes its page from the record: it too grows with the debate."""
    thread = await _argued(world, db)
    summary = (await world.sim.invoke(world.alice, thread, "debate summary")).message
    assert summary is not None
    following = [custom_id for custom_id in summary.custom_ids if custom_id.startswith("page:summary:")]
    assert following, summary.text
    _slow_down(world, bot, monkeypatch)
    page = await world.sim.click(world.bob, summary, following[-1])
    assert page.type == 5 and page.ephemeral and "Crux #" in page.text, page.text
    assert world.sim.errors == []


@needs_analysis
async def test_the_summary_is_posted_before_its_line_on_opinion_groups_which_follows_in_an_edit(
    world: World, bot: DebateBot, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Looking for groups grows with the debate (seconds at 1,000 participants): the summary does not wait for it."""
    thread = await _argued(world, db)
    loop = asyncio.get_running_loop()
    seen_while_looking: list[str] = []

    def posted() -> list[str]:
        return [m.text for m in world.sim.messages(thread) if m.text.startswith("**Debate #1")]

    def find_once_posted(matrix: opinion.CredenceMatrix) -> opinion.Found:  # in a worker thread
        with contextlib.suppress(AssertionError):
            asyncio.run_coroutine_threadsafe(world.sim.wait_for(lambda: bool(posted()), SLOW), loop).result()
        seen_while_looking.extend(posted())
        return found(matrix)

    found = opinion.find
    monkeypatch.setattr(opinion, "find", find_once_posted)
    result = await world.sim.invoke(world.carol, thread, "debate summary")
    message = result.message
    assert message is not None
    await world.sim.wait_for(lambda: GROUPS_LINE in message.text, what="the line on opinion groups")
    assert seen_while_looking and GROUPS_LINE not in seen_while_looking[0]  # the summary, without the line yet
    assert "**Opinion groups:** 2 stand out" in message.text and message.text.startswith("**Debate #1")
    assert world.sim.errors == []


async def test_a_summary_nobody_saw_is_not_the_one_the_next_counts_changes_from(
    world: World, bot: DebateBot, db: Database
) -> None:
    """Discord refusing every answer (as it refuses one too late): nothing posted, so no summary time recorded, and
    the next summary does not say what changed "since the last summary"."""
    thread = await _argued(world, db)
    world.sim.fail_next("POST", r"/callback$|^/webhooks/", status=404, times=2)  # the answer and the apology
    with pytest.raises(AssertionError, match="no user-visible answer"):
        await world.sim.invoke(world.alice, thread, "debate summary")
    assert not [m for m in world.sim.messages(thread) if m.text.startswith("**Debate #1")]
    assert await summary_time(db, thread) is None
    summary = await summarize(world, db, world.alice, thread)
    assert summary.text.startswith("**Debate #1") and "since the last summary" not in summary.text
    assert await summary_time(db, thread) is not None
