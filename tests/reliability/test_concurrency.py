"""Concurrency: many users acting at once never duplicate, lose or renumber a record.

The simulator, its users and the bot share one event loop here. On a 2-core machine they answer about 70
interactions a second, so 1,000 started at the same instant miss Discord's 3-second deadline (measured: 500 users
double-clicking at once → every interaction unanswered in time). Load is therefore released ``IN_FLIGHT``
interactions at a time (claims: 100): every user's double click is simultaneous, and dozens of users act
concurrently throughout.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlmodel import col, select

from bot.client import DebateBot
from schema import Claim, Credence, Crux, CruxStance, Participant, Side
from sim import InteractionResult, SimMember
from tests.e2e.conftest import World
from tests.reliability.support import (
    IN_FLIGHT,
    ClaimLoad,
    Outcome,
    Stopwatch,
    add_users,
    claims_by_text,
    gather_bounded,
    integrity_problems,
    lost_or_duplicated,
    open_thread,
    outcome_of,
    record_number,
    report,
)

JOINERS = 500
BELIEVERS = 500
CLAIMANTS = 200
#: All 200 at once were answered in 2.3–2.9 s (measured, SQLite): inside Discord's 3 s deadline, but too close to it
#: for a shared CI machine. 100 at once keep the same contention with a safe margin.
CLAIMS_IN_FLIGHT = 100
#: Every answer a click may get: joined (publicly), or already on the side (privately; on PostgreSQL both clicks of
#: a pair may read "not joined yet" and both say "joined").
CLICK_ANSWERS = ("joined **for**", "You are already on **for**")


async def test_double_clicked_joins_make_one_participant_each(world: World, bot: DebateBot) -> None:
    thread = await open_thread(world.sim, world.alice, world.channel)
    users = add_users(world, JOINERS, "joiner")
    stopwatch = Stopwatch()

    async def double_click(user: SimMember) -> list[InteractionResult | BaseException]:
        clicks = (world.sim.invoke(user, thread, "debate join", side="for") for _ in range(2))
        return await asyncio.gather(*clicks, return_exceptions=True)

    pairs = await gather_bounded((double_click(user) for user in users), IN_FLIGHT // 2)
    elapsed = stopwatch.elapsed
    answers = [answer for pair in pairs if isinstance(pair, list) for answer in pair]
    outcomes = Counter(outcome_of(answer) for answer in answers)
    texts = [answer.text for answer in answers if isinstance(answer, InteractionResult)]
    joined = sum("joined **for**" in text for text in texts)
    async with bot.db.read() as session:
        rows = (await session.execute(select(Participant.user_id, Side.name).join(Side))).all()
    per_user = Counter(user_id for user_id, _ in rows)
    report(
        f"concurrency: {JOINERS} users double-clicked /debate join ({2 * JOINERS} interactions, {IN_FLIGHT} in flight) "
        f"in {elapsed:.1f} s: {joined} joined, {len(texts) - joined} already on the side, "
        f"{len(rows)} participant rows, {sum(n - 1 for n in per_user.values())} duplicates, "
        f"{len(world.sim.errors)} errors"
    )
    assert len(texts) == 2 * JOINERS and set(outcomes) <= {Outcome.ACKNOWLEDGED, Outcome.REFUSED}
    assert all(any(phrase in text for phrase in CLICK_ANSWERS) for text in texts), set(texts)
    assert JOINERS <= joined == outcomes[Outcome.ACKNOWLEDGED]
    assert sorted(per_user) == sorted(user.id for user in users) and set(per_user.values()) == {1}
    assert {side for _, side in rows} == {"for"} and world.sim.errors == []


async def test_concurrent_credences_are_each_stored_once(world: World, bot: DebateBot) -> None:
    thread = await open_thread(world.sim, world.alice, world.channel)
    added = await world.sim.invoke(world.alice, thread, "crux add", question="Will interpretability scale?")
    assert not added.ephemeral, added.text
    crux = await record_number(bot.db, col(Crux.question), "Will interpretability scale?")
    users = add_users(world, BELIEVERS, "believer")
    values = {user.id: index % 101 for index, user in enumerate(users)}
    stopwatch = Stopwatch()
    answers = await gather_bounded(
        world.sim.invoke(user, thread, "crux credence", crux=crux, value=values[user.id]) for user in users
    )
    elapsed = stopwatch.elapsed
    acknowledged = {
        user.id: values[user.id]
        for user, answer in zip(users, answers, strict=True)
        if outcome_of(answer) is Outcome.ACKNOWLEDGED
    }
    async with bot.db.read() as session:
        stored = (await session.execute(select(Credence.user_id, Credence.value))).all()
        stances = (await session.execute(select(CruxStance.user_id, CruxStance.latest_value, CruxStance.updates))).all()
        spread = (await session.execute(select(Crux.spread).where(col(Crux.id) == crux))).scalar_one()
    report(
        f"concurrency: {BELIEVERS} users recorded a credence ({IN_FLIGHT} in flight) in {elapsed:.1f} s: "
        f"{len(acknowledged)} acknowledged, {len(stored)} stored"
    )
    assert len(acknowledged) == BELIEVERS
    assert sorted(stored) == sorted(acknowledged.items())
    assert sorted(stances) == sorted((user, value, 1) for user, value in acknowledged.items())  # what summaries read
    assert spread == max(acknowledged.values()) - min(acknowledged.values())
    assert world.sim.errors == []


async def test_claims_logged_at_once_are_numbered_one_to_n(
    world: World, bot: DebateBot, caplog: pytest.LogCaptureFixture
) -> None:
    thread = await open_thread(world.sim, world.alice, world.channel)
    load = ClaimLoad(world.sim, thread, add_users(world, CLAIMANTS, "claimant"), limit=CLAIMS_IN_FLIGHT)
    stopwatch = Stopwatch()
    await load.run()
    elapsed = stopwatch.elapsed
    stored = await claims_by_text(bot.db)
    report(
        f"concurrency: {CLAIMANTS} users logged a claim ({CLAIMS_IN_FLIGHT} at once) in {elapsed:.1f} s: "
        f"{load.summary()}; "
        f"{sum(map(len, stored.values()))} stored, numbers "
        f"{min(load.acknowledged.values(), default=0)}..{max(load.acknowledged.values(), default=0)}"
    )
    assert "database is locked" not in caplog.text
    assert load.outcomes == {Outcome.ACKNOWLEDGED: CLAIMANTS}, load.refusals
    assert sorted(load.acknowledged.values()) == list(range(1, CLAIMANTS + 1))
    assert lost_or_duplicated(load.acknowledged, stored) == {} and len(stored) == CLAIMANTS
    assert await integrity_problems(bot.db) == []
    async with bot.db.read() as session:
        assert len((await session.execute(select(Claim.id))).all()) == CLAIMANTS


async def _in_one_batch(bot: DebateBot, actions: list[Callable[[], Awaitable[InteractionResult]]]) -> list[Any]:
    """Each action's interaction, its job committed in one batch with the others', in this order: the writer is held
    while each job in turn joins the batch waiting for it."""
    writer = bot.db._writer
    started = []
    async with writer._lock:
        for act in actions:
            waiting = len(writer._waiting)
            started.append(asyncio.ensure_future(act()))
            for _ in range(5000):  # until the job waits for the writer (the sim and the bot answer in a few ms)
                if len(writer._waiting) > waiting:
                    break
                await asyncio.sleep(0.001)
            assert len(writer._waiting) == waiting + 1, "the job did not join the batch"
    return await asyncio.gather(*started, return_exceptions=True)


def _said(answer: InteractionResult | BaseException) -> tuple[str, dict[str, str]]:
    """An answer's first embed: its title and fields (name → value); a failure is raised."""
    assert isinstance(answer, InteractionResult), answer
    assert not answer.ephemeral and answer.embeds, answer.text
    [embed] = answer.embeds
    return embed["title"], {field["name"]: field["value"] for field in embed.get("fields", [])}


