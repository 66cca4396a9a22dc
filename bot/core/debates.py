"""The rules of a debate: starting one, joining a side, claims, rebuttals, cruxes, credences, resolutions.

Every function takes an open session and leaves committing to the caller (``Database.write``). Every lookup is
scoped to the debate, and so to its guild: an id from another debate or guild is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core import text as t
from bot.core.errors import InvalidInput, NotAllowed, NotFound, WrongPlace
from bot.core.sql import upsert
from schema import (
    Agenda,
    Claim,
    ClaimKind,
    ClaimStatus,
    Credence,
    Crux,
    CruxClaim,
    CruxStatus,
    Debate,
    DebateFormat,
    DebateStatus,
    GuildState,
    Participant,
    Side,
    id_of,
    utcnow,
)

DEFAULT_SIDES = ("for", "against")
MIN_SIDES, MAX_SIDES = 2, 6
THREAD_NAME_MAX = 100


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

    @property
    def thread_name(self) -> str:
        """The debate thread's name: the topic, shortened to Discord's limit."""
        return t.one_line(self.topic, THREAD_NAME_MAX)


@dataclass(frozen=True, slots=True)
class Joined:
    side: Side
    previous: Side | None


@dataclass(frozen=True, slots=True)
class Logged:
    """A claim, rebuttal or support just logged, with its side and the claim it answers (if any)."""

    claim: Claim
    side: Side
    answers: Claim | None = None


@dataclass(frozen=True, slots=True)
class CredenceRecorded:
    crux: Crux
    credence: Credence
    previous: int | None


def plan_debate(topic: str, agenda: str | None = None, sides: str | None = None) -> NewDebate:
    """Validate the options of ``/debate start``; ``sides`` is comma-separated (default "for, against")."""
    side_names = _parse_sides(sides)
    return NewDebate(
        topic=t.clean_text(topic, "The topic", t.TOPIC_MAX),
        agenda=t.optional_text(agenda, "The agenda name", t.AGENDA_MAX),
        sides=side_names,
    )


def _parse_sides(sides: str | None) -> tuple[str, ...]:
    if sides is None or not sides.strip():
        return DEFAULT_SIDES
    names = tuple(t.clean_text(name, "A side's name", t.SIDE_MAX) for name in sides.split(",") if name.strip())
    if not MIN_SIDES <= len(names) <= MAX_SIDES:
        raise InvalidInput(f"A debate needs {MIN_SIDES} to {MAX_SIDES} sides, separated by commas (got {len(names)}).")
    keys = [t.name_key(name) for name in names]
    if len(set(keys)) != len(keys):
        raise InvalidInput("Two sides have the same name: give each side a different name.")
    return names


async def start_debate(
    session: AsyncSession, actor: Actor, plan: NewDebate, *, channel_id: int, thread_id: int
) -> Debate:
    """Record a debate whose thread has just been created."""
    agenda = await _agenda_named(session, actor.guild_id, plan.agenda) if plan.agenda else None
    debate = Debate(
        guild_id=actor.guild_id,
        number=await _next_debate_number(session, actor.guild_id),
        channel_id=channel_id,
        thread_id=thread_id,
        topic=plan.topic,
        agenda_id=agenda.id if agenda else None,
        format=plan.format,
        creator_id=actor.user_id,
    )
    session.add(debate)
    await session.flush()
    assert debate.id is not None
    session.add_all(
        Side(debate_id=id_of(debate), position=i, name=name, name_key=t.name_key(name))
        for i, name in enumerate(plan.sides)
    )
    await session.flush()
    return debate


async def _agenda_named(session: AsyncSession, guild_id: int, name: str) -> Agenda:
    """The guild's agenda of that name (case-insensitive), created on first use."""
    key = t.name_key(name)
    await upsert(
        session,
        Agenda,
        {"guild_id": guild_id, "name": name, "name_key": key, "created_at": utcnow()},
        conflict=("guild_id", "name_key"),
    )
    statement = select(Agenda).where(Agenda.guild_id == guild_id, Agenda.name_key == key)
    return (await session.execute(statement)).scalar_one()


