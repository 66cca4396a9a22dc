"""Running an erasure plan (``bot.core.privacy.erasure``) and a member's export against the database, for the cogs
and the command line alike."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.privacy.erasure import BATCH, Step, run_steps
from bot.core.privacy.export import export_member
from bot.db import Database
from schema import utcnow


async def erase(db: Database, plan: Sequence[Step], batch: int = BATCH) -> int:
    """Run ``plan`` as write jobs of about ``batch`` rows each, so that live writes are committed between two of them;
    then, on SQLite, checkpoint the write-ahead log so that no erased text stays in it. How many rows were changed
    or deleted (0: there was nothing to erase)."""
    changed, position = 0, 0
    while position < len(plan):
        position, done = await db.transact(run_steps, plan, position, batch)
        changed += done
    await db.checkpoint()
    return changed


async def export(db: Database, user_id: int, guild_id: int | None) -> dict[str, object]:
    """A member's export document (``bot.core.privacy.export``), read in one job."""
    return await db.query(export_member, user_id, guild_id, utcnow())