Step = tuple[str, str, dict[str, object]]
RESOLVE_REOPEN_RESOLVE: list[Step] = [
    ("alice", "crux resolve", {"crux": 1, "resolution": "It scaled.", "outcome": "yes"}),
    ("mod", "crux reopen", {"crux": 1}),
    ("mod", "crux resolve", {"crux": 1, "resolution": "It did not.", "outcome": "no"}),
]


@pytest.mark.parametrize(
    "steps",
    [RESOLVE_REOPEN_RESOLVE, [*RESOLVE_REOPEN_RESOLVE, ("alice", "crux reopen", {"crux": 1})]],
    ids=["resolve-reopen-resolve", "resolve-reopen-resolve-reopen"],
)
async def test_every_answer_in_one_batch_shows_what_its_own_job_did(
    world: World, bot: DebateBot, steps: list[Step]
) -> None:
    """Issue 25: jobs of one batch share a session; each answer is rendered from what its job did, not from the rows
    later jobs of the batch changed (moderators alice and mod resolve and reopen the same crux at once)."""
    thread = await open_thread(world.sim, world.alice, world.channel)
    await world.sim.invoke(world.bob, thread, "debate join", side="against")
    await world.sim.invoke(world.alice, thread, "crux add", question="Will interpretability scale?")
    await world.sim.invoke(world.bob, thread, "crux credence", crux=1, value=90)
    await world.sim.invoke(world.mod, thread, "crux list")  # every actor's name is known: no other job joins the batch
    members = {"alice": world.alice, "mod": world.mod}

    def act(name: str, command: str, options: dict[str, object]) -> Callable[[], Awaitable[InteractionResult]]:
        return lambda: world.sim.invoke(members[name], thread, command, **options)

    answers = await _in_one_batch(bot, [act(*step) for step in steps])

    for (name, command, options), answer in zip(steps, answers, strict=True):
        member, (title, fields) = members[name], _said(answer)
        if command == "crux reopen":
            assert answer.text.startswith(f"Crux #1 is open again (reopened by {member.mention})")
            assert title == "Crux #1" and "Resolution" not in fields
        else:
            assert title == f"Crux #1 resolved: {options['outcome']}"
            assert fields["Resolution"] == options["resolution"] and fields["Resolved by"] == member.mention
    assert world.sim.errors == []
