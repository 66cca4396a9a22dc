"""``python -m bot health``: whether the running bot's shards beat recently with their gateway connected.

A container runs it every 30 s, so it loads only what it needs: the standard library, python-dotenv for ``.env``, and
the bare database driver (``sqlite3``, or asyncpg on PostgreSQL) — neither discord.py, SQLAlchemy nor pydantic. It
reads the settings it needs (``DATABASE_URL``, ``SHARD_IDS`` or ``SHARD_ID``, ``HEARTBEAT_SECONDS``) as the bot does:
the environment first, then ``.env``. The verdict is :func:`bot.runtime.liveness.verdict`'s."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from bot.database_problems import MUST_ACT, database_problem, sqlite_path
from bot.runtime.liveness import Beat, Health, overall, verdict
from bot.shards import parse_shard_ids

TIMEOUT = 10.0
"""Seconds to wait for the database before calling the bot unhealthy."""
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///debates.db"
BACKENDS = {
    "sqlite": "sqlite",
    "sqlite+aiosqlite": "sqlite",
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "postgresql+asyncpg": "postgresql",
}
SELECT = "SELECT shard_id, connected, beat_at FROM heartbeat"


class BadSetting(ValueError):
    """A setting the check needs cannot be read; the message names it."""


@dataclass(frozen=True, slots=True)
class DatabaseAddress:
    """The parts of ``DATABASE_URL`` the check uses (what :class:`bot.database_problems.DatabaseUrl` reads)."""

    backend: str
    database: str | None
    host: str | None = None
    port: int | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    dsn: str = ""
    """PostgreSQL: the URL as asyncpg takes it (``postgresql://…``, without ``ssl``, which is passed apart)."""

    def get_backend_name(self) -> str:
        return self.backend


def address_of(url: str) -> DatabaseAddress:
    """Read a database URL as the settings accept it (``sqlite:///debates.db``, ``postgresql+asyncpg://…``)."""
    scheme, _, rest = url.partition("://")
    backend = BACKENDS.get(scheme)
    if backend is None or not rest:
        raise BadSetting(f"DATABASE_URL: {url!r} is not supported; use sqlite+aiosqlite:// or postgresql+asyncpg://")
    parts = urlsplit(f"x://{rest}")
    query = dict(parse_qsl(parts.query))
    if backend == "sqlite":
        return DatabaseAddress(backend, unquote(parts.path[1:]), query=query)
    dsn_query = "&".join(f"{key}={value}" for key, value in query.items() if key != "ssl")
    dsn = f"postgresql://{parts.netloc}{parts.path}" + (f"?{dsn_query}" if dsn_query else "")
    return DatabaseAddress(backend, unquote(parts.path[1:]), parts.hostname, parts.port, query, dsn)


def setting(name: str, env_file: Mapping[str, str | None]) -> str | None:
    """A setting as the bot reads it: a non-empty environment variable, else ``.env``'s value."""
    return os.environ.get(name) or env_file.get(name) or None


def shards_checked(env_file: Mapping[str, str | None]) -> tuple[int, ...]:
    """The shards this process's settings serve: ``SHARD_IDS``, else ``SHARD_ID``, else shard 0."""
    try:
        if ids := setting("SHARD_IDS", env_file):
            return parse_shard_ids(ids)
        return (int(setting("SHARD_ID", env_file) or 0),)
    except ValueError as error:
        raise BadSetting(f"SHARD_IDS or SHARD_ID: {error}") from None


def read_beats(address: DatabaseAddress, shards: Sequence[int]) -> dict[int, Beat]:
    """The stored heartbeats of ``shards``, by shard."""
    rows = _sqlite_rows(sqlite_path(address)) if address.backend == "sqlite" else _postgres_rows(address)
    return {shard: Beat(bool(connected), _moment(at)) for shard, connected, at in rows if shard in shards}


def _sqlite_rows(path: Path) -> list[tuple[int, object, object]]:
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=TIMEOUT)
    try:
        return connection.execute(SELECT).fetchall()
    finally:
        connection.close()


def _postgres_rows(address: DatabaseAddress) -> list[tuple[int, object, object]]:
    import asyncio  # PostgreSQL only: SQLite's check loads neither asyncio nor asyncpg

    import asyncpg

    async def fetch() -> list[tuple[int, object, object]]:
        ssl = address.query.get("ssl")
        connection = await asyncpg.connect(address.dsn, timeout=TIMEOUT, **({"ssl": ssl} if ssl else {}))
        try:
            return [(row[0], row[1], row[2]) for row in await connection.fetch(SELECT, timeout=TIMEOUT)]
        finally:
            await connection.close()

    return asyncio.run(fetch())


def _moment(stored: object) -> datetime:
    """A stored timestamp: asyncpg's aware datetime, or SQLite's text (UTC, without its zone)."""
    return stored if isinstance(stored, datetime) else datetime.fromisoformat(str(stored))


def check(address: DatabaseAddress, shards: Sequence[int], period: float) -> Health:
    """The verdict on the process serving ``shards``, whose heartbeat period is ``period`` seconds."""
    if address.backend == "sqlite" and not sqlite_path(address).is_file():  # opening it would create it
        return Health(False, f"no database at {sqlite_path(address)}")
    try:
        beats = read_beats(address, shards)
    except Exception as error:
        problem = database_problem(address, error) or str(error).splitlines()[0]
        return Health(False, f"the database does not answer: {problem}")
    now = datetime.now(UTC)
    return overall(verdict(shard, beats.get(shard), period, now) for shard in shards)


def heartbeat_period(env_file: Mapping[str, str | None]) -> float:
    """``HEARTBEAT_SECONDS`` (default 15), a positive number."""
    text = setting("HEARTBEAT_SECONDS", env_file) or "15"
    try:
        period = float(text)
    except ValueError:
        period = 0.0
    if not period > 0:
        raise BadSetting(f"HEARTBEAT_SECONDS: {text!r} is not a positive number of seconds")
    return period


def main() -> int:
    """Print whether the bot process configured here is healthy, in one line; 0 if it is, 1 if not, 2 for a setting
    that cannot be read."""
    from dotenv import dotenv_values

    env_file = dotenv_values(".env") if Path(".env").is_file() else {}
    try:
        address = address_of(setting("DATABASE_URL", env_file) or DEFAULT_DATABASE_URL)
        health = check(address, shards_checked(env_file), heartbeat_period(env_file))
    except BadSetting as error:
        print(f"error: invalid setting — {error}", file=sys.stderr)
        return MUST_ACT
    word = "healthy" if health.healthy else "unhealthy"
    print(f"{word}: {health.message}", file=sys.stdout if health.healthy else sys.stderr)
    return 0 if health.healthy else 1
