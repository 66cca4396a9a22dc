"""Transcript import: good and bad files read directly, and ``python -m bot import`` recording them."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, BinaryIO, cast

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlmodel import col

import bot.cli.main as command_line
from bot.cli import importer
from bot.cli.importer import ImportRequest, import_transcript
from bot.core.debates import lifecycle as core
from bot.core.errors import InvalidInput, WrongPlace
from bot.core.exports.record import build_export, to_json, to_markdown
from bot.core.importing.drafts import HeldItems
from bot.core.importing.transcripts import ROWS_MAX, read_transcript
from bot.db import Database
from schema import Claim, ClaimKind, Crux, CruxClaim, Debate, DebateFormat
from tests.snapshot import snapshot

DATA = Path(__file__).parents[1] / "data" / "transcripts"
GUILD, ALICE = 1001, 1


def test_a_talk_to_the_city_csv_reads_as_speakers_messages() -> None:
    transcript = read_transcript((DATA / "good.csv").read_bytes(), "good.csv")
    assert transcript.problems == []
    shapes = [(m.key, m.author_id, m.speaker, m.reply_to) for m in transcript.messages]
    assert shapes == [
        ("c1", None, "Dr. Ng", None),
        ("c2", None, "Priya", None),
        ("c3", 4242, None, None),  # a Discord mention is that user
        ("c4", None, "Priya", None),
        ("c5", None, "Dr. Ng", None),
        ("c6", None, "Sam", None),
    ]


def test_json_lines_read_with_their_replies() -> None:
    transcript = read_transcript((DATA / "good.jsonl").read_bytes(), "good.jsonl")
    assert transcript.problems == []
    assert [(m.key, m.speaker, m.reply_to) for m in transcript.messages] == [
        ("1", "Dr. Ng", None),
        ("2", "Priya", "1"),
        ("3", "Sam", "2"),
        ("4", "Dr. Ng", "2"),
    ]


def test_every_bad_row_is_named_on_a_line_of_its_own_and_nothing_is_read() -> None:
    transcript = read_transcript((DATA / "bad.jsonl").read_bytes(), "bad.jsonl")
    assert transcript.messages == []
    assert transcript.problems == [
        "line 2: the id “1” repeats line 1",
        "line 3: no speaker",
        "line 4: reply_to “9” names no earlier row",
        "line 5: not JSON (Expecting value at column 1)",
        "line 6: not a JSON object (it needs id, author and text)",
        "line 7: the text is empty: write some text.",
        "line 8: the text is not a string",
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"id,speaker,comment\n1,a,b c\n", "the CSV has no column interview: it needs the columns id, interview"),
        (b"id,interview,comment\n1,Ng,two words,extra\n", "row 1 (line 2): more fields than the header has columns"),
        (b"id,interview,comment\n", "the file has no rows"),
        (b"id,interview,comment\n1,Ng," + b"x" * 4001 + b"\n", "row 1 (line 2): the text is 4,001 characters long"),
        (b"id,interview,comment\n1,\xff\xfe,text\n", "the file is not UTF-8 text (line 2 is not): save it as UTF-8"),
        (b"id,interview,comment\n,Ng,two words\n", "row 1 (line 2): the id is empty"),
    ],
)
def test_bad_csv_files_are_refused_naming_what_is_wrong(content: bytes, problem: str) -> None:
    transcript = read_transcript(content, "t.csv")
    assert transcript.messages == []
    assert len(transcript.problems) == 1 and transcript.problems[0].startswith(problem), transcript.problems


def test_a_file_too_long_is_refused_whole() -> None:
    rows = "".join(f'{{"id": {i}, "author": "a", "text": "two words"}}\n' for i in range(ROWS_MAX + 1))
    assert read_transcript(rows.encode(), "t.jsonl").problems == [
        f"the file has more than {ROWS_MAX:,} rows; at most {ROWS_MAX:,} can be imported at once"
    ]


class _Endless(io.RawIOBase):
    """A transcript that never ends: good rows forever, counting the lines read."""

    def __init__(self, header: bytes, row: bytes) -> None:
        self.header, self.row, self.lines = header, row, 0

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> bytes:
        self.lines += 1
        return self.header if self.lines == 1 and self.header else self.row


@pytest.mark.parametrize(
    ("name", "header", "row"),
    [
        ("t.jsonl", b"", b'{"id": 1, "author": "a", "text": "two words"}\n'),
        ("t.csv", b"id,interview,comment\n", b"1,a,two words\n"),
    ],
)
def test_reading_stops_at_the_row_limit(name: str, header: bytes, row: bytes) -> None:
    stream = _Endless(header, row)
    transcript = read_transcript(cast(BinaryIO, stream), name)
    assert (
        transcript.problems[-1]
        == f"the file has more than {ROWS_MAX:,} rows; at most {ROWS_MAX:,} can be imported at once"
    )
    assert transcript.messages == []
    assert stream.lines <= ROWS_MAX + 2  # the header, the rows allowed and the one too many: not a line more


async def _debate(db: Database) -> Debate:
    async with db.write() as session:
        return await session.run_sync(
            core.start_debate,
            core.Actor(GUILD, ALICE),
            core.plan_debate("Interp or governance?"),
            channel_id=10,
            thread_id=100,
        )


async def test_import_prints_the_draft_and_records_it_once_confirmed(db: Database) -> None:
    await _debate(db)
    out = io.StringIO()
    questions: list[str] = []

    def yes(question: str) -> bool:
        questions.append(question)
        return True

    status = await import_transcript(db, ImportRequest(1, DATA / "good.jsonl"), out, yes)
    assert status == 0
    assert questions == ["Record these 4 items in debate #1? [y/N] "]
    assert out.getvalue().splitlines() == [
        f"Draft for debate #1 from {DATA / 'good.jsonl'}: 4 items",
        "1. claim — Dr. Ng: Interpretability will not scale to frontier models.",
        "2. rebuttal of #1 — Priya: It already finds features in models with billions of parameters.",
        "3. crux on #2 — Sam: Does scaling features mean scaling understanding?",
        "4. rebuttal of #2 — Dr. Ng: Counting features is not understanding them.",
        "Recorded 4 items in debate #1: Claims #1–#3, Crux #1.",
    ]
    async with db.read() as session:
        claims = list((await session.execute(select(Claim).order_by(Claim.number))).scalars())
        crux = (await session.execute(select(Crux))).scalar_one()
    assert [(c.kind, c.author_id, c.speaker, c.logged_by_id) for c in claims] == [
        (ClaimKind.CLAIM, None, "Dr. Ng", ALICE),  # logged by the debate's creator
        (ClaimKind.REBUTTAL, None, "Priya", ALICE),
        (ClaimKind.REBUTTAL, None, "Dr. Ng", ALICE),
    ]
    assert (crux.speaker, crux.question) == ("Sam", "Does scaling features mean scaling understanding?")
    export = await db.query(lambda session: build_export(session, core.debate_numbered(session, 1)))
    document = json.loads(to_json(export))
    assert document["claims"][0]["author_id"] is None and document["claims"][0]["speaker"] == "Dr. Ng"
    assert document["cruxes"][0]["author_id"] is None and document["cruxes"][0]["speaker"] == "Sam"
    markdown = to_markdown(export)
    assert "**#1** (claim by Dr. Ng, logged by user 1)" in markdown


async def test_import_stores_nothing_when_refused_or_when_no_one_can_answer(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    await _debate(db)
    request = ImportRequest(1, DATA / "good.csv", by=77)
    assert await import_transcript(db, request, io.StringIO(), lambda _: False) == 1
    assert await import_transcript(db, request, io.StringIO(), None) == 1
    assert "not stored: standard input is not a terminal, so I cannot ask; add --yes" in capsys.readouterr().err
    async with db.read() as session:
        assert (await session.execute(select(Claim))).first() is None
    out = io.StringIO()
    assert await import_transcript(db, ImportRequest(1, DATA / "good.csv", by=77, yes=True), out, None) == 0
    assert "(skipped 1 one-word message, 1 repeat)" in out.getvalue()
    async with db.read() as session:
        claims = list((await session.execute(select(Claim).order_by(Claim.number))).scalars())
    assert [(c.author_id, c.speaker, c.logged_by_id) for c in claims] == [
        (None, "Dr. Ng", 77),
        (None, "Priya", 77),
        (None, "Dr. Ng", 77),
    ]


async def test_a_bad_file_stores_nothing_and_names_each_bad_row(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    await _debate(db)
    with pytest.raises(InvalidInput) as refused:
        await import_transcript(db, ImportRequest(1, DATA / "bad.jsonl", yes=True), io.StringIO(), None)
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 7
    assert errors[0] == f"error: {DATA / 'bad.jsonl'}: line 2: the id “1” repeats line 1"
    assert str(refused.value) == f"nothing was stored: 7 problems in {DATA / 'bad.jsonl'}"
    async with db.read() as session:
        assert (await session.execute(select(Claim))).first() is None


async def test_a_closed_debate_takes_no_import(db: Database) -> None:
    debate = await _debate(db)
    async with db.write() as session:
        await session.run_sync(core.end_debate, debate, core.Actor(GUILD, ALICE), None)
    with pytest.raises(WrongPlace):
        await import_transcript(db, ImportRequest(1, DATA / "good.csv", yes=True), io.StringIO(), None)


def _command_line(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m bot import --debate 1 ARGS`` on the database, without a terminal."""
    environment = {**os.environ, "DATABASE_URL": database_url}
    environment.pop("DISCORD_TOKEN", None)
    command = [sys.executable, "-m", "bot", "import", "--debate", "1", *args]
    return subprocess.run(
        command, env=environment, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False
    )


