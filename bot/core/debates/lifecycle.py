"""Debates: starting one, finding the debate of a thread, sides and joining them, moderation, status, ending.

Every function takes a session first and leaves committing to the database layer, which runs each use case as one
job (``Database.transact`` for changes, ``Database.query`` for reads). Every lookup is scoped to the guild, or to
the debate and so to its guild: an id from another debate or guild is simply not found.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any, Generic, TypeVar, cast, overload

from sqlalchemy import bindparam, delete, func, update
from sqlalchemy.orm import Session
from sqlmodel import col, select

from bot.core import text as t
from bot.core.errors import InvalidInput, NotAllowed, NotFound, WrongPlace
from bot.core.records import AgendaSnapshot, AnyDebate, DebateSnapshot, SideSnapshot
from bot.core.sql import upsert
from bot.core.visibility import Audience
from schema import (
    Agenda,
    Claim,
    ClaimId,
    ClaimNumber,
    Crux,
    CruxId,
    CruxNumber,
    Debate,
    DebateFormat,
    DebateId,
    DebateNumber,
    DebateStatus,
    GuildState,
    Participant,
    Side,
    SideId,
    id_of,
    utcnow,
)

SERVERS_ONLY = "Debates live in servers: use this bot's commands in a server's debate thread, not in a DM."
DEFAULT_SIDES = ("for", "against")
MIN_SIDES, MAX_SIDES = 2, 6
SIDES_MAX = MAX_SIDES * t.SIDE_MAX + (MAX_SIDES - 1) * len(", ")
"""The longest list of sides Discord lets /debate start send: the most sides, each of the longest name, with commas."""
THREAD_NAME_MAX = 100
DEBATES_PER_PAGE = 10
MINUTES_MAX = 24 * 60
KEY_MAX = 2**31 - 1
"""The largest record number or id the database holds (32-bit integer columns): nothing beyond it exists."""
T = TypeVar("T")
Numbered = TypeVar("Numbered", Claim, Crux)
Scoped = TypeVar("Scoped", Claim, Crux, Side)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, where: the guild, the user, and whether they hold Manage Threads there."""

    guild_id: int
    user_id: int
    can_moderate: bool = False


@dataclass(frozen=True, slots=True)
class NewDebate:
    """A validated request to start a debate, checked before any thread is created for it."""

    topic: str
    agenda: str | None
    sides: tuple[str, ...]
    format: DebateFormat = DebateFormat.OPEN
    minutes: int | None = None

    @property
    def thread_name(self) -> str:
        """The debate thread's name: the topic, shortened to Discord's limit."""
        return t.one_line(self.topic, THREAD_NAME_MAX)


@dataclass(frozen=True, slots=True)
class Joined:
    side: SideSnapshot
    previous: SideSnapshot | None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    pages: int
    total: int


def plan_debate(
    topic: str,
    agenda: str | None = None,
    sides: str | None = None,
    format: DebateFormat = DebateFormat.OPEN,
    minutes: int | None = None,
) -> NewDebate:
    """Validate the options of ``/debate start``; ``sides`` is comma-separated (default "for, against"),
    ``minutes`` the length of each phase of a phased format."""
    side_names = _parse_sides(sides)
    if minutes is not None and format is DebateFormat.OPEN:
        raise InvalidInput("An open debate has no phases to time: choose format rounds or double-crux to use minutes.")
    if minutes is not None and not 1 <= minutes <= MINUTES_MAX:
        raise InvalidInput(f"Minutes per phase must be from 1 to {MINUTES_MAX:,} (got {minutes}).")
    return NewDebate(
        topic=t.clean_text(topic, "The topic", t.TOPIC_MAX, multiline=False),
        agenda=t.optional_text(agenda, "The agenda name", t.AGENDA_MAX, multiline=False),
        sides=side_names,
        format=format,
        minutes=minutes,
    )


def _parse_sides(sides: str | None) -> tuple[str, ...]:
    if sides is None or not sides.strip():
        return DEFAULT_SIDES
    names = tuple(
        t.clean_text(name, "A side's name", t.SIDE_MAX, multiline=False) for name in sides.split(",") if name.strip()
    )
    if not MIN_SIDES <= len(names) <= MAX_SIDES:
        raise InvalidInput(f"A debate needs {MIN_SIDES} to {MAX_SIDES} sides, separated by commas (got {len(names)}).")
    keys = [t.name_key(name) for name in names]
    if len(set(keys)) != len(keys):
        raise InvalidInput("Two sides have the same name: give each side a different name.")
    return names


