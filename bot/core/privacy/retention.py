"""How long data is kept. Chat text kept for a while: an import draft (``/debate import``) and a message waiting for
its logger to pick the claim it rebuts (Log as rebuttal) hold other people's messages for a day at most.
:func:`purge_expired` deletes what is past its day; the scheduler runs it at every wake.

A server the bot was removed from: its data is deleted after the operator's retention period (``SERVER_RETENTION_DAYS``,
0 keeps it). :func:`server_removed` schedules the deletion (a ``server_removed`` timer keyed by the server's id) when
Discord says the bot left a server (GUILD_DELETE without ``unavailable``) or READY no longer lists a server of this
process's shard that has data; :func:`server_present` cancels it when the bot is back; :func:`server_deletion_due`
is the timer's job. An unavailable server (an outage) is never taken for a removed one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, delete, select, union
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.core.debates import timers
from bot.core.records import TimerSnapshot
from schema import Debate, GuildState, ImportDraft, MemberName, PendingRebuttal, Timer, table_of

SERVER_REMOVED = "server_removed"
"""The timer deleting a removed server's data, keyed by the server's id."""
RETRY_AFTER = timedelta(hours=1)
"""When a deletion stopped half-way (the process stopped) is taken up again."""


def purge_expired(session: Session, now: datetime) -> int:
    """Delete the import drafts and pending rebuttal picks past their day; how many."""
    deleted = 0
    for model in (ImportDraft, PendingRebuttal):
        result = session.execute(delete(model).where(col(model.expires_at) <= now))
        deleted += result.rowcount if isinstance(result, CursorResult) else 0
    return deleted


def server_removed(session: Session, guild_id: int, now: datetime, days: int) -> datetime | None:
    """Schedule the deletion of a removed server's data ``days`` from ``now`` (never with 0 days), unless one is
    scheduled already (a second removal does not put it off); when it is due, or ``None``."""
    if days <= 0:
        return None
    timer = table_of(Timer)
    found: datetime | None = session.execute(
        select(timer.c.due_at).where(timer.c.event == SERVER_REMOVED, timer.c.key == str(guild_id))
    ).scalar_one_or_none()
    if found is not None:
        return found
    due = now + timedelta(days=days)
    timers.schedule(session, guild_id, SERVER_REMOVED, str(guild_id), due)
    return due


def server_present(session: Session, guild_id: int) -> None:
    """The bot is in the server (again): its data stays."""
    timers.cancel(session, SERVER_REMOVED, str(guild_id))


def servers_missing(
    session: Session, listed: Iterable[int], shard: timers.Shard | None, now: datetime, days: int
) -> list[int]:
    """At READY: the servers of ``shard`` (every server without one) holding data but absent from READY's own
    guild list ``listed`` get their deletion scheduled, those listed have theirs cancelled; the ids scheduled. The
    statements are a handful however many servers READY lists: the deletions scheduled are read once, the few."""
    present = set(listed)
    timer = table_of(Timer)
    scheduled = {int(key) for key in session.scalars(select(timer.c.key).where(timer.c.event == SERVER_REMOVED))}
    if back := scheduled & present:
        keys = [str(guild_id) for guild_id in back]
        session.execute(delete(timer).where(timer.c.event == SERVER_REMOVED, timer.c.key.in_(keys)))
    known = union(
        select(table_of(GuildState).c.guild_id),
        select(table_of(Debate).c.guild_id),
        select(table_of(MemberName).c.guild_id),
    ).subquery()
    missing = [
        guild_id
        for guild_id in session.scalars(select(known.c.guild_id))
        if guild_id not in present and (shard is None or shard.serves(guild_id))
    ]
    if days <= 0:
        return []
    for guild_id in missing:
        if guild_id not in scheduled:  # a second removal does not put it off
            timers.schedule(session, guild_id, SERVER_REMOVED, str(guild_id), now + timedelta(days=days))
    return missing


def server_deletion_due(session: Session, timer: TimerSnapshot, now: datetime) -> int:
    """The ``server_removed`` timer's job, in the transaction claiming it: armed again for :data:`RETRY_AFTER` (so a
    deletion the process could not finish is taken up again; deleting the server's data deletes this timer too);
    the server whose data is now to be deleted."""
    timers.schedule(session, timer.guild_id, SERVER_REMOVED, timer.key, now + RETRY_AFTER)
    return timer.guild_id


def server_deletion_recalled(session: Session, timer: TimerSnapshot, now: datetime) -> int:
    """A deletion owed by a process that stopped before finishing it: the server whose data is still to be deleted
    (deleting is idempotent)."""
    return timer.guild_id
