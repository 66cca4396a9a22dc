"""Agenda digests: an agenda's summary posted to a channel every day or week, skipping a period with nothing new.

A digest is a row per (guild, agenda) and a timer. Firing re-arms the timer for the next period (one firing
however long the bot was down) and posts only if the agenda's debates saw a claim, crux, credence or resolution
since the last post; the first digest always posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_
from sqlalchemy.orm import Session
from sqlmodel import col, select

from bot.core import text as t
from bot.core.debates import timers
from bot.core.debates.lifecycle import Actor, agenda_in_guild
from bot.core.errors import InvalidInput, NotAllowed
from bot.core.records import AgendaSnapshot, TimerSnapshot
from bot.core.sql import upsert
from schema import Agenda, Claim, Credence, Crux, Debate, Digest, DigestEvery, utcnow

DIGEST = "digest"
PERIODS = {DigestEvery.DAILY: timedelta(days=1), DigestEvery.WEEKLY: timedelta(weeks=1)}


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A digest as set: where, how often, and when it next posts."""

    agenda: AgendaSnapshot
    next_at: datetime


@dataclass(frozen=True, slots=True)
class DigestDue:
    """A digest to post now: the agenda's summary, with the debates everyone reading the channel may see (which
    Discord tells: ``summarize_agenda`` with that audience)."""

    channel_id: int
    guild_id: int
    agenda_id: int


def set_digest(
    session: Session, actor: Actor, agenda_id: int, channel_id: int, every: DigestEvery, now: datetime
) -> Scheduled:
    """Post the agenda's summary to ``channel_id`` every day or week from now (moderators only).

    Setting it again moves it to the new channel and period; the next post is one period from now.
    """
    agenda = _agenda_to_schedule(session, actor, agenda_id)
    upsert(
        session,
        Digest,
        {
            "guild_id": actor.guild_id,
            "agenda_id": agenda_id,
            "channel_id": channel_id,
            "every": every,
            "created_by_id": actor.user_id,
            "created_at": utcnow(),
        },
        conflict=("guild_id", "agenda_id"),
        update=("channel_id", "every", "created_by_id"),
    )
    digest = _digest_of(session, actor.guild_id, agenda_id)
    assert digest is not None  # just upserted
    next_at = now + PERIODS[every]
    timers.schedule(session, actor.guild_id, DIGEST, str(digest.id), next_at)
    return Scheduled(agenda=AgendaSnapshot.of(agenda), next_at=next_at)


def stop_digest(session: Session, actor: Actor, agenda_id: int) -> AgendaSnapshot:
    """Stop posting the agenda's digest (moderators only)."""
    agenda = _agenda_to_schedule(session, actor, agenda_id)
    digest = _digest_of(session, actor.guild_id, agenda_id)
    if digest is None:
        raise InvalidInput(f"The agenda “{t.as_typed(agenda.name)}” has no digest to turn off.")
    timers.cancel(session, DIGEST, str(digest.id))
    session.execute(delete(Digest).where(col(Digest.id) == digest.id))
    return AgendaSnapshot.of(agenda)


def _agenda_to_schedule(session: Session, actor: Actor, agenda_id: int) -> Agenda:
    if not actor.can_moderate:
        raise NotAllowed("Only members with Manage Threads can schedule an agenda's digest.")
    return agenda_in_guild(session, actor.guild_id, agenda_id)


def _digest_of(session: Session, guild_id: int, agenda_id: int) -> Digest | None:
    statement = select(Digest).where(Digest.guild_id == guild_id, Digest.agenda_id == agenda_id)
    return session.execute(statement).scalar_one_or_none()


def digest_due(session: Session, timer: TimerSnapshot, now: datetime) -> DigestDue | None:
    """The digest ``timer`` fired for, re-armed for its next period; ``None`` when there is nothing new to post."""
    statement = select(Digest).where(Digest.id == int(timer.key), Digest.guild_id == timer.guild_id)
    digest = session.execute(statement).scalar_one_or_none()
    if digest is None:
        return None
    period = PERIODS[digest.every]
    next_at = timer.due_at + period
    while next_at <= now:
        next_at += period
    timers.schedule(session, digest.guild_id, DIGEST, timer.key, next_at)
    if digest.last_posted_at is not None and not agenda_activity_since(
        session, digest.guild_id, digest.agenda_id, digest.last_posted_at
    ):
        return None
    digest.last_posted_at = utcnow()  # the clock that stamps records, which "anything new" compares against
    session.add(digest)
    session.flush()
    return digest_recalled(session, timer, now)


def digest_recalled(session: Session, timer: TimerSnapshot, now: datetime) -> DigestDue | None:
    """The digest :func:`digest_due` returned when ``timer`` fired, to post it again (the process that fired it
    stopped before posting); ``None`` once the digest is turned off."""
    statement = select(Digest).where(Digest.id == int(timer.key), Digest.guild_id == timer.guild_id)
    digest = session.execute(statement).scalar_one_or_none()
    if digest is None:
        return None
    return DigestDue(channel_id=digest.channel_id, guild_id=digest.guild_id, agenda_id=digest.agenda_id)


def agenda_activity_since(session: Session, guild_id: int, agenda_id: int, since: datetime) -> bool:
    """Whether anything was logged, credited or resolved in the agenda's debates after ``since``."""
    debate_ids = select(Debate.id).where(Debate.guild_id == guild_id, Debate.agenda_id == agenda_id)
    crux_ids = select(Crux.id).where(col(Crux.debate_id).in_(debate_ids))
    happened = [
        select(Claim.id).where(col(Claim.debate_id).in_(debate_ids), col(Claim.created_at) > since),
        select(Crux.id).where(
            col(Crux.debate_id).in_(debate_ids), (col(Crux.created_at) > since) | (col(Crux.resolved_at) > since)
        ),
        select(Credence.id).where(col(Credence.crux_id).in_(crux_ids), col(Credence.created_at) > since),
    ]
    statement = select(or_(*(exists(query) for query in happened)))
    return bool(session.execute(statement).scalar())
