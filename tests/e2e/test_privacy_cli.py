"""``python -m bot privacy export|forget``, run as the operator runs them: a subprocess on the configured database."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from bot.core.claims import arguments as claims
from bot.core.debates import lifecycle as debates
from bot.db import Database
from schema import Claim, DebateNumber, id_of, table_of
from schema.types import FORGOTTEN_USER, REMOVED_TEXT
from tests.e2e.test_command_line import _database_with_a_debate
from tests.e2e.test_process import _environment, bot_command

GUILD, ADA, BEN = 1, 200_000_000_000_000_001, 200_000_000_000_000_002
MUST_ACT = 2


async def _debate_with_claims(url: str) -> None:
    """Debate #1 in ``GUILD`` (started by user 2), with a claim of Ada's, one of Ben's, and one of a transcript's
    speaker."""
    await _database_with_a_debate(url)
    db = Database(url)
    try:
        async with db.write() as session:
            debate = await session.run_sync(debates.debate_numbered, DebateNumber(1), GUILD)
            for user in (ADA, BEN):
                await session.run_sync(debates.join, debate, user, "for")
                await session.run_sync(claims.add_claim, debate, debates.Actor(GUILD, user), f"said by {user}")
            session.add(Claim(debate_id=id_of(debate), number=3, speaker="Dr. Ng", logged_by_id=BEN, text="Ng's words"))
    finally:
        await db.dispose()


async def _claims(url: str) -> list[tuple[int | None, str | None, str]]:
    db = Database(url)
    try:
        async with db.read() as session:
            claim = table_of(Claim)
            found = await session.execute(
                select(claim.c.author_id, claim.c.speaker, claim.c.text).order_by(claim.c.number)
            )
            return [(author, speaker, text) for author, speaker, text in found]
    finally:
        await db.dispose()


async def _bot(tmp_path: Path, url: str, *argv: str) -> tuple[int | None, str, str]:
    """``python -m bot *argv`` on the database at ``url``: its exit status, standard output and standard error."""
    return await bot_command(tmp_path, list(argv), _environment(tmp_path, DATABASE_URL=url, LOG_LEVEL="WARNING"))


async def test_an_operator_exports_and_forgets_a_user(database_url: str, tmp_path: Path) -> None:
    await _debate_with_claims(database_url)

    status, out, err = await _bot(tmp_path, database_url, "privacy", "export", "--user", str(ADA), "--guild", "1")
    assert (status, err) == (0, "")
    document = json.loads(out)
    assert [row["text"] for row in document["tables"]["claim"]] == [f"said by {ADA}"]
    assert [row["user_id"] for row in document["tables"]["participant"]] == [str(ADA)]

    status, out, err = await _bot(tmp_path, database_url, "privacy", "forget", "--user", str(ADA))
    assert (status, err) == (0, "")
    assert out.startswith(f"forgot user {ADA} in every server: ")
    assert await _claims(database_url) == [
        (FORGOTTEN_USER, None, REMOVED_TEXT),
        (BEN, None, f"said by {BEN}"),
        (None, "Dr. Ng", "Ng's words"),
    ]

    status, out, err = await _bot(tmp_path, database_url, "privacy", "forget", "--user", str(ADA))
    assert (status, out, err) == (0, f"nothing stored about user {ADA} in every server: nothing to forget\n", "")


async def test_an_operator_forgets_a_transcript_speaker_by_name_in_a_server(database_url: str, tmp_path: Path) -> None:
    await _debate_with_claims(database_url)

    status, out, err = await _bot(tmp_path, database_url, "privacy", "forget", "--speaker", "dr.  ng")
    assert (status, out) == (MUST_ACT, "")
    refusal = "error: privacy forget --speaker needs a name of 1 to 100 characters and --guild ID"
    assert err == f"{refusal} (see python -m bot --help)\n"

    status, out, err = await _bot(tmp_path, database_url, "privacy", "forget", "--speaker", "dr.  ng", "--guild", "1")
    assert (status, err) == (0, "")
    assert out.startswith("forgot speaker “dr. ng” in server 1: ")
    assert (await _claims(database_url))[2] == (FORGOTTEN_USER, None, REMOVED_TEXT)