async def test_the_command_line_refuses_without_a_terminal_and_records_with_yes(
    database_url: str, db: Database
) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return _command_line(database_url, *args, str(DATA / "good.csv"))

    missing = run()
    assert missing.returncode == 1 and missing.stderr == "error: There is no debate #1.\n"
    await _debate(db)
    unasked = run()
    assert unasked.returncode == 1, unasked.stderr
    assert unasked.stdout.startswith("Draft for debate #1 from ")
    assert (
        unasked.stderr
        == "error: not stored: standard input is not a terminal, so I cannot ask; add --yes to store it\n"
    )
    stored = run("--yes")
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout.endswith("Recorded 4 items in debate #1: Claims #1–#3, Crux #1.\n")


async def test_the_speakers_migration_goes_down_and_up(db: Database) -> None:
    await _debate(db)
    assert await import_transcript(db, ImportRequest(1, DATA / "good.jsonl", yes=True), io.StringIO(), None) == 0
    await db.downgrade("0008")  # speakers' records stay, logged by and now authored by whoever logged them
    async with db.engine.connect() as connection:
        authors = (await connection.execute(text("SELECT author_id FROM claim UNION SELECT author_id FROM crux"))).all()
    assert authors == [(ALICE,)]
    await db.upgrade()
    async with db.read() as session:
        assert [c.speaker for c in (await session.execute(select(Claim))).scalars()] == [None, None, None]


