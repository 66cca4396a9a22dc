"""A member's export and erasure, a speaker's erasure, a debate's and a server's deletion (``bot.core.privacy``), run
as the bot and the command line run them (``bot.runtime.privacy``), on the backend under test."""

from __future__ import annotations

import base64
import gzip
import json
import math
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import BigInteger, Table, event, select, update
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from bot.core.cruxes.lifecycle import keep_stance
from bot.core.debates import lifecycle as core
from bot.core.debates import timers
from bot.core.debates.formats import PHASE_END
from bot.core.importing.drafts import Draft, Item, ItemKind
from bot.core.privacy.erasure import delete_debate, delete_server, forget_member, forget_speaker
from bot.core.privacy.export import EXPORT_VERSION, export_files, export_json
from bot.core.privacy.references import REFERENCES, Member
from bot.core.scoring.scores import score_crux
from bot.db import SECURE_SINCE_VACUUM, Database
from bot.runtime.privacy import erase, export
from schema import (
    Agenda,
    Claim,
    ClaimKind,
    ClaimRevision,
    ClaimVector,
    Credence,
    Crux,
    CruxMark,
    CruxOutcome,
    CruxScore,
    CruxStatus,
    CruxVector,
    Debate,
    Digest,
    DigestEvery,
    ImportDraft,
    MemberName,
    Participant,
    PendingRebuttal,
    Side,
    Timer,
    id_of,
    table_of,
    utcnow,
)
from schema.types import FORGOTTEN_USER, REMOVED_TEXT

GUILD, ELSEWHERE = 1, 2
ADA, BEN = 100_000_000_000_000_001, 100_000_000_000_000_002
ADAS = (
    "ADA-TOPIC",
    "ADA-OUTCOME",
    "ada-yes",
    "ada-no",
    "ADA-CLAIM-NOW",
    "ADA-CLAIM-BEFORE",
    "ADA-CRUX?",
    "ADA-RESOLUTION",
    "https://ada.example/resolution",
    "ADA-REASON-ONE",
    "ADA-REASON-TWO",
    "ADA-REASON-THREE",
    "ADA-DRAFT",
    "ADA-IN-BENS-DRAFT",
    "ADA-PENDING",
    "ADA-NAME",
    "https://chat.example/channels/1/2/777",
)
"""Every text of Ada's, each distinct, so that a search of the database file for it finds only it."""


@dataclass(frozen=True, slots=True)
class Seeded:
    adas_debate: int
    bens_debate: int
    adas_claim: int
    bens_rebuttal: int
    transcript_claim: int
    adas_crux: int
    bens_crux: int


