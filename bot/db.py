"""The database: engine, sessions, migrations.

SQLite (the embedded default) gets WAL, ``synchronous=NORMAL``, a busy timeout and foreign keys on every connection,
and one writer at a time: write transactions take an in-process lock and start with ``BEGIN IMMEDIATE`` so that a
read never has to be upgraded to a write (which in WAL mode ignores the busy timeout). PostgreSQL needs neither.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import QueuePool

import migrations

SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000", "foreign_keys=ON")
MIGRATIONS_DIR = Path(migrations.__file__).parent


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for this project's migrations, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


class Database:
    """One engine and its sessions. Use :meth:`read` for queries and :meth:`write` for changes."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine: AsyncEngine = create_async_engine(url, echo=echo)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _set_sqlite_pragmas)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write_lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries; nothing it does is committed."""
        async with self.sessionmaker() as session:
            yield session

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose changes are committed when the block ends without an exception, rolled back otherwise.

        Code that acknowledges a change to a user does so after this block: nothing is acknowledged uncommitted.
        """
        async with self._writer_slot(), self.sessionmaker() as session:
            if self.is_sqlite:
                await session.execute(text("BEGIN IMMEDIATE"))
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @property
    def busy(self) -> bool:
        """Whether a write now would wait: another writer holds SQLite, or every pooled connection is in use."""
        if self.is_sqlite:
            return self._write_lock.locked()
        pool = self.engine.sync_engine.pool
        return isinstance(pool, QueuePool) and pool.checkedout() >= pool.size()

    def _writer_slot(self) -> contextlib.AbstractAsyncContextManager[Any]:
        return self._write_lock if self.is_sqlite else contextlib.nullcontext()

    async def upgrade(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision`` with Alembic."""
        async with self.engine.begin() as connection:
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))

    async def dispose(self) -> None:
        await self.engine.dispose()