async def _next_debate_number(session: AsyncSession, guild_id: int) -> int:
    await upsert(session, GuildState, {"guild_id": guild_id, "debate_seq": 0}, conflict=("guild_id",))
    statement = (
        update(GuildState)
        .where(col(GuildState.guild_id) == guild_id)
        .values(debate_seq=col(GuildState.debate_seq) + 1)
        .returning(col(GuildState.debate_seq))
    )
    return (await session.execute(statement)).scalar_one()


async def debate_in_thread(session: AsyncSession, guild_id: int | None, thread_id: int) -> Debate:
    """The debate held in this thread, or :class:`WrongPlace` saying where to go."""
    if guild_id is None:
        raise WrongPlace("Debates live in servers: use this command in a debate thread there.")
    statement = select(Debate).where(Debate.guild_id == guild_id, Debate.thread_id == thread_id)
    debate = (await session.execute(statement)).scalar_one_or_none()
    if debate is None:
        raise WrongPlace(
            "This is not a debate thread: use this command inside a debate's thread, or start one with /debate start."
        )
    return debate


async def open_debate_in_thread(session: AsyncSession, guild_id: int | None, thread_id: int) -> Debate:
    """Like :func:`debate_in_thread`, but a closed debate is :class:`WrongPlace` too."""
    debate = await debate_in_thread(session, guild_id, thread_id)
    if debate.status is DebateStatus.CLOSED:
        raise WrongPlace(f"Debate #{debate.number} is closed: its record can be read, no longer changed.")
    return debate


async def sides_of(session: AsyncSession, debate: Debate) -> list[Side]:
    """The debate's sides, in the order they were given."""
    statement = select(Side).where(Side.debate_id == debate.id).order_by(col(Side.position))
    return list((await session.execute(statement)).scalars())


async def _side_named(session: AsyncSession, debate: Debate, name: str) -> Side:
    key = t.name_key(name)
    sides = await sides_of(session, debate)
    for side in sides:
        if side.name_key == key or str(side.id) == name.strip():
            return side
    names = ", ".join(f"“{side.name}”" for side in sides)
    raise InvalidInput(f"This debate has no side called “{t.one_line(name, 50)}”. Its sides are {names}.")


