"""The verdict on a shard's heartbeat, apart from how it is read: ``bot.runtime.health`` writes the heartbeat with
the bot's database layer, and ``bot.cli.health`` reads it with the bare driver (so that the check every 30 s loads
neither discord.py nor SQLAlchemy). Imports nothing beyond the standard library."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

STALE_BEATS = 3
"""A heartbeat older than this many periods is stale: the process is stopped, stuck, or cannot write."""


@dataclass(frozen=True, slots=True)
class Health:
    """The verdict on one process, with the one line that explains it."""

    healthy: bool
    message: str


@dataclass(frozen=True, slots=True)
class Beat:
    """A shard's latest heartbeat as stored: whether its gateway was connected, and when."""

    connected: bool
    at: datetime


def verdict(shard: int, beat: Beat | None, period: float, now: datetime) -> Health:
    """Whether the process serving ``shard`` has its gateway connected and beat within ``STALE_BEATS`` periods."""
    if beat is None:
        return Health(False, f"shard {shard}: no heartbeat yet (is the bot running on this DATABASE_URL?)")
    at = beat.at if beat.at.tzinfo is not None else beat.at.replace(tzinfo=UTC)  # SQLite forgets the zone
    age = (now - at).total_seconds()
    if age > STALE_BEATS * period:
        reason = "the bot is stopped, stuck, or cannot write to its database"
        return Health(False, f"shard {shard}: no heartbeat for {age:.0f} s ({reason})")
    if not beat.connected:
        return Health(False, f"shard {shard}: the gateway is disconnected (heartbeat {age:.0f} s ago)")
    return Health(True, f"shard {shard}: gateway connected, database answering (heartbeat {age:.1f} s ago)")


def overall(verdicts: Iterable[Health]) -> Health:
    """One process serving several shards is healthy when every shard is: the unhealthy ones' lines, else all."""
    every = list(verdicts)
    sick = [health.message for health in every if not health.healthy]
    return Health(not sick, "; ".join(sick or [health.message for health in every]))
