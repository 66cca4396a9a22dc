"""Reading the whole database, to show that a refused command changed nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import SQLModel

from bot.db import Database
from schema import Heartbeat, MemberName

RUNTIME_TABLES = {Heartbeat.__tablename__, MemberName.__tablename__}
"""Written by the bot whatever users ask of it — its health on its own schedule, the acting user's display name on
any interaction, refused or not: not part of what a command changes."""


async def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the runtime ones, in primary-key order."""
    rows: dict[str, list[tuple[object, ...]]] = {}
    async with db.read() as session:
        for table in (table for table in SQLModel.metadata.sorted_tables if table.name not in RUNTIME_TABLES):
            statement = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in (await session.execute(statement)).all()]
    return rows