def start_debate(session: Session, actor: Actor, plan: NewDebate, *, channel_id: int, thread_id: int) -> Debate:
    """Record a debate whose thread has just been created."""
    agenda = _agenda_named(session, actor.guild_id, plan.agenda) if plan.agenda else None
    debate = Debate(
        guild_id=actor.guild_id,
        number=_next_debate_number(session, actor.guild_id),
        channel_id=channel_id,
        thread_id=thread_id,
        topic=plan.topic,
        agenda_id=agenda.id if agenda else None,
        format=plan.format,
        creator_id=actor.user_id,
    )
    session.add(debate)
    session.flush()
    session.add_all(
        Side(debate_id=id_of(debate), position=i, name=name, name_key=t.name_key(name))
        for i, name in enumerate(plan.sides)
    )
    session.flush()
    return debate


def discard_debate(session: Session, actor: Actor, debate_id: DebateId) -> None:
    """Forget a debate of the actor's server whose thread could not be set up: its sides go with it, and its timers
    find nothing to do."""
    session.execute(delete(Debate).where(col(Debate.id) == debate_id, col(Debate.guild_id) == actor.guild_id))


def _agenda_named(session: Session, guild_id: int, name: str) -> Agenda:
    """The guild's agenda of that name (case-insensitive), created on first use."""
    key = t.name_key(name)
    upsert(
        session,
        Agenda,
        {"guild_id": guild_id, "name": name, "name_key": key, "created_at": utcnow()},
        conflict=("guild_id", "name_key"),
    )
    statement = select(Agenda).where(Agenda.guild_id == guild_id, Agenda.name_key == key)
    return session.execute(statement).scalar_one()


def _next_debate_number(session: Session, guild_id: int) -> int:
    upsert(session, GuildState, {"guild_id": guild_id, "debate_seq": 0}, conflict=("guild_id",))
    statement = (
        update(GuildState)
        .where(col(GuildState.guild_id) == guild_id)
        .values(debate_seq=col(GuildState.debate_seq) + 1)
        .returning(col(GuildState.debate_seq))
    )
    return session.execute(statement).scalar_one()


_NEXT_NUMBER = {
    counter: update(Debate)
    .where(col(Debate.id) == bindparam("debate_id"))
    .values({counter: col(getattr(Debate, counter)) + 1})
    .returning(col(getattr(Debate, counter)))
    for counter in ("claim_seq", "crux_seq")
}
_IN_THREAD = select(Debate).where(Debate.guild_id == bindparam("guild_id"), Debate.thread_id == bindparam("thread_id"))
_IN_THREAD_LOCKED = _IN_THREAD.with_for_update()
_SIDES = select(Side).where(Side.debate_id == bindparam("debate_id")).order_by(col(Side.position))
_SIDE_ID_OF = select(col(Participant.side_id)).where(
    Participant.debate_id == bindparam("debate_id"), Participant.user_id == bindparam("user_id")
)
"""The statements of the claim path, built once: building a statement costs more than SQLite running it. The
number is taken on the Core connection: the ORM's bulk-update handling of an ``UPDATE`` costs several times more."""


def next_number(session: Session, debate: Debate, counter: str) -> int:
    """The next claim or crux number of the debate (``counter`` is ``"claim_seq"`` or ``"crux_seq"``).

    An ``UPDATE … RETURNING`` on the debate's row: concurrent writers queue on the row, numbers never repeat.
    """
    number: int = session.connection().execute(_NEXT_NUMBER[counter], {"debate_id": debate.id}).scalar_one()
    return number


