"""The database: engine, sessions, migrations.

SQLite (the embedded default) gets WAL, ``synchronous=NORMAL``, a busy timeout, foreign keys and ``secure_delete``
(what is deleted or overwritten is overwritten with zeros in the file, so that an erased text is not left readable in
free space: :meth:`Database.upgrade` vacuums a file once, when it first finds it written without) on every connection,
and one writer at a time: write transactions take an in-process lock and start with ``BEGIN IMMEDIATE`` so that a
read never has to be upgraded to a write (which in WAL mode ignores the busy timeout). PostgreSQL needs neither.

Hot writes (logging a claim) go through :meth:`Database.transact`: the whole transaction is one synchronous job. On
SQLite it runs on a dedicated writer thread with the standard library's driver, one thread hand-off per job (through
aiosqlite every statement costs several hand-offs, ten times the SQL's own cost: ``docs/benchmarks.md``), and jobs
that arrive while another batch is being written are committed together — group commit, each caller answered only
after the commit. On PostgreSQL jobs are group-committed the same way, a batch at a time on a pooled connection
through :meth:`AsyncSession.run_sync`: each claim as a transaction of its own cost the bot 2.5–4 ms of CPU, in
batches about 1.4 ms, and the claims of a debate no longer wait one by one for its row's lock. Should one job of a
batch raise, the batch is rolled back and the jobs before and after it are written again without it, so a refused
job undoes nothing of the others: cheaper than a savepoint around every job, which would cost a third of the write
path. A job may therefore run more than once: it must change nothing outside its session.

On PostgreSQL, pooled connections can go stale (the server restarted, a proxy dropped them). Rather than pinging the
server at every checkout, a job (:meth:`Database.transact`, :meth:`Database.query`) whose connection turns out to be
gone before it committed runs once more: the failure invalidated the whole pool, so the second run gets a fresh
connection. A batch PostgreSQL aborted to break a deadlock with another process's transaction (a timer, the command
line) runs once more too, as PostgreSQL asks. When the database really cannot serve — down, refusing connections,
its disk full — the error says so: :func:`unavailable` tells those errors apart for the answer users get.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, is_dataclass
from datetime import datetime
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

import migrations
from bot.core.records import Snapshot, field_names

log = logging.getLogger(__name__)
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000", "foreign_keys=ON", "secure_delete=ON")
SECURE_SINCE_VACUUM = 1
"""SQLite's ``user_version`` once the file has been vacuumed with ``secure_delete`` on: nothing deleted before is left
in its free pages."""
CHECKPOINT_PAUSE = 0.05
"""Seconds between two tries of a WAL checkpoint that readers kept from completing."""
CHECKPOINT_TRIES = 6
"""Tries of a WAL checkpoint before leaving it to SQLite's next one (a reader may hold its snapshot for long); each
waits up to the busy timeout (5 s) for the readers, so the erasure waits half a minute at most."""
MIGRATIONS_DIR = Path(migrations.__file__).parent
P = ParamSpec("P")
T = TypeVar("T")


_SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_NOMEM,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
}
"""SQLite's primary result codes that mean "not now" rather than "not this": busy, out of memory, I/O, disk full."""
_POSTGRES_UNAVAILABLE = ("08", "53", "57P")
"""SQLSTATE prefixes of the same: connection exceptions, insufficient resources (disk full, too many connections),
operator intervention (shutting down, starting up)."""


