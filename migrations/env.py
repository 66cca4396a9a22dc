"""Alembic environment: runs on the connection the bot hands over, or opens one from DATABASE_URL.

Every bot process migrates at start, and shards start together: on PostgreSQL the migration's transaction first takes
an advisory lock, so that one process migrates while the others wait, then find the schema at the latest revision.
(On SQLite the bot migrates inside ``BEGIN IMMEDIATE``, which serialises writers already.)
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import schema  # noqa: F401  (registers every table on the metadata)

target_metadata = SQLModel.metadata
MIGRATION_LOCK = 0x6372_7578_6D69_6772
"""The key of the PostgreSQL advisory lock migrations hold ("cruxmigr" in ASCII): any 64-bit number no other
advisory lock on the database uses."""


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":  # held until the transaction ends, before Alembic reads its version
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


async def _run_from_settings() -> None:
    from bot.config import load_settings

    engine = create_async_engine(load_settings().database_url)
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `python -m bot db upgrade`")

given = context.config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    asyncio.run(_run_from_settings())