def debate_in_thread(session: Session, guild_id: int | None, thread_id: int, *, for_update: bool = False) -> Debate:
    """The debate held in this thread, or :class:`WrongPlace` saying where to go.

    ``for_update`` locks the debate's row until the transaction ends (PostgreSQL; SQLite has one writer anyway), so
    that the checks a change makes ("already logged?", "already joined?", "still open?") cannot race a twin.
    """
    if guild_id is None:
        raise WrongPlace(SERVERS_ONLY)
    statement = _IN_THREAD_LOCKED if for_update else _IN_THREAD
    debate = _once_per_session(
        session,
        ("debate in thread", guild_id, thread_id, for_update),
        lambda: session.execute(statement, {"guild_id": guild_id, "thread_id": thread_id}).scalar_one_or_none(),
    )
    if debate is None:
        raise WrongPlace(
            "This is not a debate thread: use this command inside a debate's thread, or start one with /debate start."
        )
    return debate


def open_debate_in_thread(session: Session, guild_id: int | None, thread_id: int, *, for_update: bool = True) -> Debate:
    """The open debate of this thread, locked for a change unless only read (see :func:`debate_in_thread`)."""
    debate = debate_in_thread(session, guild_id, thread_id, for_update=for_update)
    ensure_open(debate)
    return debate


def ensure_open(debate: AnyDebate) -> None:
    """:class:`WrongPlace` if the debate is closed."""
    if debate.status is DebateStatus.CLOSED:
        raise WrongPlace(f"Debate #{debate.number} is closed: its record can be read, no longer changed.")


def sides_of(session: Session, debate: Debate) -> list[SideSnapshot]:
    """The debate's sides, in the order they were given.

    A debate's sides never change once it exists, so they are kept for the whole process — whatever other processes
    write — as snapshots, by the debate's id and creation time: an id SQLite gives again after a
    deletion comes with another time. On PostgreSQL this saves a query a batch of claims."""
    key = (id_of(debate), debate.created_at)
    known = _SIDES_KNOWN.get(key)
    if known is None:
        loaded = _once_per_session(
            session, ("sides of", debate.id), lambda: list(session.execute(_SIDES, {"debate_id": debate.id}).scalars())
        )
        if not loaded:  # the transaction starting the debate may not have added them yet
            return []
        known = tuple(SideSnapshot.each(loaded))
        with _SIDES_LOCK:
            if len(_SIDES_KNOWN) >= SIDES_KEPT:
                _SIDES_KNOWN.pop(next(iter(_SIDES_KNOWN)))
            _SIDES_KNOWN[key] = known
    return list(known)


SIDES_KEPT = 10_000
"""How many debates' sides a process keeps (the oldest kept are forgotten first)."""
_SIDES_KNOWN: dict[tuple[int, datetime], tuple[SideSnapshot, ...]] = {}
_SIDES_LOCK = threading.Lock()  # the SQLite writer thread and the event loop both look sides up