class DatabaseUnavailable(Exception):
    """The database could not be reached at all (the connection was refused, or timed out)."""


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot serve right now — down, unreachable, restarting, its disk full —
    rather than that a request was wrong."""
    if isinstance(error, DatabaseUnavailable | PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    cause = error.orig.__cause__ if error.orig is not None and error.orig.__cause__ is not None else error.orig
    if isinstance(cause, sqlite3.Error):
        return (getattr(cause, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_UNAVAILABLE
    state = getattr(cause, "sqlstate", None) or getattr(error.orig, "sqlstate", None)
    return isinstance(state, str) and state.startswith(_POSTGRES_UNAVAILABLE)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_writer_engine(url: str) -> Engine:
    """A synchronous engine on the same SQLite file, whose transactions begin with ``BEGIN IMMEDIATE``.

    The driver's own transaction handling is switched off (``isolation_level=None``) so that SQLAlchemy's ``begin``
    event can issue the ``BEGIN`` — SQLAlchemy's documented recipe for pysqlite.
    """
    engine = create_engine(make_url(url).set(drivername="sqlite+pysqlite"), connect_args={"isolation_level": None})
    event.listen(engine, "connect", _set_sqlite_pragmas)
    event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for this project's migrations, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@dataclass(slots=True)
class _Job:
    run: Callable[[Session], Any]
    future: asyncio.Future[Any]


@dataclass(frozen=True, slots=True)
class _Outcome:
    value: Any = None
    error: BaseException | None = None


class _RunAgain(Exception):
    """The database failed a job for a reason of its own before it committed (the cause is the ``DBAPIError``): the
    job may run again (see :func:`_database_asks_to_run_again`)."""


_ABORTED_TO_RUN_AGAIN = frozenset({"40P01", "40001"})
"""SQLSTATEs of a PostgreSQL transaction aborted for others' sake, to be run again: deadlock detected (PostgreSQL
aborts one transaction of the cycle), serialization failure."""


def _database_asks_to_run_again(error: DBAPIError) -> bool:
    """Whether ``error`` is the database's doing, not the job's: its connection was gone, or PostgreSQL aborted the
    transaction to break a deadlock (or a serialization conflict) with another one."""
    return error.connection_invalidated or getattr(error.orig, "pgcode", None) in _ABORTED_TO_RUN_AGAIN


async def _connected(session: AsyncSession) -> None:
    """Check a connection out for ``session`` now (no round trip for a pooled one), so that a refused connection
    surfaces as :class:`DatabaseUnavailable` rather than as the driver's bare ``OSError``."""
    try:
        await session.connection()
    except OSError as error:
        raise DatabaseUnavailable(f"cannot connect to the database: {error}") from error


class _JobFailed(Exception):
    """Job ``index`` of a batch raised ``error``."""

    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(index, error)
        self.index, self.error = index, error


class _GroupCommit:
    """Write jobs wait while a batch is written; the jobs waiting when the next batch starts are committed together
    in one transaction (group commit), and each caller is answered after that commit."""

    def __init__(self) -> None:
        self._waiting: list[_Job] = []
        self._batches: set[asyncio.Task[None]] = set()
        self._closed = False

    async def run(self, job: Callable[[Session], T]) -> T:
        if self._closed:
            raise RuntimeError("The database is closed.")
        loop = asyncio.get_running_loop()
        waiting = _Job(job, loop.create_future())
        self._waiting.append(waiting)
        if len(self._waiting) == 1:  # the first to wait starts the next batch
            batch = loop.create_task(self._write_waiting())
            self._batches.add(batch)
            batch.add_done_callback(self._batches.discard)
        return cast(T, await waiting.future)

    async def _write_waiting(self) -> None:
        raise NotImplementedError

    def _take_waiting(self) -> list[_Job]:
        jobs, self._waiting = [job for job in self._waiting if not job.future.cancelled()], []
        return jobs

    def _cancel_waiting(self) -> None:
        """The loop is closing: so is every job waiting for a batch."""
        cancelled, self._waiting = self._waiting, []
        for job in cancelled:
            job.future.cancel()

    @staticmethod
    def _settle(jobs: list[_Job], outcomes: list[_Outcome]) -> None:
        for job, outcome in zip(jobs, outcomes, strict=True):
            if job.future.cancelled():
                continue
            if outcome.error is not None:
                job.future.set_exception(outcome.error)
            else:
                job.future.set_result(outcome.value)


class LiveRowReturned(TypeError):
    """A job returned a row of a table (or a value holding one) instead of a snapshot of it."""


_VALUES = (str, bytes, int, float, datetime, Enum, Snapshot, type(None))
"""Values that hold no row: scalars, and snapshots (copies of rows' columns)."""