def _seed(session: Session, adas: Debate, bens: Debate) -> Seeded:
    """Ada holds every kind of data the bot keeps in ``GUILD``, beside Ben's; and a claim in another server."""
    now = utcnow()
    adas.outcome = "ADA-OUTCOME"
    core.join(session, adas, BEN, "ada-no")
    core.join(session, bens, ADA, "for")
    session.flush()
    participants = table_of(Participant)
    session.execute(update(participants).where(participants.c.user_id == ADA).values(motion_credence=61))
    claim = Claim(
        debate_id=id_of(bens),
        number=1,
        author_id=ADA,
        logged_by_id=ADA,
        text="ADA-CLAIM-NOW " + "long enough to take pages of its own " * 200,
        source_message_id=777,
        source_url="https://chat.example/channels/1/2/777",
    )
    session.add(claim)
    session.flush()
    rebuttal = Claim(
        debate_id=id_of(bens),
        number=2,
        kind=ClaimKind.REBUTTAL,
        parent_id=id_of(claim),
        author_id=BEN,
        logged_by_id=ADA,
        text="BEN-REBUTTAL",
    )
    spoken = Claim(debate_id=id_of(bens), number=3, speaker="Dr. Ng", logged_by_id=ADA, text="NG-SAID")
    session.add_all([rebuttal, spoken])
    session.flush()
    session.add_all(
        [
            ClaimRevision(claim_id=id_of(claim), text="ADA-CLAIM-BEFORE " + "earlier " * 1000, revised_by_id=ADA),
            ClaimRevision(claim_id=id_of(rebuttal), text="BEN-EARLIER", revised_by_id=ADA),
            ClaimVector(claim_id=id_of(claim), model="m", vector=b"ADA-CLAIM-VECTOR"),
            ClaimVector(claim_id=id_of(rebuttal), model="m", vector=b"BEN-VECTOR"),
        ]
    )
    adas_crux = Crux(
        debate_id=id_of(bens),
        number=1,
        question="ADA-CRUX?",
        author_id=ADA,
        resolution="ADA-RESOLUTION",
        resolution_url="https://ada.example/resolution",
        resolved_by_id=ADA,
        created_at=now - timedelta(hours=1),
        status=CruxStatus.RESOLVED,
        outcome=CruxOutcome.YES,
        resolved_at=now,
    )
    bens_crux = Crux(debate_id=id_of(bens), number=2, question="BEN-CRUX?", author_id=BEN, logged_by_id=ADA)
    session.add_all([adas_crux, bens_crux])
    session.flush()
    session.add(CruxVector(crux_id=id_of(adas_crux), model="m", vector=b"ADA-CRUX-VECTOR"))
    for crux, user, value, reason in (
        (adas_crux, ADA, 40, "ADA-REASON-ONE"),
        (adas_crux, ADA, 70, "ADA-REASON-TWO"),
        (bens_crux, ADA, 20, "ADA-REASON-THREE"),
        (adas_crux, BEN, 90, "BEN-REASON"),
        (bens_crux, BEN, 80, None),
    ):
        credence = Credence(crux_id=id_of(crux), user_id=user, value=value, reason=reason)
        session.add(credence)
        session.flush()
        keep_stance(session, credence)
    session.add_all(
        [
            CruxScore(crux_id=id_of(adas_crux), user_id=ADA, baseline=12.5, brier=0.2, coverage=0.9),
            CruxScore(crux_id=id_of(adas_crux), user_id=BEN, baseline=40.25, brier=0.05, coverage=0.75),
            CruxMark(crux_id=id_of(adas_crux), user_id=ADA, changes_mind=True),
            CruxMark(crux_id=id_of(adas_crux), user_id=BEN, changes_mind=False),
        ]
    )
    agenda = Agenda(guild_id=GUILD, name="safety", name_key="safety")
    session.add(agenda)
    session.flush()
    later = now + timedelta(days=1)

    def draft(importer: int, data: str) -> ImportDraft:
        return ImportDraft(
            debate_id=id_of(bens), guild_id=GUILD, source_id=9, expires_at=later, importer_id=importer, data=data
        )

    session.add_all(
        [
            Digest(guild_id=GUILD, agenda_id=id_of(agenda), channel_id=9, every=DigestEvery.DAILY, created_by_id=ADA),
            draft(ADA, _drafted((ADA, "ADA-DRAFT"))),
            draft(BEN, _drafted((BEN, f"BEN-BESIDE-ADA <@{ADA}>"), (ADA, "ADA-IN-BENS-DRAFT"))),
            draft(BEN, _drafted((BEN, f"BEN-DRAFT mentions <@{ADA}>"))),
            PendingRebuttal(
                debate_id=id_of(bens),
                logger_id=BEN,
                message_id=778,
                author_id=ADA,
                channel_id=2,
                content="ADA-PENDING",
                jump_url="https://chat.example/channels/1/2/778",
                expires_at=later,
            ),
            MemberName(guild_id=GUILD, user_id=ADA, name="ADA-NAME", seen_at=now),
            MemberName(guild_id=GUILD, user_id=BEN, name="Ben", seen_at=now),
        ]
    )
    session.flush()
    return Seeded(
        id_of(adas), id_of(bens), id_of(claim), id_of(rebuttal), id_of(spoken), id_of(adas_crux), id_of(bens_crux)
    )


def _drafted(*messages: tuple[int, str]) -> str:
    """An import draft's stored data (as ``bot.core.importing.chat`` stores it) of messages by ``(author, text)``."""
    items = [
        Item(number, ItemKind.CLAIM, text, str(number), author_id=author)
        for number, (author, text) in enumerate(messages, start=1)
    ]
    return json.dumps(Draft(items).to_json())