async def side_of(session: AsyncSession, debate: Debate, user_id: int) -> Side | None:
    """The side the user joined in this debate, if any."""
    statement = (
        select(Side)
        .join(Participant, col(Participant.side_id) == col(Side.id))
        .where(Participant.debate_id == debate.id, Participant.user_id == user_id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def join(session: AsyncSession, debate: Debate, user_id: int, side_name: str) -> Joined:
    """Put the user on a side (moving them if they had joined another)."""
    side = await _side_named(session, debate, side_name)
    previous = await side_of(session, debate, user_id)
    await upsert(
        session,
        Participant,
        {"debate_id": debate.id, "user_id": user_id, "side_id": side.id, "joined_at": utcnow()},
        conflict=("debate_id", "user_id"),
        update=("side_id",),
    )
    return Joined(side=side, previous=previous)


async def _next_number(session: AsyncSession, debate: Debate, counter: str) -> int:
    column = col(getattr(Debate, counter))
    statement = update(Debate).where(col(Debate.id) == debate.id).values({counter: column + 1}).returning(column)
    return (await session.execute(statement)).scalar_one()


async def add_claim(
    session: AsyncSession, debate: Debate, actor: Actor, text: str, side_name: str | None = None
) -> Logged:
    """Log a claim for ``side_name``, or for the side the author joined."""
    body = t.clean_text(text, "The claim", t.CLAIM_MAX)
    if side_name and side_name.strip():
        side = await _side_named(session, debate, side_name)
    else:
        side = await _joined_side_or_raise(session, debate, actor.user_id, "log a claim")
    return await _insert_claim(session, debate, actor, body, side=side, kind=ClaimKind.CLAIM, parent=None)


async def add_reply(
    session: AsyncSession, debate: Debate, actor: Actor, parent_id: int, text: str, kind: ClaimKind
) -> Logged:
    """Log a rebuttal or support of a standing claim."""
    what = "The rebuttal" if kind is ClaimKind.REBUTTAL else "The support"
    body = t.clean_text(text, what, t.CLAIM_MAX)
    parent = await claim_in(session, debate, parent_id)
    if parent.status is ClaimStatus.WITHDRAWN:
        raise InvalidInput(f"Claim #{parent.number} was withdrawn: there is nothing left to answer.")
    side = await _joined_side_or_raise(session, debate, actor.user_id, f"log a {kind.value}")
    return await _insert_claim(session, debate, actor, body, side=side, kind=kind, parent=parent)


async def _joined_side_or_raise(session: AsyncSession, debate: Debate, user_id: int, action: str) -> Side:
    side = await side_of(session, debate, user_id)
    if side is None:
        raise InvalidInput(f"Join a side with /debate join before you {action}.")
    return side


async def _insert_claim(
    session: AsyncSession,
    debate: Debate,
    actor: Actor,
    body: str,
    *,
    side: Side,
    kind: ClaimKind,
    parent: Claim | None,
) -> Logged:
    claim = Claim(
        debate_id=id_of(debate),
        number=await _next_number(session, debate, "claim_seq"),
        kind=kind,
        parent_id=parent.id if parent else None,
        side_id=side.id,
        author_id=actor.user_id,
        logged_by_id=actor.user_id,
        text=body,
    )
    session.add(claim)
    await session.flush()
    return Logged(claim=claim, side=side, answers=parent)


async def claim_in(session: AsyncSession, debate: Debate, claim_id: int) -> Claim:
    """The claim with this id in this debate, or :class:`NotFound`."""
    statement = select(Claim).where(Claim.id == claim_id, Claim.debate_id == debate.id)
    claim = (await session.execute(statement)).scalar_one_or_none()
    if claim is None:
        raise NotFound("No such claim in this debate: pick one from the list as you type.")
    return claim


async def crux_in(session: AsyncSession, debate: Debate, crux_id: int) -> Crux:
    """The crux with this id in this debate, or :class:`NotFound`."""
    statement = select(Crux).where(Crux.id == crux_id, Crux.debate_id == debate.id)
    crux = (await session.execute(statement)).scalar_one_or_none()
    if crux is None:
        raise NotFound("No such crux in this debate: pick one from the list as you type.")
    return crux


async def add_crux(
    session: AsyncSession, debate: Debate, actor: Actor, question: str, claim_id: int | None = None
) -> tuple[Crux, Claim | None]:
    """Name a crux, optionally linked to a claim of this debate; returns (the crux, the linked claim)."""
    body = t.clean_text(question, "The question", t.QUESTION_MAX)
    claim = await claim_in(session, debate, claim_id) if claim_id is not None else None
    crux = Crux(
        debate_id=id_of(debate),
        number=await _next_number(session, debate, "crux_seq"),
        question=body,
        author_id=actor.user_id,
    )
    session.add(crux)
    await session.flush()
    if claim is not None:
        session.add(CruxClaim(crux_id=id_of(crux), claim_id=id_of(claim)))
        await session.flush()
    return crux, claim


async def record_credence(
    session: AsyncSession, debate: Debate, actor: Actor, crux_id: int, value: int, reason: str | None = None
) -> CredenceRecorded:
    """Append the user's credence (0–100) on an open crux; earlier credences are kept."""
    if not 0 <= value <= 100:
        raise InvalidInput(f"A credence is a percentage from 0 to 100 (got {value}).")
    why = t.optional_text(reason, "The reason", t.REASON_MAX)
    crux = await crux_in(session, debate, crux_id)
    if crux.status is CruxStatus.RESOLVED:
        raise InvalidInput(f"Crux #{crux.number} is resolved; credences are closed.")
    previous = await latest_credence(session, crux, actor.user_id)
    credence = Credence(crux_id=id_of(crux), user_id=actor.user_id, value=value, reason=why)
    session.add(credence)
    await session.flush()
    return CredenceRecorded(crux=crux, credence=credence, previous=previous)


async def latest_credence(session: AsyncSession, crux: Crux, user_id: int) -> int | None:
    """The user's latest credence on the crux, if any."""
    statement = (
        select(Credence.value)
        .where(Credence.crux_id == crux.id, Credence.user_id == user_id)
        .order_by(col(Credence.id).desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


def can_moderate(debate: Debate, actor: Actor) -> bool:
    """The debate's creator and members with Manage Threads moderate it."""
    return actor.can_moderate or actor.user_id == debate.creator_id


def require_moderator(debate: Debate, actor: Actor, action: str) -> None:
    """:class:`NotAllowed` unless the actor moderates this debate."""
    if not can_moderate(debate, actor):
        raise NotAllowed(f"Only the debate's creator or a member with Manage Threads can {action}.")


async def resolve_crux(session: AsyncSession, debate: Debate, actor: Actor, crux_id: int, resolution: str) -> Crux:
    """Mark an open crux resolved with the given resolution (moderators only)."""
    require_moderator(debate, actor, "resolve a crux")
    body = t.clean_text(resolution, "The resolution", t.RESOLUTION_MAX)
    crux = await crux_in(session, debate, crux_id)
    if crux.status is CruxStatus.RESOLVED:
        raise InvalidInput(f"Crux #{crux.number} is already resolved: {t.one_line(crux.resolution or '', 200)}")
    crux.status = CruxStatus.RESOLVED
    crux.resolution = body
    crux.resolved_by_id = actor.user_id
    crux.resolved_at = utcnow()
    await session.flush()
    return crux


@dataclass(frozen=True, slots=True)
class Choice:
    """An autocomplete choice: a record's id and how it is shown."""

    value: int | str
    label: str


LABEL_MAX = 100
CHOICES_MAX = 25


async def claim_choices(session: AsyncSession, debate: Debate, typed: str) -> list[Choice]:
    """Standing claims of this debate matching what was typed (number or words), newest first."""
    statement = select(Claim).where(Claim.debate_id == debate.id, Claim.status == ClaimStatus.STANDING)
    statement = _filter_typed(statement, Claim.number, Claim.text, typed).order_by(col(Claim.number).desc())
    claims = (await session.execute(statement.limit(CHOICES_MAX))).scalars()
    return [Choice(claim.id, _label(f"#{claim.number} {_kind_tag(claim)}", claim.text)) for claim in claims]


async def crux_choices(session: AsyncSession, debate: Debate, typed: str) -> list[Choice]:
    """Open cruxes of this debate matching what was typed, newest first."""
    statement = select(Crux).where(Crux.debate_id == debate.id, Crux.status == CruxStatus.OPEN)
    statement = _filter_typed(statement, Crux.number, Crux.question, typed).order_by(col(Crux.number).desc())
    cruxes = (await session.execute(statement.limit(CHOICES_MAX))).scalars()
    return [Choice(crux.id, _label(f"#{crux.number}", crux.question)) for crux in cruxes]


async def side_choices(session: AsyncSession, debate: Debate, typed: str) -> list[Choice]:
    """The debate's sides whose names contain what was typed."""
    key = t.name_key(typed)
    return [Choice(side.name, side.name) for side in await sides_of(session, debate) if key in side.name_key]


def _filter_typed(statement, number_column, text_column, typed: str):
    typed = typed.strip().lstrip("#")
    if not typed:
        return statement
    if typed.isdigit():
        return statement.where(number_column == int(typed))
    return statement.where(func.lower(text_column).contains(typed.lower()))


def _kind_tag(claim: Claim) -> str:
    return "" if claim.kind is ClaimKind.CLAIM else f"({claim.kind.value})"


def _label(prefix: str, body: str) -> str:
    return t.one_line(f"{' '.join(prefix.split())} {body}", LABEL_MAX)
