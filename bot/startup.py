"""Why the bot could not start, in one line naming what to fix, and the exit status that tells a supervisor whether
retrying can help: 2 when the operator must act (settings, the token, a database path that cannot work), 1 when it
may pass (Discord or PostgreSQL unreachable), so that ``Restart=on-failure`` with ``RestartPreventExitStatus=2``
retries only what a retry can fix."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

import aiohttp
import discord
import yarl

from bot.database_problems import (
    MAY_PASS,
    MUST_ACT,
    StartupError,
    database_problem,
    first_cause,
    reason_of,
    sqlite_path,
)

__all__ = ["MAY_PASS", "MUST_ACT", "StartupError", "database_problem", "discord_problem", "explained", "sqlite_path"]

log = logging.getLogger(__name__)


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
    unreachable = first_cause(error, (aiohttp.ClientConnectionError, OSError, TimeoutError))
    if unreachable is None:
        return None
    reason = reason_of(getattr(unreachable, "os_error", None) or unreachable)
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