async def _started(db: Database, guild: int, creator: int, topic: str, thread: int, sides: str | None = None) -> Debate:
    async with db.write() as session:
        plan = core.plan_debate(topic, sides=sides)
        return await session.run_sync(
            core.start_debate, core.Actor(guild, creator), plan, channel_id=1, thread_id=thread
        )


async def _seeded(db: Database) -> Seeded:
    adas = await _started(db, GUILD, ADA, "ADA-TOPIC", 2, sides="ada-yes, ada-no")
    bens = await _started(db, GUILD, BEN, "BEN-TOPIC", 3)
    other = await _started(db, ELSEWHERE, BEN, "OTHER", 4)
    async with db.write() as session:
        seeded = await session.run_sync(lambda sync: _seed(sync, sync.merge(adas), sync.merge(bens)))
        session.add(Claim(debate_id=id_of(other), number=1, author_id=ADA, logged_by_id=ADA, text="ADA-OTHER-SERVER"))
    return seeded


def _every_row(session: Session) -> list[tuple[Table, dict[str, object]]]:
    return [
        (table, dict(row._mapping))
        for table in SQLModel.metadata.sorted_tables
        for row in session.execute(select(table))
    ]


async def _stored(db: Database) -> list[tuple[Table, dict[str, object]]]:
    return await db.query(_every_row)


def _naming(rows: list[tuple[Table, dict[str, object]]], user_id: int) -> list[str]:
    """Every row with a Discord id column holding ``user_id``."""
    return [
        f"{table.name}: {row}"
        for table, row in rows
        if any(row[column.name] == user_id for column in table.columns if isinstance(column.type, BigInteger))
    ]


def _texts(rows: list[tuple[Table, dict[str, object]]]) -> str:
    return "\n".join(repr(row) for _table, row in rows)


def _on_disk(db: Database) -> bytes:
    """The SQLite database file and its write-ahead log, as bytes."""
    path = Path(str(db.url.database))
    return b"".join(file.read_bytes() for file in (path, path.with_name(path.name + "-wal")) if file.exists())


async def test_a_members_export_holds_every_piece_of_their_data_in_their_server_only(db: Database) -> None:
    await _seeded(db)

    document = await export(db, ADA, GUILD)
    text = export_json(document)

    assert document["schema_version"] == EXPORT_VERSION
    missing = [piece for piece in ADAS if piece not in text]
    assert missing == []
    tables = json.loads(text)["tables"]
    assert {name for name, rows in tables.items() if not rows} == set(), "every kind of data is in the export"
    assert "ADA-OTHER-SERVER" not in text and "BEN-DRAFT" not in text and "BEN-REASON" not in text
    assert "BEN-BESIDE-ADA" not in text, "of another's draft, only the member's messages"
    assert [row["motion_credence"] for row in tables["participant"]] == [61]
    vectors = [base64.b64decode(row["vector"]) for name in ("claim_vector", "crux_vector") for row in tables[name]]
    assert vectors == [b"ADA-CLAIM-VECTOR", b"ADA-CRUX-VECTOR"]
    assert [row["baseline"] for row in tables["crux_score"]] == [12.5]
    assert str(ADA) in {row["user_id"] for row in tables["member_name"]}
    assert "ADA-OTHER-SERVER" in export_json(await export(db, ADA, None))