def test_a_speaker_written_as_a_mention_is_that_user_unless_no_discord_id_could_be_that_large() -> None:
    rows = [
        {"id": "1", "author": "<@1576535867453865991>", "text": "A Discord user."},
        {"id": "2", "author": "<@9999999999999999999>", "text": "Past a 64-bit id: a name."},
    ]
    content = "\n".join(json.dumps(row) for row in rows).encode()
    transcript = read_transcript(content, "mentions.jsonl")
    assert transcript.problems == []
    assert [(m.author_id, m.speaker) for m in transcript.messages] == [
        (1576535867453865991, None),
        (None, "<@9999999999999999999>"),
    ]


_CSV = b"id,interview,comment\n"
_ROW = b'{"id": 1, "author": "Ng", "text": "two words"'
HOSTILE = {
    "a CSV line over 128 KiB": (
        "t.csv",
        _CSV + b"1,Ng," + b"x" * 140_000 + b"\n",
        "line 2 is longer than 131,072 bytes (no row of a transcript is)",
    ),
    "a CSV field over 128 KiB, over many lines": (
        "t.csv",
        _CSV + b'1,Ng,"' + (b"x" * 1_000 + b"\n") * 140 + b'"\n',
        "row 1 (line 2): a field is longer than 131,072 characters (is a quote left open?)",
    ),
    "a CSV quote never closed": (
        "t.csv",
        _CSV + b'1,Ng,"an open quote\n2,Priya,two words\n3,Sam,three more words\n',
        "row 1 (line 2): a quoted field is never closed: the file ends inside its quotes",
    ),
    "a CSV quote closed mid-field": (
        "t.csv",
        _CSV + b'1,Ng,"quoted" then not\n',
        "row 1 (line 2): the CSV is malformed here (',' expected after '\"')",
    ),
    "a JSON number of 5,000 digits": (
        "t.jsonl",
        b'{"id": ' + b"7" * 5_000 + b', "author": "Ng", "text": "two words"}\n',
        "line 1: a number is longer than 100 digits",
    ),
    "JSON nested 50,000 deep": (
        "t.jsonl",
        _ROW + b', "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n",
        "line 1: nested too deeply (a row is one object of id, author and text)",
    ),
    "JSON nested 100,000 deep": (
        "t.jsonl",
        _ROW + b', "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
        "line 1 is longer than 131,072 bytes (no row of a transcript is)",
    ),
    "1,000,000 rows (20 MB)": (
        "t.jsonl",
        b"".join(b'{"id": %d, "author": "a", "text": "two words"}\n' % n for n in range(1_000_000)),
        f"the file has more than {ROWS_MAX:,} rows; at most {ROWS_MAX:,} can be imported at once",
    ),
}