def _holds_live_row(value: object, depth: int = 3) -> bool:
    """Whether ``value`` is a mapped row, or holds one in its fields or items down to ``depth`` levels. Lists, sets
    and dicts are homogeneous here: their first item stands for all, so the check costs the same for any size."""
    if isinstance(value, _VALUES):
        return False
    if getattr(type(value), "__mapper__", None) is not None:
        return True
    if depth == 0:
        return False
    if isinstance(value, tuple):
        items: Iterable[object] = value
    elif isinstance(value, list | set | frozenset):
        items = islice(value, 1)
    elif isinstance(value, dict):
        items = islice(value.values(), 1)
    elif is_dataclass(value):
        items = (getattr(value, name) for name in field_names(type(value)))
    else:
        return False
    return any(_holds_live_row(item, depth - 1) for item in items)


def _a_value(job: Callable[..., Any], value: T) -> T:
    """``value``, unless it holds a live row: the jobs of a batch share a session, and a row one job returned could
    be changed by the next before its caller reads it. A job returns values (frozen dataclasses), never rows."""
    if _holds_live_row(value):
        name = getattr(job, "__qualname__", repr(job))
        raise LiveRowReturned(f"{name} returned a row of a table (or a value holding one): return a snapshot")
    return value


def _run_jobs(session: Session, jobs: list[Callable[[Session], Any]]) -> list[Any]:
    """Each job's result, in order; :class:`_JobFailed` names the first job that raised. An error that is the
    database's doing (a connection found gone, a deadlock broken) is raised as it is: the whole batch may run again."""
    results = []
    for index, job in enumerate(jobs):
        try:
            results.append(job(session))
        except Exception as error:
            if isinstance(error, DBAPIError) and _database_asks_to_run_again(error):
                raise
            raise _JobFailed(index, error) from error
    return results


class _SQLiteWriter(_GroupCommit):
    """Batches run on one thread with the standard library's driver."""

    def __init__(self, url: str, lock: asyncio.Lock) -> None:
        super().__init__()
        self._engine = _sqlite_writer_engine(url)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._lock = lock

    async def _write_waiting(self) -> None:
        try:
            await self._lock.acquire()  # released when the thread is done, even if every caller is cancelled meanwhile
        except asyncio.CancelledError:
            self._cancel_waiting()
            raise
        jobs = self._take_waiting()
        loop = asyncio.get_running_loop()
        written = self._thread.submit(self._write, [job.run for job in jobs])
        # The callback is given the future rather than closing over it: a future holding a callback that refers to
        # it would be a reference cycle, keeping every batch's jobs and results for the garbage collector to find.
        written.add_done_callback(lambda done: loop.call_soon_threadsafe(self._answer, jobs, done))

    def _write(self, jobs: list[Callable[[Session], Any]]) -> list[_Outcome]:
        """The jobs' outcomes, in order. When job ``i`` raises, the transaction is rolled back; the jobs before it are
        written again together (``i`` saw exactly their changes, so its refusal stands) and those after it likewise.
        When the transaction itself fails (``BEGIN``, ``COMMIT``), every job fails with it."""
        if not jobs:
            return []
        try:
            return [_Outcome(value) for value in self._transaction(jobs)]
        except _JobFailed as failed:
            before, after = jobs[: failed.index], jobs[failed.index + 1 :]
            return [*self._write(before), _Outcome(error=failed.error), *self._write(after)]
        except Exception as error:
            return [_Outcome(error=error)] * len(jobs)

    def _transaction(self, jobs: list[Callable[[Session], Any]]) -> list[Any]:
        with Session(self._engine, expire_on_commit=False, autoflush=False) as session, session.begin():
            return _run_jobs(session, jobs)

    def _answer(self, jobs: list[_Job], written: Future[list[_Outcome]]) -> None:
        self._lock.release()
        failed = written.exception()
        self._settle(jobs, [_Outcome(error=failed)] * len(jobs) if failed else written.result())

    async def close(self) -> None:
        """Refuse new jobs, let the batches already started finish, then close the connection and the thread."""
        self._closed = True
        await asyncio.gather(*self._batches, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self._thread, self._engine.dispose)
        self._thread.shutdown()