async def test_forgetting_a_member_leaves_no_row_naming_them_nor_their_text_and_others_records_stand(
    db: Database,
) -> None:
    seeded = await _seeded(db)
    bens_score_before = await db.query(_scores, seeded.adas_crux)
    if db.is_sqlite:
        assert b"ADA-CLAIM-NOW" in _on_disk(db)  # the search would find it

    changed = await erase(db, forget_member(ADA, GUILD))

    rows = await _stored(db)
    assert changed > 0
    assert [row for row in _naming(rows, ADA) if "ADA-OTHER-SERVER" not in row] == []
    held = _texts(rows)
    assert [piece for piece in ADAS if piece in held] == []
    assert "ADA-CLAIM-VECTOR" not in held and "ADA-CRUX-VECTOR" not in held
    if db.is_sqlite:
        disk = _on_disk(db)
        assert [piece for piece in ADAS if piece.encode() in disk] == []
    assert all(await db.query(_nothing_references, Member(ADA, GUILD)))
    # Others' records, answers and scores stand; the member's records are tombstones the replies still answer.
    claims = {row["id"]: row for table, row in rows if table.name == "claim"}
    assert claims[seeded.adas_claim]["text"] == REMOVED_TEXT
    assert claims[seeded.adas_claim]["author_id"] == FORGOTTEN_USER
    assert claims[seeded.bens_rebuttal]["parent_id"] == seeded.adas_claim
    assert claims[seeded.bens_rebuttal]["text"] == "BEN-REBUTTAL"
    assert claims[seeded.bens_rebuttal]["logged_by_id"] == FORGOTTEN_USER
    assert claims[seeded.transcript_claim]["text"] == "NG-SAID"
    others = ("BEN-EARLIER", "BEN-VECTOR", "BEN-REASON", "BEN-DRAFT", "BEN-CRUX?", "BEN-TOPIC", "ADA-OTHER-SERVER")
    assert [piece for piece in others if piece not in held] == []
    assert await db.query(_scores, seeded.adas_crux) == {BEN: bens_score_before[BEN]}
    cruxes = {row["id"]: row for table, row in rows if table.name == "crux"}
    assert cruxes[seeded.adas_crux]["spread"] == 0  # Ben's alone: 90 against Ada's 70 was 20
    assert cruxes[seeded.adas_crux]["outcome"] == CruxOutcome.YES
    assert cruxes[seeded.adas_crux]["resolution"] == REMOVED_TEXT
    assert cruxes[seeded.bens_crux]["question"] == "BEN-CRUX?"
    debates = {row["id"]: row for table, row in rows if table.name == "debate"}
    assert debates[seeded.adas_debate]["topic"] == REMOVED_TEXT
    sides = sorted(
        str(row["name"]) for table, row in rows if table.name == "side" and row["debate_id"] == seeded.adas_debate
    )
    assert sides == ["side 1", "side 2"]


def _scores(session: Session, crux_id: int) -> dict[int, tuple[float, float, float]]:
    scores = table_of(CruxScore)
    found = session.execute(select(scores).where(scores.c.crux_id == crux_id))
    return {row.user_id: (row.baseline, row.brier, row.coverage) for row in found}


def _nothing_references(session: Session, member: Member) -> list[bool]:
    return [session.execute(select(table).where(where(member))).first() is None for table, where in REFERENCES.items()]


CAROL = 100_000_000_000_000_003


def _scored_crux(session: Session, debate: Debate) -> int:
    """A crux open an hour, resolved yes, on which Ada held 10, Ben 70 and Carol 60 all along; scored."""
    opened = utcnow() - timedelta(hours=1)
    crux = Crux(
        debate_id=id_of(debate),
        number=1,
        question="Q?",
        author_id=BEN,
        resolution="It did.",
        resolved_by_id=BEN,
        created_at=opened,
        status=CruxStatus.RESOLVED,
        outcome=CruxOutcome.YES,
        resolved_at=opened + timedelta(hours=1),
    )
    session.add(crux)
    session.flush()
    for user, value in ((ADA, 10), (BEN, 70), (CAROL, 60)):
        credence = Credence(crux_id=id_of(crux), user_id=user, value=value, created_at=opened)
        session.add(credence)
        session.flush()
        keep_stance(session, credence)
    score_crux(session, crux)
    return id_of(crux)


def _peers(session: Session, crux_id: int) -> dict[int, tuple[float, float | None]]:
    scores = table_of(CruxScore)
    found = session.execute(select(scores).where(scores.c.crux_id == crux_id))
    return {row.user_id: (row.baseline, row.peer) for row in found}


async def test_forgetting_a_member_recomputes_the_others_peer_scores_without_their_credences(db: Database) -> None:
    debate = await _started(db, GUILD, BEN, "BEN-TOPIC", 3)
    async with db.write() as session:
        crux_id = await session.run_sync(lambda sync: _scored_crux(sync, sync.merge(debate)))
    before = await db.query(_peers, crux_id)
    assert before[BEN][1] == pytest.approx(100 * (math.log(0.7) - (math.log(0.1) + math.log(0.6)) / 2))

    await erase(db, forget_member(ADA, GUILD))

    after = await db.query(_peers, crux_id)
    assert set(after) == {BEN, CAROL}
    assert after[BEN] == (before[BEN][0], pytest.approx(100 * math.log(0.7 / 0.6)))  # measured against Carol alone
    assert after[CAROL] == (before[CAROL][0], pytest.approx(100 * math.log(0.6 / 0.7)))