def _once_per_session(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """``load()``, run once per session for ``key``: for what a transaction cannot change once it exists — the debate
    a thread holds (the same object, whatever the transaction does to it), a debate's sides. Nothing found is looked
    up again: the transaction may yet create it. Jobs committed together (``Database.transact``) share a session,
    and so look these up once between them."""
    memo: dict[Hashable, Any] = session.info.setdefault(_once_per_session, {})
    if memo.get(key) is None:
        memo[key] = load()
    return cast(T, memo[key])


def side_named(session: Session, debate: Debate, name: str) -> SideSnapshot:
    """The debate's side of that name (case-insensitive), or :class:`InvalidInput` listing the sides."""
    key = t.name_key(name)
    sides = sides_of(session, debate)
    for side in sides:
        if side.name_key == key:
            return side
    names = ", ".join(f"“{t.as_typed(side.name)}”" for side in sides)
    raise InvalidInput(f"This debate has no side called “{t.as_typed(t.one_line(name, 50))}”. Its sides are {names}.")


@overload
def numbered(
    session: Session, debate: Debate, model: type[Claim], number: ClaimNumber, *, for_update: bool = False
) -> Claim: ...
@overload
def numbered(
    session: Session, debate: Debate, model: type[Crux], number: CruxNumber, *, for_update: bool = False
) -> Crux: ...
def numbered(
    session: Session, debate: Debate, model: type[Numbered], number: int, *, for_update: bool = False
) -> Numbered:
    """``model`` #``number`` of this debate — records are named to users by these numbers, and every option or
    select value naming one is looked up here — or :class:`NotFound`. ``for_update`` locks its row (PostgreSQL)."""
    found = None
    if 0 < number <= KEY_MAX:
        statement = select(model).where(model.debate_id == debate.id, model.number == number)
        found = session.execute(statement.with_for_update() if for_update else statement).scalar_one_or_none()
    if found is None:
        what = model.__name__
        raise NotFound(f"There is no {what} #{number} in this debate: pick one from the list as you type.")
    return found


@overload
def by_id(
    session: Session, debate: Debate, model: type[Claim], record_id: ClaimId, *, for_update: bool = False
) -> Claim: ...
@overload
def by_id(
    session: Session, debate: Debate, model: type[Crux], record_id: CruxId, *, for_update: bool = False
) -> Crux: ...
@overload
def by_id(
    session: Session, debate: Debate, model: type[Side], record_id: SideId, *, for_update: bool = False
) -> Side: ...
def by_id(session: Session, debate: Debate, model: type[Scoped], record_id: int, *, for_update: bool = False) -> Scoped:
    """The ``model`` with this database id (as carried by a button's custom_id), if it belongs to this debate; else
    :class:`NotFound` — a custom_id from another debate's message, or forged. ``for_update`` locks its row."""
    found = None
    if 0 < record_id <= KEY_MAX:
        statement = select(model).where(model.id == record_id, model.debate_id == debate.id)
        found = session.execute(statement.with_for_update() if for_update else statement).scalar_one_or_none()
    if found is None:
        raise NotFound(f"That {model.__name__.lower()} is not part of this debate.")
    return found


def side_of(session: Session, debate: Debate, user_id: int) -> SideSnapshot | None:
    """The side the user joined in this debate, if any."""
    side_id = session.connection().execute(_SIDE_ID_OF, {"debate_id": debate.id, "user_id": user_id}).scalar()
    return next((side for side in sides_of(session, debate) if side.id == side_id), None)


def join(session: Session, debate: Debate, user_id: int, side_name: str) -> Joined:
    """Put the user on the side of that name (moving them if they had joined another)."""
    return join_side(session, debate, user_id, side_named(session, debate, side_name))


def join_side_by_id(session: Session, debate: Debate, user_id: int, side_id: SideId) -> Joined:
    """:func:`join_side` for the side a button names by its id, checked to be of this debate."""
    return join_side(session, debate, user_id, SideSnapshot.of(by_id(session, debate, Side, side_id)))


def join_side(session: Session, debate: Debate, user_id: int, side: SideSnapshot) -> Joined:
    """Put the user on ``side``; joining twice is harmless (one row per user per debate)."""
    previous = side_of(session, debate, user_id)
    upsert(
        session,
        Participant,
        {"debate_id": debate.id, "user_id": user_id, "side_id": side.id, "joined_at": utcnow()},
        conflict=("debate_id", "user_id"),
        update=("side_id",),
    )
    return Joined(side=side, previous=previous)


def can_moderate(debate: AnyDebate, actor: Actor) -> bool:
    """The debate's creator and members with Manage Threads moderate it."""
    return actor.can_moderate or actor.user_id == debate.creator_id


def require_moderator(debate: AnyDebate, actor: Actor, action: str) -> None:
    """:class:`NotAllowed` unless the actor moderates this debate."""
    if not can_moderate(debate, actor):
        raise NotAllowed(f"Only the debate's creator or a member with Manage Threads can {action}.")


def require_own_or_moderator(debate: AnyDebate, actor: Actor, author_id: int | None, label: str) -> None:
    """:class:`NotAllowed` unless the actor made the record ``label`` names ("Claim #3") or moderates the debate: who
    may withdraw a record."""
    if author_id != actor.user_id and not can_moderate(debate, actor):
        raise NotAllowed(
            f"{label} is not yours: only its author, the debate's creator or a member with Manage Threads can "
            "withdraw it."
        )


def open_debates(session: Session, guild_id: int, page: int, audience: Audience) -> Page[DebateSnapshot]:
    """The guild's open debates that ``audience`` may see, newest first, ``DEBATES_PER_PAGE`` to a page (pages count
    from 1)."""
    where = (
        (col(Debate.guild_id) == guild_id)
        & (col(Debate.status) == DebateStatus.OPEN)
        & audience.condition(col(Debate.channel_id))
    )
    total = session.execute(select(func.count()).select_from(Debate).where(where)).scalar_one()
    pages = max(1, ceil(total / DEBATES_PER_PAGE))
    if not 1 <= page <= pages:
        raise InvalidInput(
            f"There {'is' if pages == 1 else 'are'} {t.plural(pages, 'page')} of debates; pick 1–{pages}."
        )
    statement = (
        select(Debate)
        .where(where)
        .order_by(col(Debate.number).desc())
        .offset((page - 1) * DEBATES_PER_PAGE)
        .limit(DEBATES_PER_PAGE)
    )
    return Page(DebateSnapshot.each(session.execute(statement).scalars()), page, pages, total)


def end_debate(session: Session, debate: Debate, actor: Actor, outcome: str | None) -> DebateSnapshot:
    """Close the debate (moderators only); its record stays readable."""
    require_moderator(debate, actor, "end the debate")
    debate.outcome = t.optional_text(outcome, "The outcome", t.RESOLUTION_MAX)
    debate.status = DebateStatus.CLOSED
    debate.ended_at, debate.ended_by_id = utcnow(), actor.user_id
    debate.phase_ends_at = debate.paused_remaining = None  # its phase clock stops; pending timers find nothing to do
    session.add(debate)
    session.flush()
    return DebateSnapshot.of(debate)


def mark_summarized(session: Session, actor: Actor, debate_id: DebateId, when: datetime) -> None:
    """Remember that a summary of the actor's server's debate, read at ``when``, was posted: the next one says what
    changed since. A write of its own, after the summary was posted: reading never waits for the writer. A summary
    read before the one recorded already (posted late) leaves the time as it is."""
    later = col(Debate.summarized_at).is_(None) | (col(Debate.summarized_at) < when)
    where = (col(Debate.id) == debate_id) & (col(Debate.guild_id) == actor.guild_id) & later
    session.execute(update(Debate).where(where).values(summarized_at=when))


def agenda_in_guild(session: Session, guild_id: int, agenda_id: int) -> Agenda:
    """The guild's agenda with this id, or :class:`NotFound`."""
    statement = select(Agenda).where(Agenda.id == agenda_id, Agenda.guild_id == guild_id)
    agenda = session.execute(statement).scalar_one_or_none()
    if agenda is None:
        raise NotFound("No such agenda in this server: pick one from the list as you type.")
    return agenda


def agendas(session: Session, guild_id: int, audience: Audience) -> list[tuple[AgendaSnapshot, int, int]]:
    """The guild's agendas with their open and total counts of the debates ``audience`` may see, by name; an agenda
    whose every debate is out of sight is left out."""
    shown = audience.condition(col(Debate.channel_id))
    open_count = func.count(col(Debate.id)).filter(shown & (col(Debate.status) == DebateStatus.OPEN))
    shown_count = func.count(col(Debate.id)).filter(shown)
    statement = (
        select(Agenda, open_count, shown_count)
        .outerjoin(Debate, col(Debate.agenda_id) == col(Agenda.id))
        .where(Agenda.guild_id == guild_id)
        .group_by(col(Agenda.id))
        .having((shown_count > 0) | (func.count(col(Debate.id)) == 0))
        .order_by(col(Agenda.name_key))
    )
    return [(AgendaSnapshot.of(agenda), n_open, n_all) for agenda, n_open, n_all in session.execute(statement).all()]


def debate_numbered(session: Session, number: DebateNumber, guild_id: int | None = None) -> Debate:
    """Debate ``number`` of ``guild_id``; without a guild, the only debate with that number in any guild."""
    statement = select(Debate).where(Debate.number == number)
    if guild_id is not None:
        statement = statement.where(Debate.guild_id == guild_id)
    found = list(session.execute(statement.order_by(col(Debate.guild_id))).scalars())
    if not found:
        raise NotFound(f"There is no debate #{number}" + (f" in guild {guild_id}." if guild_id else "."))
    if len(found) > 1:
        guilds = ", ".join(str(debate.guild_id) for debate in found)
        raise InvalidInput(f"Several guilds have a debate #{number} (guilds {guilds}): say which with --guild.")
    return found[0]