@pytest.mark.parametrize("case", HOSTILE)
async def test_a_hostile_file_is_refused_in_one_line_storing_nothing(
    case: str,
    database_url: str,
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name, content, problem = HOSTILE[case]
    path = tmp_path / name
    path.write_bytes(content)
    await _debate(db)
    before = await snapshot(db)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr(command_line, "setup_logging", lambda *_, **__: None)  # the suite's logging stays as it is
    status = await asyncio.to_thread(command_line.main, ["import", "--debate", "1", "--yes", str(path)])
    said = capsys.readouterr()
    assert (status, said.out) == (1, "")  # main returned: no traceback
    assert said.err == f"error: {path}: {problem}; nothing was stored\n"
    assert await snapshot(db) == before


def test_the_hostile_files_are_in_the_bad_input_catalogue() -> None:
    catalogue = (Path(__file__).parents[2] / "docs" / "bad-input.md").read_text(encoding="utf-8")
    missing = [case for case, (_, _, problem) in HOSTILE.items() if f"| {case} | {problem} |" not in catalogue]
    assert missing == [], "add these rows to docs/bad-input.md"


async def _shape(db: Database) -> list[tuple[object, ...]]:
    """Each record of the debate: claims (number, kind, speaker, the number it answers), then cruxes (number,
    speaker, the claim numbers it bears on)."""
    async with db.read() as session:
        claims = list((await session.execute(select(Claim).order_by(col(Claim.number)))).scalars())
        number = {claim.id: claim.number for claim in claims}
        cruxes = list((await session.execute(select(Crux).order_by(col(Crux.number)))).scalars())
        links = (await session.execute(select(col(CruxClaim.crux_id), col(CruxClaim.claim_id)))).all()
    return [
        *[(c.number, c.kind, c.speaker, number.get(c.parent_id)) for c in claims],
        *[(x.number, x.speaker, [number[claim] for crux, claim in links if crux == x.id]) for x in cruxes],
    ]


def _fail_the_third_transaction(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """The import records one item a transaction, and its third transaction raises ``error``."""
    for setting, value in (("CHUNK", 1), ("BATCH_SECONDS", 0), ("PAUSE_SECONDS", 0)):
        monkeypatch.setattr(importer, setting, value)
    record_batch, transactions = importer._record_batch, 0

    def failing_at_the_third(session: Session, *args: Any) -> Any:
        nonlocal transactions
        transactions += 1
        if transactions == 3:
            raise error
        return record_batch(session, *args)

    monkeypatch.setattr(importer, "_record_batch", failing_at_the_third)


async def test_an_import_stopped_halfway_stores_the_rest_when_run_again_and_nothing_twice(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await _debate(db)
    record_batch = importer._record_batch
    _fail_the_third_transaction(monkeypatch, OSError("disk full"))
    request = ImportRequest(1, DATA / "good.jsonl", yes=True)
    with pytest.raises(OSError, match="disk full"):
        await import_transcript(db, request, io.StringIO(), None)
    assert capsys.readouterr().err == (
        "error: stopped after storing 2 of 4 items (Claims #1–#2); run the same command again to store the rest "
        "(rows stored already are skipped)\n"
    )
    monkeypatch.setattr(importer, "_record_batch", record_batch)
    out = io.StringIO()
    assert await import_transcript(db, request, out, None) == 0
    assert out.getvalue().splitlines()[1:] == [
        "(skipped 2 already-logged messages)",
        "1. crux on Claim #2 — Sam: Does scaling features mean scaling understanding?",
        "2. rebuttal of Claim #2 — Dr. Ng: Counting features is not understanding them.",
        "Recorded 2 items in debate #1: Claim #3, Crux #1.",
    ]
    whole = [
        (1, ClaimKind.CLAIM, "Dr. Ng", None),
        (2, ClaimKind.REBUTTAL, "Priya", 1),
        (3, ClaimKind.REBUTTAL, "Dr. Ng", 2),
        (1, "Sam", [2]),
    ]
    assert await _shape(db) == whole
    again = io.StringIO()
    assert await import_transcript(db, request, again, None) == 0
    assert again.getvalue().splitlines()[-1] == "Every row is in debate #1 already: nothing to record."
    assert await _shape(db) == whole


async def test_a_debate_that_stops_taking_an_import_halfway_is_said_in_one_line_with_what_was_stored(
    database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await _debate(db)
    _fail_the_third_transaction(monkeypatch, HeldItems([(3, "the opening phase does not allow rebuttals")]))
    monkeypatch.setattr(command_line, "setup_logging", lambda *_, **__: None)  # the suite's logging stays as it is
    monkeypatch.setenv("DATABASE_URL", database_url)
    argv = ["import", "--debate", "1", "--yes", str(DATA / "good.jsonl")]
    status = await asyncio.to_thread(command_line.main, argv)
    assert (status, capsys.readouterr().err) == (
        1,
        "error: stopped after storing 2 of 4 items (Claims #1–#2), as the debate no longer takes the rest: 1 item "
        "cannot be recorded now (item #3: the opening phase does not allow rebuttals)\n",
    )


async def test_what_the_phase_does_not_allow_refuses_the_import_in_one_line(
    database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with db.write() as session:
        plan = core.plan_debate("Interp or governance?", format=DebateFormat.ROUNDS)  # opening: claims only
        await session.run_sync(core.start_debate, core.Actor(GUILD, ALICE), plan, channel_id=10, thread_id=100)
    before = await snapshot(db)
    monkeypatch.setattr(command_line, "setup_logging", lambda *_, **__: None)  # the suite's logging stays as it is
    monkeypatch.setenv("DATABASE_URL", database_url)
    argv = ["import", "--debate", "1", "--yes", str(DATA / "good.jsonl")]
    status = await asyncio.to_thread(command_line.main, argv)
    assert (status, capsys.readouterr().err) == (
        1,
        "error: Nothing was recorded: 3 items cannot be recorded now (item #2: the opening phase does not allow "
        "rebuttals; item #3: the opening phase does not allow cruxes; item #4: the opening phase does not allow "
        "rebuttals).\n",
    )
    assert await snapshot(db) == before