class _PostgresWriter(_GroupCommit):
    """Batches run one at a time on a pooled connection, each a transaction through ``transaction(jobs)``."""

    def __init__(self, transaction: Callable[[list[Callable[[Session], Any]]], Awaitable[list[Any]]]) -> None:
        super().__init__()
        self._transaction = transaction
        self._lock = asyncio.Lock()

    async def _write_waiting(self) -> None:
        try:
            await self._lock.acquire()
        except asyncio.CancelledError:
            self._cancel_waiting()
            raise
        jobs = self._take_waiting()
        try:
            outcomes = await self._write([job.run for job in jobs])
        except asyncio.CancelledError:
            for job in jobs:
                job.future.cancel()
            raise
        finally:
            self._lock.release()
        self._settle(jobs, outcomes)

    async def _write(self, jobs: list[Callable[[Session], Any]]) -> list[_Outcome]:
        """As :meth:`_SQLiteWriter._write`, each transaction through ``transaction``."""
        if not jobs:
            return []
        try:
            return [_Outcome(value) for value in await self._transaction(jobs)]
        except _JobFailed as failed:
            before, after = jobs[: failed.index], jobs[failed.index + 1 :]
            return [*await self._write(before), _Outcome(error=failed.error), *await self._write(after)]
        except Exception as error:
            return [_Outcome(error=error)] * len(jobs)

    async def close(self) -> None:
        """Refuse new jobs and let the batches already started finish."""
        self._closed = True
        await asyncio.gather(*self._batches, return_exceptions=True)


