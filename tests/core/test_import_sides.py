"""Speakers become sides (issue 29): a transcript's speakers get the debate's side named like them, or the one
``--side SPEAKER=SIDE`` gives them; their records are logged for it, and the map and the exports say who said it."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

import bot.cli.main as command_line
from bot.cli.importer import ImportRequest, import_transcript
from bot.core.debates import lifecycle as core
from bot.core.errors import InvalidInput
from bot.core.exports.argmap import map_source
from bot.core.exports.record import UserExport, build_export, to_json
from bot.core.importing.drafts import speaker_sides
from bot.core.records import SideSnapshot
from bot.db import Database
from schema import Claim, Crux, Side
from tests.core.test_argmap import attributes, claim, export_of
from tests.snapshot import snapshot

DATA = Path(__file__).parents[1] / "data" / "transcripts"
GUILD, ALICE = 1001, 1
SPEAKERS = {"Dr. Ng", "Priya", "Sam"}


def _sides(*names: str) -> list[SideSnapshot]:
    return [SideSnapshot(id=i + 1, debate_id=1, position=i, name=n, name_key=n.casefold()) for i, n in enumerate(names)]  # type: ignore[arg-type]


def test_a_speaker_named_like_a_side_is_on_it_and_given_sides_come_first() -> None:
    assert speaker_sides(_sides("Dr. Ng", "Priya"), SPEAKERS) == {"Dr. Ng": "Dr. Ng", "Priya": "Priya"}
    assert speaker_sides(_sides("for", "against"), SPEAKERS) == {}
    given = (("priya", "AGAINST"), ("Dr. Ng", "for"))
    assert speaker_sides(_sides("for", "against"), SPEAKERS, given) == {"Priya": "against", "Dr. Ng": "for"}
    assert speaker_sides(_sides("Priya", "Sam"), SPEAKERS, (("Priya", "Sam"),)) == {"Priya": "Sam", "Sam": "Sam"}


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ((("Priya", "maybe"),), "--side Priya=maybe: the debate has no side “maybe” (its sides are “for”, “against”)"),
        ((("Zed", "for"),), "--side Zed=for: no row of the file is by “Zed”"),
        ((("Priya", "for"), ("Priya", "against")), "--side Priya=against: “Priya” is given “for” already"),
    ],
)
def test_a_side_given_wrong_is_refused_naming_it(given: tuple[tuple[str, str], ...], problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        speaker_sides(_sides("for", "against"), SPEAKERS, given)
    assert str(refused.value) == problem


async def _debate(db: Database, sides: str | None = None) -> None:
    async with db.write() as session:
        await session.run_sync(
            core.start_debate,
            core.Actor(GUILD, ALICE),
            core.plan_debate("Interp or governance?", sides=sides),
            channel_id=10,
            thread_id=100,
        )


async def _claim_sides(db: Database) -> list[tuple[str | None, str | None]]:
    async with db.read() as session:
        names = {side.id: side.name for side in (await session.execute(select(Side))).scalars()}
        claims = (await session.execute(select(Claim).order_by(Claim.number))).scalars()
        return [(c.speaker, names.get(c.side_id) if c.side_id else None) for c in claims]


async def test_a_debate_whose_sides_are_its_speakers_logs_each_record_for_its_speaker(db: Database) -> None:
    await _debate(db, sides="Dr. Ng, Priya")
    out = io.StringIO()
    assert await import_transcript(db, ImportRequest(1, DATA / "good.jsonl", yes=True), out, None) == 0
    assert "Sides: Dr. Ng → Dr. Ng, Priya → Priya" in out.getvalue().splitlines()
    assert await _claim_sides(db) == [("Dr. Ng", "Dr. Ng"), ("Priya", "Priya"), ("Dr. Ng", "Dr. Ng")]
    async with db.read() as session:
        assert (await session.execute(select(Crux.speaker))).scalar_one() == "Sam"  # a crux has no side
    export = await db.query(lambda session: build_export(session, core.debate_numbered(session, 1)))
    document = json.loads(to_json(export))
    assert [(c["speaker"], c["side"]) for c in document["claims"]] == [
        ("Dr. Ng", "Dr. Ng"),
        ("Priya", "Priya"),
        ("Dr. Ng", "Dr. Ng"),
    ]
    assert "#2 · Priya · Priya · rebuttal" in attributes(map_source(export), "c2")  # side, then who said it


async def test_side_options_give_speakers_their_sides(db: Database) -> None:
    await _debate(db)
    request = ImportRequest(1, DATA / "good.jsonl", yes=True, sides=(("Dr. Ng", "for"), ("priya", "against")))
    assert await import_transcript(db, request, io.StringIO(), None) == 0
    assert await _claim_sides(db) == [("Dr. Ng", "for"), ("Priya", "against"), ("Dr. Ng", "for")]


@pytest.mark.parametrize(
    ("option", "problem"),
    [
        (
            "Priya",
            "argument --side: “Priya” is not SPEAKER=SIDE (for example Ana=for) (see python -m bot import --help)",
        ),
        ("Priya=maybe", "--side Priya=maybe: the debate has no side “maybe” (its sides are “for”, “against”)"),
    ],
)
async def test_the_command_line_refuses_a_wrong_side_in_one_line_storing_nothing(
    option: str,
    problem: str,
    database_url: str,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _debate(db)
    before = await snapshot(db)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr(command_line, "setup_logging", lambda *_, **__: None)
    argv = ["import", "--debate", "1", "--yes", "--side", option, str(DATA / "good.jsonl")]
    try:
        status = await asyncio.to_thread(command_line.main, argv)
    except SystemExit as exit:  # argparse refuses the option before anything runs
        status = exit.code
    said = capsys.readouterr()
    assert status != 0 and said.out == ""
    assert said.err == f"error: {problem}\n"
    assert await snapshot(db) == before


def test_the_map_names_who_said_a_claim_when_known() -> None:
    export = export_of([claim(1, "Interp scales", 0), claim(2, "It does not", 1, 1)], [])
    source = map_source(export.model_copy(update={"users": [UserExport(user_id=10, name="Ana")]}))
    assert "#1 · interpretability · Ana" in attributes(source, "c1")
    assert "<B>#2 · governance</B>" in attributes(source, "c2")  # no name known for user 11: no one named