async def test_forgetting_twice_or_with_nothing_stored_changes_nothing(db: Database) -> None:
    await _seeded(db)
    await erase(db, forget_member(ADA, GUILD))
    before = await _stored(db)

    assert await erase(db, forget_member(ADA, GUILD)) == 0
    assert await erase(db, forget_member(123_456_789_012_345_678, GUILD)) == 0
    assert await _stored(db) == before


async def test_forgetting_a_member_everywhere_reaches_every_server(db: Database) -> None:
    await _seeded(db)

    await erase(db, forget_member(ADA, None))

    rows = await _stored(db)
    assert _naming(rows, ADA) == []
    assert "ADA-OTHER-SERVER" not in _texts(rows)


async def test_forgetting_a_transcript_speaker_tombstones_their_records_by_name(db: Database) -> None:
    seeded = await _seeded(db)

    assert await erase(db, forget_speaker("dr. NG ", GUILD)) == 1

    rows = await _stored(db)
    claims = {row["id"]: row for table, row in rows if table.name == "claim"}
    spoken = claims[seeded.transcript_claim]
    assert (spoken["text"], spoken["speaker"], spoken["author_id"]) == (REMOVED_TEXT, None, FORGOTTEN_USER)
    assert "NG-SAID" not in _texts(rows) and "Dr. Ng" not in _texts(rows)
    if db.is_sqlite:
        assert b"NG-SAID" not in _on_disk(db)


@pytest.mark.parametrize(("stored", "asked"), [("Éva Müller", "éVA  MÜLLER"), ("Straße", "STRASSE")])
async def test_forgetting_a_speaker_matches_names_beyond_ascii(db: Database, stored: str, asked: str) -> None:
    seeded = await _seeded(db)
    async with db.write() as session:
        session.add(Crux(debate_id=seeded.bens_debate, number=3, question="SPOKEN-CRUX?", speaker=stored))
        claim = table_of(Claim)
        await session.execute(update(claim).where(claim.c.id == seeded.transcript_claim).values(speaker=stored))

    assert await erase(db, forget_speaker(asked, GUILD)) == 2

    texts = _texts(await _stored(db))
    assert "NG-SAID" not in texts and "SPOKEN-CRUX?" not in texts and stored not in texts


async def test_forgetting_the_starter_of_a_debate_whose_sides_bear_each_others_position_names_renames_them(
    db: Database,
) -> None:
    debate = await _started(db, GUILD, ADA, "ADA-TOPIC", 2, sides="Side 2, Side 1")

    await erase(db, forget_member(ADA, GUILD))

    sides = [row for table, row in await _stored(db) if table is table_of(Side) and row["debate_id"] == id_of(debate)]
    assert sorted((side["position"], side["name"]) for side in sides) == [(0, "side 1"), (1, "side 2")]


async def test_deleting_a_debate_deletes_all_derived_from_it_and_nothing_else(db: Database) -> None:
    seeded = await _seeded(db)

    await erase(db, delete_debate(seeded.bens_debate))

    rows = await _stored(db)
    held = _texts(rows)
    for piece in ("BEN-TOPIC", "ADA-CLAIM-NOW", "BEN-REBUTTAL", "ADA-REASON-ONE", "BEN-VECTOR", "ADA-PENDING"):
        assert piece not in held
    assert "ADA-TOPIC" in held and "ADA-OTHER-SERVER" in held
    for table, row in rows:
        assert row.get("debate_id") != seeded.bens_debate, table.name


async def test_deleting_a_servers_data_leaves_other_servers_alone(db: Database) -> None:
    await _seeded(db)

    await erase(db, delete_server(GUILD))

    rows = await _stored(db)
    in_guild = [table.name for table, row in rows if row.get("guild_id") == GUILD or row.get("scope") == str(GUILD)]
    assert in_guild == []
    held = _texts(rows)
    assert "ADA-OTHER-SERVER" in held and "ADA-TOPIC" not in held and "ADA-NAME" not in held


