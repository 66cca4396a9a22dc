"""Issue 25: an operator's transcript import never costs a live user a claim (SQLite has one writer at a time)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

import bot.db
from bot.client import DebateBot
from bot.runtime.ratelimit import Cooldown
from schema import Claim, Crux
from tests.e2e.conftest import World, start_debate

ROWS = 3_000
"""Enough rows to hold SQLite's write lock well past the shortened busy timeout below when recorded in one
transaction (about 2 s on the project's 2-core machine)."""
BUSY_TIMEOUT_MS = 1_000


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot waits 1 s for SQLite's write lock instead of 5 s, so that a 3,000-row import shows what a 10,000-row
    one does with the real timeout."""
    pragmas = tuple(
        f"busy_timeout={BUSY_TIMEOUT_MS}" if p.startswith("busy_timeout") else p for p in bot.db.SQLITE_PRAGMAS
    )
    monkeypatch.setattr(bot.db, "SQLITE_PRAGMAS", pragmas)


def _transcript(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(ROWS):
            row: dict[str, object] = {"id": n, "author": f"Speaker {n % 7}", "text": f"Point {n}: audits compound."}
            if n % 4 == 3:
                row["reply_to"] = n - 3
            out.write(json.dumps(row) + "\n")


async def test_live_claims_are_stored_and_answered_while_a_transcript_is_imported(
    world: World, bot: DebateBot, database_url: str, tmp_path: Path
) -> None:
    sim, alice = world.sim, world.alice
    bot.logging_cooldown = Cooldown(rate=10_000, per=60)
    thread = await start_debate(world)
    await sim.invoke(alice, thread, "debate join", side="for")
    path = tmp_path / "transcript.jsonl"
    _transcript(path)
    environment = {**os.environ, "DATABASE_URL": database_url}
    environment.pop("DISCORD_TOKEN", None)
    importing = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "bot", "import", "--debate", "1", "--guild", str(world.guild.id), "--yes", str(path)],
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    finished = asyncio.ensure_future(importing.communicate())
    sent: list[str] = []
    answers: list[str] = []
    async with asyncio.timeout(180):
        while not finished.done():
            sent.append(f"Live claim {len(sent)} while the transcript is imported")
            answers.append((await sim.invoke(alice, thread, "claim", text=sent[-1])).text)
        out, err = await finished
    assert importing.returncode == 0, err.decode()
    assert out.decode().splitlines()[-1].startswith(f"Recorded {ROWS} items in debate #1: Claims #")
    assert len(sent) >= 3  # the import took several claims' time
    assert [answer for answer in answers if "Claim #" not in answer] == []
    async with bot.db.read() as session:
        live = list((await session.execute(select(col(Claim.text)).where(col(Claim.author_id) == alice.id))).scalars())
        imported = (
            await session.execute(select(func.count()).select_from(Claim).where(col(Claim.speaker).is_not(None)))
        ).scalar_one()
        cruxes = (await session.execute(select(func.count()).select_from(Crux))).scalar_one()
    assert sorted(live) == sorted(sent)
    assert (imported, cruxes) == (ROWS, 0)