class Database:
    """One engine and its sessions. The bot runs every use case as one job: :meth:`transact` for a change,
    :meth:`query` for a read. :meth:`read` and :meth:`write` lend an async session to tests and tools."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine: AsyncEngine = create_async_engine(url, echo=echo)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _set_sqlite_pragmas)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write_lock = asyncio.Lock()
        self._writer: _SQLiteWriter | _PostgresWriter = (
            _SQLiteWriter(url, self._write_lock) if self.is_sqlite else _PostgresWriter(self._batch_transaction)
        )

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries; nothing it does is committed."""
        async with self.sessionmaker() as session:
            await _connected(session)
            yield session

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose changes are committed when the block ends without an exception, rolled back otherwise.

        Code that acknowledges a change to a user does so after this block: nothing is acknowledged uncommitted.
        """
        async with self._writer_slot(), self.sessionmaker() as session:
            await _connected(session)
            if self.is_sqlite:
                await session.execute(text("BEGIN IMMEDIATE"))
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def transact(self, job: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``job(session, *args, **kwargs)`` in a write transaction, committed before this returns; if the job
        raises, its changes are undone and the exception is raised here. The job is synchronous code on a
        :class:`Session`; it must not touch the event loop, and may run more than once (see the module's documentation),
        so it must change nothing outside its session. It returns values, never rows: the jobs of a batch share a
        session, so a row one job returned could be changed by the next before its caller reads it; a result that is
        or holds a row raises :class:`LiveRowReturned` (and the job's changes are undone).

        The job may be committed together with other jobs (see the module's documentation). On SQLite it runs on the
        writer thread after any :meth:`write` session has ended — so never call it inside one; on PostgreSQL through
        :meth:`AsyncSession.run_sync`, one batch at a time.
        """
        return await self._writer.run(lambda session: _a_value(job, job(session, *args, **kwargs)))

    async def _batch_transaction(self, jobs: list[Callable[[Session], Any]]) -> list[Any]:
        """A batch of jobs in one transaction (PostgreSQL), run once more if the database asks (a pooled connection
        gone stale, a deadlock broken)."""
        return await self._once_more_if_asked(lambda: self._run(_run_jobs, (jobs,), {}, commit=True))

    async def query(self, job: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``job(session, *args, **kwargs)`` in a read session (nothing is committed); like :meth:`transact`, it
        returns values, never rows, and runs once more if the database asks (a pooled connection gone stale, a
        deadlock broken)."""
        return _a_value(job, await self._once_more_if_asked(lambda: self._run(job, args, kwargs, commit=False)))

    async def _run(self, job: Callable[..., T], args: Any, kwargs: Any, *, commit: bool) -> T:
        async with self.sessionmaker() as session:
            transaction = session.begin() if commit else contextlib.nullcontext()
            async with transaction:
                await _connected(session)
                try:
                    return await session.run_sync(job, *args, **kwargs)
                except DBAPIError as error:  # raised before the commit: nothing was written
                    if _database_asks_to_run_again(error):
                        raise _RunAgain from error
                    raise

    async def _once_more_if_asked(self, run: Callable[[], Awaitable[T]]) -> T:
        try:
            return await run()
        except _RunAgain as failed:
            log.warning("The database failed a job for a reason of its own (%s); running it again.", failed.__cause__)
        try:
            return await run()
        except _RunAgain as failed:
            raise cast(BaseException, failed.__cause__) from None

    def _writer_slot(self) -> contextlib.AbstractAsyncContextManager[Any]:
        return self._write_lock if self.is_sqlite else contextlib.nullcontext()

    async def upgrade(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision`` with Alembic; on SQLite, vacuum the file once if it was written
        without ``secure_delete`` (a deleted text could be left in its free pages)."""
        await self._migrate(command.upgrade, revision)
        if self.is_sqlite:
            await self._vacuum_once()

    async def _vacuum_once(self) -> None:
        async with self.engine.connect() as connection:
            version = (await connection.exec_driver_sql("PRAGMA user_version")).scalar_one()
            if version < SECURE_SINCE_VACUUM:
                await connection.commit()  # VACUUM runs outside a transaction
                await connection.exec_driver_sql("VACUUM")
                await connection.exec_driver_sql(f"PRAGMA user_version={SECURE_SINCE_VACUUM}")
                await connection.commit()

    async def checkpoint(self) -> None:
        """On SQLite, copy the write-ahead log into the database file and truncate it to nothing (an erased text's
        earlier pages go with it), tried again ``CHECKPOINT_TRIES`` times while readers keep it from completing; then
        a warning is logged and the log is left to SQLite's next checkpoint (what was erased is committed)."""
        if not self.is_sqlite:
            return
        for attempt in range(CHECKPOINT_TRIES):
            if attempt:
                await asyncio.sleep(CHECKPOINT_PAUSE)
            async with self.engine.connect() as connection:
                busy = (await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()[0]
                await connection.commit()
            if not busy:
                return
        log.warning("readers kept the WAL checkpoint from completing %d times: left to the next", CHECKPOINT_TRIES)

    async def downgrade(self, revision: str) -> None:
        """Take the schema back to ``revision`` with Alembic."""
        await self._migrate(command.downgrade, revision)

    async def _migrate(self, step: Callable[[Config, str], None], revision: str) -> None:
        """Run an Alembic command in one transaction. On SQLite foreign keys are off meanwhile, as SQLite's procedure
        for schema changes asks (batch mode rebuilds a table by dropping it, which would cascade into its children),
        and checked before the commit."""
        async with self.engine.connect() as connection:
            try:
                if self.is_sqlite:  # outside a transaction: inside one the pragma does nothing
                    await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                    await connection.commit()
                async with connection.begin():
                    if self.is_sqlite:  # the driver would not begin before DDL: one transaction for all of it
                        await connection.exec_driver_sql("BEGIN IMMEDIATE")
                    await connection.run_sync(lambda sync: step(alembic_config(sync), revision))
                    if self.is_sqlite and (await connection.exec_driver_sql("PRAGMA foreign_key_check")).first():
                        raise RuntimeError(f"migrating to {revision} would leave rows with broken foreign keys")
            finally:
                if self.is_sqlite:  # not back to the pool with foreign keys off: the next connection gets the pragmas
                    await connection.invalidate()

    async def dispose(self) -> None:
        """Close every connection, the writer thread's on that thread."""
        await self._writer.close()
        await self.engine.dispose()
