"""Why the bot could not start, in one line naming what to fix, and the exit status that tells a supervisor whether
retrying can help: 2 when the operator must act (settings, the token, a database path that cannot work), 1 when it
may pass (Discord or PostgreSQL unreachable), so that ``Restart=on-failure`` with ``RestartPreventExitStatus=2``
retries only what a retry can fix."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import asyncpg
import discord
import yarl
from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

MUST_ACT = 2
MAY_PASS = 1


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


def _first(error: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]) -> BaseException | None:
    return next((cause for cause in _causes(error) if isinstance(cause, kind)), None)


def _reason(error: BaseException) -> str:
    """A short reason for a failed connection: "Connection refused", "Name or service not known"…"""
    if isinstance(error, ConnectionError) and error.errno:
        return os.strerror(error.errno)
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def database_problem(url: URL, error: BaseException) -> StartupError | None:
    """The one-line explanation of ``error``, raised while opening or migrating the database at ``url``; ``None``
    when it is not a problem of reaching or opening the database (a bug, say: let its traceback show)."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_problem(url, error)
    return _postgres_problem(url, error)


def _sqlite_problem(url: URL, error: BaseException) -> StartupError | None:
    cause = _first(error, sqlite3.DatabaseError)
    if cause is None:
        return None
    path = sqlite_path(url)
    return StartupError(
        f"cannot use the SQLite database {path}: {_sqlite_diagnosis(path) or cause} "
        "(the bot's user must be able to write the file and its folder; or set DATABASE_URL)",
        MUST_ACT,
    )


def sqlite_path(url: URL) -> Path:
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


def _postgres_problem(url: URL, error: BaseException) -> StartupError | None:
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    refused = _first(error, (asyncpg.InvalidAuthorizationSpecificationError, asyncpg.InvalidCatalogNameError))
    if refused is not None:
        return StartupError(f"PostgreSQL at {where} refused the connection: {refused} (fix DATABASE_URL)", MUST_ACT)
    starting = _first(error, asyncpg.CannotConnectNowError)
    unreachable = starting or _first(error, (OSError, TimeoutError))
    if unreachable is None:
        return None
    reason = _reason(unreachable)
    return StartupError(
        f"cannot reach PostgreSQL at {where} ({reason}): start it, or fix the host and port in DATABASE_URL", MAY_PASS
    )


def discord_problem(api_base: str, error: BaseException) -> StartupError | None:
    """The one-line explanation of ``error``, raised while logging in to or connecting to Discord at ``api_base``;
    ``None`` when it is something else."""
    if isinstance(error, discord.LoginFailure):
        return StartupError(
            "Discord refused DISCORD_TOKEN: copy the bot token again (developer portal → Bot → Reset Token) into .env",
            MUST_ACT,
        )
    address = yarl.URL(api_base)
    where = f"{address.host}:{address.port}"
    if isinstance(error, discord.DiscordServerError):
        return StartupError(f"Discord at {where} answered {error.status}: try again later", MAY_PASS)
    unreachable = _first(error, (aiohttp.ClientConnectionError, OSError, TimeoutError))
    if unreachable is None:
        return None
    reason = _reason(getattr(unreachable, "os_error", None) or unreachable)
    elsewhere = "" if address.host == "discord.com" else " (or DISCORD_API_BASE)"
    return StartupError(
        f"cannot reach Discord at {where} ({reason}): check the network, DNS and firewall{elsewhere}", MAY_PASS
    )


@contextlib.contextmanager
def explained(problem: Callable[[BaseException], StartupError | None]) -> Iterator[None]:
    """Turn an exception that ``problem`` explains into that :class:`StartupError` (its traceback logged at DEBUG);
    let any other through."""
    try:
        yield
    except Exception as error:
        startup = problem(error)
        if startup is None:
            raise
        log.debug("%s", startup, exc_info=error)
        raise startup from error
