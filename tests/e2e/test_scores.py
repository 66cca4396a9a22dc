"""Outcomes and scores through Discord: resolving with an outcome and a source, the scores in the resolution
message, reopening, /crux scores and /agenda scores with their calibration tables and plot."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from sqlalchemy import func, select

from bot.client import DebateBot
from bot.core.exports.record import DebateExport
from bot.core.scoring.formulas import Score
from bot.core.scoring.scores import score_text
from schema import Crux, CruxOutcome, CruxScore
from sim import SimChannel
from tests.e2e.conftest import World, start_debate
from tests.snapshot import snapshot


async def _debate(world: World, **options: object) -> SimChannel:
    thread = await start_debate(world, **options)
    for member, side in ((world.alice, "for"), (world.bob, "against"), (world.carol, "against")):
        await world.sim.invoke(member, thread, "debate join", side=side)
    return thread


async def _crux(world: World, thread: SimChannel, question: str, **credences: int) -> int:
    await world.sim.invoke(world.alice, thread, "crux add", question=question)
    crux_id = int(
        (await world.sim.autocomplete(world.alice, thread, "crux credence", "crux", value=question))[0]["value"]
    )
    for name, value in credences.items():
        await world.sim.invoke(getattr(world, name), thread, "crux credence", crux=crux_id, value=value)
    return crux_id


async def _stored_scores(bot: DebateBot) -> dict[int, Score]:
    async with bot.db.read() as session:
        rows = (await session.execute(select(CruxScore))).scalars().all()
    return {row.user_id: Score(row.baseline, row.brier, row.coverage, row.peer) for row in rows}


async def test_resolving_with_an_outcome_scores_everyone_and_reopening_withdraws_it(
    world: World, bot: DebateBot
) -> None:
    thread = await _debate(world)
    crux_id = await _crux(world, thread, "Do circuits transfer?", alice=80, bob=20)
    resolved = await world.sim.invoke(
        world.mod,
        thread,
        "crux resolve",
        crux=crux_id,
        resolution="They do",
        outcome="yes",
        source="https://example.org/paper",
    )
    assert not resolved.ephemeral and "Crux #1 resolved: yes" in resolved.text
    assert "https://example.org/paper" in resolved.text
    scores = await _stored_scores(bot)
    assert set(scores) == {world.alice.user.id, world.bob.user.id}
    alice, bob = scores[world.alice.user.id], scores[world.bob.user.id]
    assert alice.baseline > 0 > bob.baseline and alice.brier < bob.brier and 0 < alice.coverage <= 1
    assert alice.peer is not None and bob.peer is not None
    # 100·ln(0.8 / 0.2) while both held a credence (Bob's share of the open time), and the opposite for Bob.
    assert alice.peer == pytest.approx(-bob.peer) and alice.peer == pytest.approx(138.63 * bob.coverage, rel=0.01)
    lines = resolved.text.split("\n")
    alice_line = f"{world.alice.mention}: {score_text(alice)}"
    assert alice_line in lines and f"{world.bob.mention}: {score_text(bob)}" in lines
    assert lines.index(alice_line) < lines.index(f"{world.bob.mention}: {score_text(bob)}")  # best first

    reopened = await world.sim.invoke(world.mod, thread, "crux reopen", crux=crux_id)
    assert "open again" in reopened.text and await _stored_scores(bot) == {}
    async with bot.db.read() as session:
        crux = (await session.execute(select(Crux))).scalar_one()
    assert crux.outcome is None and crux.resolution_url is None

    await world.sim.invoke(world.bob, thread, "crux credence", crux=crux_id, value=10)
    again = await world.sim.invoke(world.mod, thread, "crux resolve", crux=crux_id, resolution="Not so", outcome="no")
    assert "resolved: no" in again.text
    rescored = await _stored_scores(bot)
    assert rescored[world.bob.user.id].baseline > 0 > rescored[world.alice.user.id].baseline


async def test_annulled_or_no_outcome_is_not_scored(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    first = await _crux(world, thread, "First question?", alice=70)
    second = await _crux(world, thread, "Second question?", alice=70)
    annulled = await world.sim.invoke(
        world.mod, thread, "crux resolve", crux=first, resolution="Ill-posed", outcome="annulled"
    )
    assert "resolved: annulled" in annulled.text and "Annulled (no fair answer): not scored." in annulled.text
    plain = await world.sim.invoke(world.mod, thread, "crux resolve", crux=second, resolution="Settled")
    assert "No outcome given: not scored." in plain.text
    assert await _stored_scores(bot) == {}


@pytest.mark.parametrize("link", ["ftp://example.org/x", "example.org", "https://", "http://exa mple.org", "http://["])
async def test_a_bad_source_link_is_refused_and_nothing_changes(world: World, bot: DebateBot, link: str) -> None:
    thread = await _debate(world)
    crux_id = await _crux(world, thread, "Link?", alice=60)
    before = await snapshot(bot.db)
    refused = await world.sim.invoke(
        world.mod, thread, "crux resolve", crux=crux_id, resolution="Yes", outcome="yes", source=link
    )
    assert refused.ephemeral and "must be a web address starting with http:// or https://" in refused.text
    assert await snapshot(bot.db) == before


async def test_the_resolve_button_asks_for_the_outcome_and_source(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    await world.sim.invoke(world.alice, thread, "crux add", question="Button?")
    crux_message = next(m for m in world.sim.messages(thread) if "crux:resolve:1" in m.custom_ids)
    await world.sim.invoke(world.bob, thread, "crux credence", crux=1, value=30)
    opened = await world.sim.click(world.mod, crux_message, "crux:resolve:1")
    assert opened.modal is not None
    resolved = await world.sim.submit_modal(
        world.mod,
        thread,
        opened.modal["custom_id"],
        {"resolution": "No, it does not", "outcome": "no", "source": "http://example.org"},
    )
    assert "Crux #1 resolved: no" in resolved.text and f"{world.bob.mention}: baseline" in resolved.text
    async with bot.db.read() as session:
        crux = (await session.execute(select(Crux))).scalar_one()
    assert crux.outcome is CruxOutcome.NO and crux.resolution_url == "http://example.org"


async def _three_scored(world: World, thread: SimChannel) -> None:
    """Alice: 90, 80, 20 on cruxes resolving yes, yes, no (well calibrated); Bob: 10, 30, 70 (badly); Carol once."""
    for index, (alice, bob, outcome) in enumerate([(90, 10, "yes"), (80, 30, "yes"), (20, 70, "no")]):
        credences = {"alice": alice, "bob": bob} | ({"carol": 60} if index == 0 else {})
        crux_id = await _crux(world, thread, f"Question {index}?", **credences)
        await world.sim.invoke(world.mod, thread, "crux resolve", crux=crux_id, resolution="Known", outcome=outcome)


@pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is None, reason="the plots extra (matplotlib) is not installed"
)
async def test_crux_scores_ranks_those_with_three_scored_cruxes_with_calibration(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    await _three_scored(world, thread)
    # Deferred first ("thinking…"): Discord then waits 15 minutes, and drawing the first plot (importing matplotlib)
    # can take longer than the local server's default 5 s on a loaded machine.
    world.sim.answer_timeout = 60
    result = await world.sim.invoke(world.carol, thread, "crux scores")
    text = result.text
    assert not result.ephemeral and "over 3 scored cruxes" in text
    ranked, apart = text.split("Fewer than 3 scored cruxes (not ranked):")
    assert ranked.index(f"1. {world.alice.mention} — 3 cruxes") < ranked.index(f"2. {world.bob.mention} — 3 cruxes")
    assert f"• {world.carol.mention} — 1 crux" in apart.split("**Calibration")[0]
    assert f"1. {world.alice.mention} — 3 cruxes · mean baseline" in ranked and " · mean peer " in ranked
    assert "**Calibration, everyone**" in text and f"**Calibration** · {world.alice.mention}" in text
    # Everyone: 10 | 20 | 30 | 60 | 70 | 80 | 90 — the [90, 100] bin holds Alice's 90 on a crux that resolved yes.
    assert "[90, 100]      1   90.0   100%" in text and "[70, 80)       1   70.0     0%" in text
    files = result.attachments  # with the first page
    assert [f.filename for f in files] == ["calibration.png"] and files[0].data.startswith(b"\x89PNG")


async def test_without_the_plots_extra_the_tables_come_alone(
    world: World, bot: DebateBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    thread = await _debate(world)
    await _three_scored(world, thread)
    result = await world.sim.invoke(world.carol, thread, "crux scores")
    assert "**Calibration, everyone**" in result.text
    assert result.attachments == [] and not result.followups


async def test_agenda_scores_add_up_the_agendas_debates_only(world: World, bot: DebateBot) -> None:
    first = await _debate(world, topic="First?", agenda="AI safety")
    second = await _debate(world, topic="Second?", agenda="AI safety")
    elsewhere = await _debate(world, topic="Elsewhere?")
    for thread, value in ((first, 90), (second, 80), (elsewhere, 10)):
        crux_id = await _crux(world, thread, "Will it?", alice=value)
        await world.sim.invoke(world.mod, thread, "crux resolve", crux=crux_id, resolution="It did", outcome="yes")
    agenda = (await world.sim.autocomplete(world.mod, world.channel, "agenda scores", "agenda", value="safety"))[0]
    world.sim.answer_timeout = 60  # deferred, then the plot is drawn: see above
    result = await world.sim.invoke(world.carol, world.channel, "agenda scores", agenda=int(agenda["value"]))
    assert "Scores · AI safety" in result.text and "over 2 scored cruxes" in result.text
    assert f"• {world.alice.mention} — 2 cruxes" in result.text and "[0, 10)" not in result.text
    async with bot.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(CruxScore))).scalar_one() == 3
    foreign = await world.sim.invoke(world.eve, world.other_channel, "agenda scores", agenda=int(agenda["value"]))
    assert foreign.ephemeral and "No such agenda in this server" in foreign.text


async def test_scores_before_anything_is_scored(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    result = await world.sim.invoke(world.alice, thread, "crux scores")
    assert "No scored cruxes yet" in result.text


async def test_the_export_carries_outcomes_and_scores(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    crux_id = await _crux(world, thread, "Exported?", alice=80)
    await world.sim.invoke(
        world.mod, thread, "crux resolve", crux=crux_id, resolution="Yes", outcome="yes", source="https://example.org"
    )
    exported = await world.sim.invoke(world.carol, thread, "debate export", format="json")
    record = DebateExport.model_validate_json(exported.attachments[0].data)
    (crux,) = record.cruxes
    assert (crux.outcome, crux.resolution_url) == (CruxOutcome.YES, "https://example.org")
    stored = (await _stored_scores(bot))[world.alice.user.id]
    assert [(s.user_id, s.baseline, s.brier, s.coverage) for s in crux.scores] == [
        (world.alice.user.id, stored.baseline, stored.brier, stored.coverage)
    ]