def test_a_large_export_is_compressed_then_split_in_parts_that_join_back() -> None:
    document: dict[str, object] = {
        "schema_version": EXPORT_VERSION,
        "tables": {"claim": [{"text": f"claim {n}"} for n in range(5000)]},
    }
    whole = export_json(document).encode()

    assert export_files(document, len(whole)) == [("mydata.json", whole)]
    [(name, packed)] = export_files(document, len(whole) - 1)
    assert name == "mydata.json.gz" and gzip.decompress(packed) == whole
    parts = export_files(document, len(packed) // 3)
    assert [name for name, _ in parts] == [f"mydata.json.gz.{n:03}" for n in range(1, len(parts) + 1)]
    assert len(parts) == 4 and all(len(data) <= len(packed) // 3 for _, data in parts)
    assert gzip.decompress(b"".join(data for _, data in parts)) == whole


async def test_forgetting_the_creator_of_a_timed_debate_leaves_its_timer_and_deleting_the_debate_ends_it(
    db: Database,
) -> None:
    seeded = await _seeded(db)
    due = utcnow() + timedelta(minutes=5)
    async with db.write() as session:
        for debate in (seeded.adas_debate, seeded.bens_debate):
            await session.run_sync(timers.schedule, GUILD, PHASE_END, str(debate), due)

    await erase(db, forget_member(ADA, GUILD))
    assert sorted(await db.query(_timer_keys)) == sorted([str(seeded.adas_debate), str(seeded.bens_debate)])

    await erase(db, delete_debate(seeded.adas_debate))
    assert await db.query(_timer_keys) == [str(seeded.bens_debate)]


def _timer_keys(session: Session) -> list[str]:
    timer = table_of(Timer)
    return list(session.scalars(select(timer.c.key)))


async def test_sqlite_overwrites_what_is_deleted_and_a_file_written_before_is_vacuumed_once(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("secure_delete and VACUUM are SQLite's; PostgreSQL's VACUUM is the operator's (docs/privacy.md)")
    async with db.engine.connect() as connection:
        assert (await connection.exec_driver_sql("PRAGMA secure_delete")).scalar_one() == 1
        assert (await connection.exec_driver_sql("PRAGMA user_version")).scalar_one() == SECURE_SINCE_VACUUM
        await connection.exec_driver_sql("PRAGMA user_version=0")  # as a file the bot wrote before
        await connection.commit()
    vacuums: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *args: vacuums.append(args[2]))

    await db.upgrade()
    await db.upgrade()

    assert [sql for sql in vacuums if sql == "VACUUM"] == ["VACUUM"]


def _end_as_moderator(session: Session, debate_id: int, user_id: int, outcome: str) -> None:
    debate = session.get_one(Debate, debate_id)
    core.end_debate(session, debate, core.Actor(debate.guild_id, user_id, can_moderate=True), outcome)


async def test_the_moderator_who_ended_anothers_debate_has_its_outcome_exported_and_erased(db: Database) -> None:
    """Ada, a moderator, ends Ben's debate and writes its outcome: it is hers, though the debate is Ben's."""
    seeded = await _seeded(db)
    await db.transact(_end_as_moderator, seeded.bens_debate, ADA, "ADA-ENDED-IT")

    exported = json.loads(export_json(await export(db, ADA, GUILD)))["tables"]["debate"]
    assert {(row["topic"], row["outcome"], row["ended_by_id"]) for row in exported} >= {
        ("BEN-TOPIC", "ADA-ENDED-IT", str(ADA))
    }
    await erase(db, forget_member(ADA, GUILD))

    rows = await _stored(db)
    debates = {row["id"]: row for table, row in rows if table.name == "debate"}
    bens = debates[seeded.bens_debate]
    assert (bens["topic"], bens["creator_id"]) == ("BEN-TOPIC", BEN)
    assert (bens["outcome"], bens["ended_by_id"]) == (REMOVED_TEXT, FORGOTTEN_USER)
    assert "ADA-ENDED-IT" not in _texts(rows)
