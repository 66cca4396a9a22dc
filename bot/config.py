"""Settings, read from the environment and from ``.env``."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from difflib import get_close_matches
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.shards import parse_shard_ids
from schema import SNOWFLAKE_MAX

__all__ = ["Settings", "SettingsError", "load_settings", "unknown_settings", "warn_unknown_settings"]

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
EventLoop = Literal["uvloop", "asyncio"]
"""The event loops the bot can serve on (``EVENT_LOOP``; ``bot.runtime.event_loop``)."""
_DEFAULT_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgres": "postgresql+asyncpg", "postgresql": "postgresql+asyncpg"}


class SettingsError(Exception):
    """A setting is missing or invalid; the message says which and how to fix it, in one line."""


class Settings(BaseSettings):
    """The bot's configuration. Every field is documented in ``.env.example``."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True, extra="ignore")

    discord_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///debates.db"
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    sync_guild_id: int | None = Field(default=None, ge=1, le=SNOWFLAKE_MAX, description="a Discord server id")
    shard_id: int | None = Field(default=None, ge=0)
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = Field(
        default=None, description="several shards in one process, such as 0,1,2 (with SHARD_COUNT)"
    )
    logging_rate: int = Field(default=20, ge=1, description="records one user may log per window")
    logging_window_seconds: float = Field(default=60, gt=0)
    log_level: str = Field(default="INFO", pattern=r"(?i)^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    similar_records: bool = Field(default=True, description="hints and ordering from the semantic extra, if installed")
    model_dir: Path = Field(default=Path("models"), description="where `python -m bot models fetch` puts the model")
    event_loop: EventLoop = Field(default="uvloop", description="asyncio: asyncio's own even where uvloop is installed")
    log_format: Literal["text", "json"] = Field(default="text", description="json: one JSON object a line")
    log_colour: bool | None = Field(default=None, description="colour text lines; unset: only on a terminal")
    heartbeat_seconds: float = Field(default=15, gt=0, description="how often each process records its health")
    server_retention_days: int = Field(
        default=30, ge=0, le=36500, description="days a removed server's data is kept; 0: until an operator acts"
    )
    llm_base_url: str | None = Field(default=None, description="an OpenAI-compatible endpoint; unset: no model help")
    llm_model: str | None = Field(default=None, description="the model's name at that endpoint")
    llm_api_key: SecretStr | None = Field(default=None, description="the endpoint's key, if it asks for one")
    llm_daily_limit: int = Field(default=50, ge=1, description="requests a server may make a day (UTC)")
    llm_timeout_seconds: float = Field(default=30, gt=0, description="how long one answer may take")
    llm_token_budget: int = Field(default=3000, ge=500, description="tokens of debate text sent at most")

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("llm_base_url")
    @classmethod
    def _http_endpoint(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("give the endpoint's http:// or https:// URL, e.g. http://localhost:11434/v1")
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_list(cls, value: object) -> object:
        return parse_shard_ids(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _shards_together(self) -> Settings:
        if self.shard_id is not None and self.shard_ids is not None:
            raise ValueError("set SHARD_ID (one shard) or SHARD_IDS (several), not both")
        given = "SHARD_ID" if self.shard_ids is None else "SHARD_IDS"
        if ((self.shard_id, self.shard_ids) == (None, None)) != (self.shard_count is None):
            raise ValueError(f"set {given} and SHARD_COUNT together (or neither)")
        if self.shard_count is not None and max(self.shards) >= self.shard_count:
            raise ValueError(f"{given} must be below SHARD_COUNT ({self.shard_count})")
        return self

    def llm_enabled(self) -> bool:
        """Whether the operator set an endpoint and a model for language-model help (``LLM_BASE_URL``,
        ``LLM_MODEL``); without both nothing is ever sent anywhere."""
        return bool(self.llm_base_url and self.llm_model)

    def llm_destination(self) -> str | None:
        """Where language-model help sends text, as ``/privacy`` names it: the endpoint's host and port (never a
        password or path in the URL), or ``None`` when it is off."""
        if not self.llm_enabled():
            return None
        url = urlsplit(self.llm_base_url or "")
        return url.hostname + (f":{url.port}" if url.port else "") if url.hostname else "an endpoint without a host"

    @property
    def shards(self) -> tuple[int, ...]:
        """The shards this process serves: ``SHARD_IDS``, or ``SHARD_ID``, or shard 0 of an unsharded bot."""
        return self.shard_ids or (self.shard_id or 0,)

    def sqlite_file(self) -> Path | None:
        """The SQLite database's file, resolved (relative to the working directory); ``None`` on PostgreSQL."""
        url = make_url(self.database_url)
        return Path(url.database or "").expanduser().resolve() if url.get_backend_name() == "sqlite" else None

    def require_token(self) -> str:
        """The token, or a :class:`SettingsError` saying how to set it."""
        token = self.discord_token.get_secret_value().strip() if self.discord_token else ""
        if not token:
            raise SettingsError(
                "DISCORD_TOKEN is not set: put DISCORD_TOKEN=<your bot token> in .env "
                "(see .env.example and the README), or run `python -m bot demo` to try it without one."
            )
        return token


def normalize_database_url(url: str) -> str:
    """``url`` with the async driver this project uses filled in (``postgresql://`` → ``postgresql+asyncpg://``).

    Raises ``ValueError`` for an unparsable URL or an unsupported database.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"cannot parse {url!r} as a database URL") from exc
    driver = _DEFAULT_DRIVERS.get(parsed.drivername, parsed.drivername)
    if driver not in SUPPORTED_DRIVERS:
        raise ValueError(f"{parsed.drivername!r} is not supported; use sqlite+aiosqlite:// or postgresql+asyncpg://")
    if driver == "postgresql+asyncpg" and find_spec("asyncpg") is None:
        raise ValueError("PostgreSQL needs its driver: pip install 'crux-debate-bot[postgres]' (or asyncpg)")
    in_memory = not parsed.database or ":memory:" in parsed.database or parsed.query.get("mode") == "memory"
    if driver.startswith("sqlite") and in_memory:
        raise ValueError("an in-memory SQLite database would be lost at exit: give a file, e.g. sqlite:///debates.db")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into a one-line :class:`SettingsError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(_problem(err["loc"], err["msg"]) for err in exc.errors())
        raise SettingsError(f"invalid setting — {problems}") from None


def _problem(location: tuple[int | str, ...], message: str) -> str:
    text = message.removeprefix("Value error, ")
    return f"{'.'.join(map(str, location)).upper()}: {text}" if location else text


LIKE_OURS = 0.8
"""How close (``difflib``'s ratio) an environment variable's name must be to a setting's to be taken for a
misspelling of it."""
LIKE_OURS_IN_ENV_FILE = 0.6
"""The same for a name in ``.env``, the bot's own file: looser, yet ``POSTGRES_PASSWORD`` (which ``compose.yaml``
reads from there) is no misspelling of any setting."""


def unknown_settings(env_file: Path | None = None, environ: Mapping[str, str] = os.environ) -> list[str]:
    """A line for each name that looks like a misspelt setting, and so would be ignored silently: each name in
    ``env_file`` (default: the ``.env`` the settings read) close to a setting's, and each environment variable that
    starts like a setting (``LOG_``, ``DISCORD_`` …) and is closer still."""
    known = [name.upper() for name in Settings.model_fields]
    path = env_file or Path(str(Settings.model_config.get("env_file")))
    prefixes = tuple({name.split("_")[0] + "_" for name in known})
    in_file = [(name, str(path), LIKE_OURS_IN_ENV_FILE) for name in _names_in(path)]
    in_environ = [(name, "the environment", LIKE_OURS) for name in environ if name.upper().startswith(prefixes)]
    return [
        f"{name} in {where} is not a setting and is ignored; did you mean {close[0]}?"
        for name, where, cutoff in in_file + in_environ
        if name.upper() not in known and (close := get_close_matches(name.upper(), known, 1, cutoff))
    ]


def warn_unknown_settings() -> None:
    """Log :func:`unknown_settings` as warnings, a line each."""
    for line in unknown_settings():
        logging.getLogger(__name__).warning(line)


def _names_in(env_file: Path) -> list[str]:
    return list(dotenv_values(env_file)) if env_file.is_file() else []
