"""Why the database could not be opened, in one line naming what to fix, with the exit status :mod:`bot.startup`
describes. Loads only the standard library and the PostgreSQL driver, so that ``python -m bot health``
(``bot.cli.health``) explains a database out of reach as the bot does, without SQLAlchemy or discord.py."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

MUST_ACT = 2
"""Exit status: the operator must act (a setting, the token, a database path that cannot work)."""
MAY_PASS = 1
"""Exit status: waiting may fix it (Discord or PostgreSQL out of reach)."""


class DatabaseUrl(Protocol):
    """What is read of a database URL here: SQLAlchemy's ``URL``, or ``bot.cli.health``'s minimal reading of one."""

    @property
    def database(self) -> str | None: ...
    @property
    def host(self) -> str | None: ...
    @property
    def port(self) -> int | None: ...
    @property
    def query(self) -> Mapping[str, object]: ...
    def get_backend_name(self) -> str: ...


class StartupError(Exception):
    """The bot cannot start; ``str(error)`` says what to fix, in one line, and ``status`` is the exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error``, then what it wraps: SQLAlchemy's ``orig`` and Python's ``__cause__``/``__context__`` chain."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__


def first_cause(
    error: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]
) -> BaseException | None:
    """The first of ``error`` and what it wraps that is a ``kind``."""
    return next((cause for cause in _causes(error) if isinstance(cause, kind)), None)


def reason_of(error: BaseException) -> str:
    """A short reason for a failed connection: "Connection refused", "Name or service not known"…"""
    if isinstance(error, ConnectionError) and error.errno:
        return os.strerror(error.errno)
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def database_problem(url: DatabaseUrl, error: BaseException) -> StartupError | None:
    """The one-line explanation of ``error``, raised while opening or migrating the database at ``url``; ``None``
    when it is not a problem of reaching or opening the database (a bug, say: let its traceback show)."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_problem(url, error)
    return _postgres_problem(url, error)


def _sqlite_problem(url: DatabaseUrl, error: BaseException) -> StartupError | None:
    cause = first_cause(error, sqlite3.DatabaseError)
    if cause is None:
        return None
    path = sqlite_path(url)
    return StartupError(
        f"cannot use the SQLite database {path}: {_sqlite_diagnosis(path) or cause} "
        "(the bot's user must be able to write the file and its folder; or set DATABASE_URL)",
        MUST_ACT,
    )


def sqlite_path(url: DatabaseUrl) -> Path:
    """The file of an SQLite URL (``sqlite:///debates.db``, or in URI form ``sqlite:///file:debates.db?uri=true``)."""
    database = url.database or ""
    if url.query.get("uri") == "true":
        database = database.removeprefix("file:")
    return Path(database).absolute()


def _sqlite_diagnosis(path: Path) -> str | None:
    """What is wrong with ``path`` as a database file, when it can be seen from outside SQLite."""
    folder = path.parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    if path.is_dir():
        return "it is a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is not writable"
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return "the file is read-only"
    return None


def _postgres_problem(url: DatabaseUrl, error: BaseException) -> StartupError | None:
    import asyncpg  # not loaded for SQLite (the health check)

    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    refused = first_cause(error, (asyncpg.InvalidAuthorizationSpecificationError, asyncpg.InvalidCatalogNameError))
    if refused is not None:
        return StartupError(f"PostgreSQL at {where} refused the connection: {refused} (fix DATABASE_URL)", MUST_ACT)
    starting = first_cause(error, asyncpg.CannotConnectNowError)
    unreachable = starting or first_cause(error, (OSError, TimeoutError))
    if unreachable is None:
        return None
    reason = reason_of(unreachable)
    return StartupError(
        f"cannot reach PostgreSQL at {where} ({reason}): start it, or fix the host and port in DATABASE_URL", MAY_PASS
    )
