"""Which shards a process serves: ``SHARD_IDS`` (several in one process) or ``SHARD_ID`` (one), of ``SHARD_COUNT``.
Standard library only: read by the settings and by the light ``python -m bot health``."""

from __future__ import annotations


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """``"0,1, 2"`` → ``(0, 1, 2)``: whole numbers separated by commas, each once, sorted; ``ValueError`` says why
    not."""
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise ValueError(f"{text!r} is not a list of shard numbers separated by commas, such as 0,1,2")
    ids = sorted(int(part) for part in parts)
    if len(set(ids)) != len(ids):
        raise ValueError(f"{text!r} names a shard twice")
    return tuple(ids)


def shard_of(guild_id: int, count: int) -> int:
    """The shard Discord sends a server's events to: ``(guild_id >> 22) % count``."""
    return (guild_id >> 22) % count
