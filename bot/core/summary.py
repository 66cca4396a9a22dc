"""The summary of a debate's cruxes: who stands where on each, how far apart, what moved, and what the linked
claims face. Computed with a fixed number of queries, whatever the debate's size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations

from sqlalchemy import case, exists, func, or_, update
from sqlalchemy import select as select_columns  # SQLModel's select is typed for at most four columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from bot.core.debates import agenda_in_guild
from bot.core.text import escape_markdown, one_line, plural
from schema import (
    Claim,
    ClaimKind,
    ClaimStatus,
    Credence,
    Crux,
    CruxClaim,
    CruxMark,
    CruxStatus,
    Debate,
    DebateFormat,
    DebateStatus,
    Participant,
    Side,
    id_of,
)

QUOTE_MAX = 300


@dataclass(frozen=True, slots=True)
class Stance:
    """One participant's credence history on a crux, reduced to first and latest."""

    user_id: int
    side: str | None
    first: int
    latest: int
    reason: str | None
    updates: int
    changes_mind: bool | None = None
    """Whether they marked the crux as one that would change their mind; ``None`` where cruxes are not marked
    (outside double-crux debates)."""

    @property
    def moved(self) -> bool:
        return self.first != self.latest


@dataclass(frozen=True, slots=True)
class LinkedClaim:
    """A claim linked to a crux, with what its rebuttals look like."""

    number: int
    kind: ClaimKind
    text: str
    withdrawn: bool
    rebuttals: int
    unanswered_rebuttals: int

    @property
    def state(self) -> str:
        if self.withdrawn:
            return "withdrawn"
        if self.unanswered_rebuttals:
            return "has an unanswered rebuttal" if self.unanswered_rebuttals == 1 else "has unanswered rebuttals"
        return "rebutted, rebuttal answered" if self.rebuttals else "stands"


@dataclass(frozen=True, slots=True)
class CruxSummary:
    number: int
    question: str
    resolution: str | None
    stances: tuple[Stance, ...]
    claims: tuple[LinkedClaim, ...]

    @property
    def spread(self) -> int:
        """How far apart the participants' latest credences are (0 with fewer than two)."""
        values = [stance.latest for stance in self.stances]
        return max(values) - min(values) if len(values) > 1 else 0

    @property
    def is_double_crux(self) -> bool:
        """Participants of different sides hold credences on opposite sides of 50 — and, in a double-crux debate,
        both marked it as a crux that would change their mind."""
        return any(
            a.side != b.side
            and a.side is not None
            and b.side is not None
            and (a.latest - 50) * (b.latest - 50) < 0
            and a.changes_mind is not False
            and b.changes_mind is not False
            for a, b in combinations(self.stances, 2)
        )


@dataclass(frozen=True, slots=True)
class Changes:
    """What happened in a debate since its last posted summary."""

    claims: dict[ClaimKind, int] = field(default_factory=dict)
    cruxes: int = 0
    resolved: int = 0
    credences: int = 0

    def __bool__(self) -> bool:
        return bool(any(self.claims.values()) or self.cruxes or self.resolved or self.credences)


@dataclass(frozen=True, slots=True)
class DebateSummary:
    number: int
    topic: str
    unresolved: tuple[CruxSummary, ...]
    resolved: tuple[CruxSummary, ...]
    counts: dict[ClaimKind, int] = field(default_factory=dict)
    participants: int = 0
    closed: bool = False
    changes: Changes | None = None
    """Since the last posted summary; ``None`` when none was posted yet."""


async def summarize(session: AsyncSession, debate: Debate) -> DebateSummary:
    """The debate's cruxes, unresolved ones ordered by disagreement (widest spread first)."""
    return (await summarize_debates(session, [debate]))[0]


async def summarize_debates(session: AsyncSession, debates: Sequence[Debate]) -> list[DebateSummary]:
    """:func:`summarize` for several debates at once, in a fixed number of queries however many debates and records."""
    ids = [id_of(debate) for debate in debates]
    statement = select(Crux).where(col(Crux.debate_id).in_(ids)).order_by(col(Crux.debate_id), col(Crux.number))
    cruxes = list((await session.execute(statement)).scalars())
    sides = await _sides_by_user(session, ids)
    marked = {id_of(debate) for debate in debates if debate.format is DebateFormat.DOUBLE_CRUX}
    stances = await _stances(session, ids, sides, marked, await _marks(session, marked))
    links = await _linked_claims(session, ids)
    counts = await _claim_counts(session, ids)
    changes = await _changes(session, ids)
    by_debate: dict[int, list[tuple[Crux, CruxSummary]]] = defaultdict(list)
    for crux in cruxes:
        summary = CruxSummary(
            number=crux.number,
            question=crux.question,
            resolution=crux.resolution,
            stances=tuple(stances.get(id_of(crux), ())),
            claims=tuple(links.get(id_of(crux), ())),
        )
        by_debate[crux.debate_id].append((crux, summary))
    return [
        _debate_summary(
            debate,
            by_debate[id_of(debate)],
            counts[id_of(debate)],
            len(sides[id_of(debate)]),
            changes[id_of(debate)] if debate.summarized_at else None,
        )
        for debate in debates
    ]


def _debate_summary(
    debate: Debate,
    cruxes: list[tuple[Crux, CruxSummary]],
    counts: dict[ClaimKind, int],
    participants: int,
    changes: Changes | None,
) -> DebateSummary:
    unresolved = sorted(
        (summary for crux, summary in cruxes if crux.status is CruxStatus.OPEN), key=lambda s: (-s.spread, s.number)
    )
    return DebateSummary(
        number=debate.number,
        topic=debate.topic,
        unresolved=tuple(unresolved),
        resolved=tuple(summary for crux, summary in cruxes if crux.status is CruxStatus.RESOLVED),
        counts=counts,
        participants=participants,
        closed=debate.status is DebateStatus.CLOSED,
        changes=changes,
    )


@dataclass(frozen=True, slots=True)
class AgendaSummary:
    """The summaries of every debate of a research agenda, in debate order."""

    name: str
    debates: tuple[DebateSummary, ...]


async def summarize_agenda(session: AsyncSession, guild_id: int, agenda_id: int) -> AgendaSummary:
    """The unresolved cruxes of every debate of the agenda (open or closed), grouped by debate."""
    agenda = await agenda_in_guild(session, guild_id, agenda_id)
    statement = (
        select(Debate).where(Debate.guild_id == guild_id, Debate.agenda_id == agenda_id).order_by(col(Debate.number))
    )
    debates = list((await session.execute(statement)).scalars())
    return AgendaSummary(name=agenda.name, debates=tuple(await summarize_debates(session, debates)))


async def agenda_activity_since(session: AsyncSession, guild_id: int, agenda_id: int, since: datetime) -> bool:
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
    return bool((await session.execute(statement)).scalar())


async def _sides_by_user(session: AsyncSession, debate_ids: list[int]) -> dict[int, dict[int, str]]:
    """For each debate, each participant's side name, in the order of the debate's sides."""
    statement = (
        select(Participant.debate_id, Participant.user_id, Side.name)
        .join(Side, col(Side.id) == col(Participant.side_id))
        .where(col(Participant.debate_id).in_(debate_ids))
        .order_by(col(Side.position), col(Participant.id))
    )
    sides: dict[int, dict[int, str]] = defaultdict(dict)
    for debate_id, user_id, name in (await session.execute(statement)).all():
        sides[debate_id][user_id] = name
    return sides


async def _marks(session: AsyncSession, debate_ids: set[int]) -> dict[tuple[int, int], bool]:
    """Whether each (crux, participant) of these double-crux debates was marked as changing their mind (one
    query, none without such debates)."""
    if not debate_ids:
        return {}
    statement = (
        select(CruxMark.crux_id, CruxMark.user_id, CruxMark.changes_mind)
        .join(Crux, col(Crux.id) == col(CruxMark.crux_id))
        .where(col(Crux.debate_id).in_(debate_ids))
    )
    return {(crux_id, user_id): mark for crux_id, user_id, mark in (await session.execute(statement)).all()}


async def _stances(
    session: AsyncSession,
    debate_ids: list[int],
    sides: dict[int, dict[int, str]],
    marked: set[int],
    marks: dict[tuple[int, int], bool],
) -> dict[int, list[Stance]]:
    statement = (
        select_columns(
            col(Crux.debate_id), col(Credence.crux_id), col(Credence.user_id), col(Credence.value), col(Credence.reason)
        )
        .join(Crux, col(Crux.id) == col(Credence.crux_id))
        .where(col(Crux.debate_id).in_(debate_ids))
        .order_by(col(Credence.id))
    )
    history: dict[tuple[int, int, int], list[tuple[int, str | None]]] = defaultdict(list)
    for debate_id, crux_id, user_id, value, reason in (await session.execute(statement)).all():
        history[(debate_id, crux_id, user_id)].append((value, reason))
    stances: dict[int, list[Stance]] = defaultdict(list)
    debate_of: dict[int, int] = {}
    for (debate_id, crux_id, user_id), values in history.items():
        debate_of[crux_id] = debate_id
        stances[crux_id].append(
            Stance(
                user_id=user_id,
                side=sides[debate_id].get(user_id),
                first=values[0][0],
                latest=values[-1][0],
                reason=values[-1][1],
                updates=len(values),
                changes_mind=marks.get((crux_id, user_id), False) if debate_id in marked else None,
            )
        )
    for crux_id, crux_stances in stances.items():
        order = {name: i for i, name in enumerate(dict.fromkeys(sides[debate_of[crux_id]].values()))}
        crux_stances.sort(key=lambda s: (order.get(s.side or "", len(order)), -s.latest, s.user_id))
    return stances


async def _linked_claims(session: AsyncSession, debate_ids: list[int]) -> dict[int, list[LinkedClaim]]:
    rebuttal = aliased(Claim)
    answer = aliased(Claim)
    standing_rebuttal = (rebuttal.kind == ClaimKind.REBUTTAL) & (rebuttal.status == ClaimStatus.STANDING)
    answered = (
        select(func.count())
        .where(
            answer.parent_id == rebuttal.id,
            answer.kind == ClaimKind.REBUTTAL,
            answer.status == ClaimStatus.STANDING,
        )
        .correlate(rebuttal)
        .scalar_subquery()
    )
    rebuttal_counts = (
        select(
            col(rebuttal.parent_id).label("claim_id"),
            func.count().label("rebuttals"),
            func.sum(case((answered == 0, 1), else_=0)).label("unanswered"),
        )
        .where(standing_rebuttal, col(rebuttal.debate_id).in_(debate_ids))
        .group_by(col(rebuttal.parent_id))
        .subquery()
    )
    statement = (
        select(CruxClaim.crux_id, Claim, rebuttal_counts.c.rebuttals, rebuttal_counts.c.unanswered)
        .join(Claim, col(Claim.id) == col(CruxClaim.claim_id))
        .outerjoin(rebuttal_counts, rebuttal_counts.c.claim_id == Claim.id)
        .where(col(Claim.debate_id).in_(debate_ids))
        .order_by(col(CruxClaim.crux_id), col(Claim.number))
    )
    links: dict[int, list[LinkedClaim]] = defaultdict(list)
    for crux_id, claim, rebuttals, unanswered in (await session.execute(statement)).all():
        links[crux_id].append(
            LinkedClaim(
                number=claim.number,
                kind=claim.kind,
                text=claim.text,
                withdrawn=claim.status is ClaimStatus.WITHDRAWN,
                rebuttals=rebuttals or 0,
                unanswered_rebuttals=unanswered or 0,
            )
        )
    return links


async def _changes(session: AsyncSession, debate_ids: list[int]) -> dict[int, Changes]:
    """For each debate, what happened after its ``summarized_at`` (three grouped queries)."""
    since = col(Debate.summarized_at)
    claims = (
        select(Claim.debate_id, Claim.kind, func.count())
        .join(Debate, col(Debate.id) == col(Claim.debate_id))
        .where(col(Claim.debate_id).in_(debate_ids), col(Claim.created_at) > since)
        .group_by(col(Claim.debate_id), col(Claim.kind))
    )
    cruxes = (
        select(
            Crux.debate_id,
            func.sum(case((col(Crux.created_at) > since, 1), else_=0)),
            func.sum(case((col(Crux.resolved_at) > since, 1), else_=0)),
        )
        .join(Debate, col(Debate.id) == col(Crux.debate_id))
        .where(col(Crux.debate_id).in_(debate_ids))
        .group_by(col(Crux.debate_id))
    )
    credences = (
        select(Crux.debate_id, func.count())
        .select_from(Credence)
        .join(Crux, col(Crux.id) == col(Credence.crux_id))
        .join(Debate, col(Debate.id) == col(Crux.debate_id))
        .where(col(Crux.debate_id).in_(debate_ids), col(Credence.created_at) > since)
        .group_by(col(Crux.debate_id))
    )
    found: dict[int, dict[ClaimKind, int]] = defaultdict(lambda: dict.fromkeys(ClaimKind, 0))
    for debate_id, kind, n in (await session.execute(claims)).all():
        found[debate_id][ClaimKind(kind)] = n
    new_cruxes = {debate_id: (new or 0, done or 0) for debate_id, new, done in (await session.execute(cruxes)).all()}
    new_credences: dict[int, int] = {debate_id: n for debate_id, n in (await session.execute(credences)).all()}
    return {
        debate_id: Changes(
            claims=found[debate_id],
            cruxes=new_cruxes.get(debate_id, (0, 0))[0],
            resolved=new_cruxes.get(debate_id, (0, 0))[1],
            credences=new_credences.get(debate_id, 0),
        )
        for debate_id in debate_ids
    }


async def mark_summarized(session: AsyncSession, debate: Debate, when: datetime) -> None:
    """Remember that a summary of the debate was posted at ``when``: the next one says what changed since."""
    await session.execute(update(Debate).where(col(Debate.id) == debate.id).values(summarized_at=when))


async def _claim_counts(session: AsyncSession, debate_ids: list[int]) -> dict[int, dict[ClaimKind, int]]:
    statement = (
        select(Claim.debate_id, Claim.kind, func.count())
        .where(col(Claim.debate_id).in_(debate_ids))
        .group_by(col(Claim.debate_id), col(Claim.kind))
    )
    counts: dict[int, dict[ClaimKind, int]] = defaultdict(lambda: dict.fromkeys(ClaimKind, 0))
    for debate_id, kind, n in (await session.execute(statement)).all():
        counts[debate_id][ClaimKind(kind)] = n
    return counts


# Rendering ---------------------------------------------------------------------------------------------------

UserLabel = Callable[[int], str]


def render_crux(crux: CruxSummary, user: UserLabel, quote_limit: int | None = QUOTE_MAX) -> str:
    """One crux as a Markdown block: heading line, one line per participant, one per linked claim.

    User text is escaped and put on one line; ``quote_limit`` shortens it (with "…"), ``None`` keeps it whole.
    """
    short = min(quote_limit, 150) if quote_limit else None
    marker = " · **double crux**" if crux.is_double_crux else ""
    spread = f" · spread {crux.spread}" if len(crux.stances) > 1 else ""
    lines = [f"**Crux #{crux.number}**{marker}{spread}", f"> {_quote(crux.question, quote_limit)}"]
    if crux.resolution is not None:
        lines.append(f"Resolved: {_quote(crux.resolution, quote_limit)}")
    lines.extend(_stance_line(stance, user, short) for stance in crux.stances)
    if not crux.stances:
        lines.append("No credences yet.")
    lines.extend(f"↳ Claim #{claim.number} ({claim.state}): {_quote(claim.text, 150)}" for claim in crux.claims)
    return "\n".join(lines)


def _stance_line(stance: Stance, user: UserLabel, quote_limit: int | None) -> str:
    side = f" ({escape_markdown(stance.side)})" if stance.side else " (no side)"
    movement = f"{stance.first} → {stance.latest}" if stance.moved else f"{stance.latest}"
    why = f" — “{_quote(stance.reason, quote_limit)}”" if stance.reason and stance.moved else ""
    return f"• {user(stance.user_id)}{side}: **{movement}**{why}"


def _quote(value: str, limit: int | None) -> str:
    return escape_markdown(one_line(value, limit) if limit else " ".join(value.split()))


def render_summary(summary: DebateSummary, user: UserLabel, quote_limit: int | None = QUOTE_MAX) -> list[str]:
    """The whole summary as Markdown blocks, in reading order; callers pack them into messages."""
    blocks = [_heading(summary)]
    if summary.unresolved:
        blocks.extend(render_crux(crux, user, quote_limit) for crux in summary.unresolved)
    else:
        blocks.append("No unresolved cruxes. Name one with /crux add: what would change your mind?")
    if summary.resolved:
        blocks.append(f"**Resolved ({len(summary.resolved)})**")
        blocks.extend(render_crux(crux, user, quote_limit) for crux in summary.resolved)
    return blocks


def render_agenda_summary(summary: AgendaSummary, user: UserLabel, quote_limit: int | None = QUOTE_MAX) -> list[str]:
    """The agenda's unresolved cruxes as Markdown blocks, grouped by debate, widest disagreement first in each."""
    open_cruxes = sum(len(debate.unresolved) for debate in summary.debates)
    live = [debate for debate in summary.debates if debate.unresolved]
    blocks = [
        f"**Agenda: {_quote(summary.name, quote_limit)}**\n"
        f"{plural(open_cruxes, 'unresolved crux', 'unresolved cruxes')} in {plural(len(live), 'debate')} "
        f"(of {len(summary.debates)})"
    ]
    for debate in live:
        closed = " (closed)" if debate.closed else ""
        blocks.append(f"__**Debate #{debate.number}: {_quote(debate.topic, quote_limit)}**__{closed}")
        blocks.extend(render_crux(crux, user, quote_limit) for crux in debate.unresolved)
    if not live:
        blocks.append("No unresolved cruxes in this agenda's debates.")
    return blocks


def _heading(summary: DebateSummary) -> str:
    cruxes = (
        f"{plural(len(summary.unresolved), 'unresolved crux', 'unresolved cruxes')}, {len(summary.resolved)} resolved"
    )
    records = ", ".join(plural(summary.counts.get(kind, 0), kind.value) for kind in ClaimKind)
    people = plural(summary.participants, "participant")
    closed = " (closed)" if summary.closed else ""
    heading = (
        f"**Debate #{summary.number}: {_quote(summary.topic, QUOTE_MAX)}**{closed}\n{cruxes} · {records} · {people}"
    )
    return heading if summary.changes is None else f"{heading}\n{_changes_line(summary.changes)}"


def _changes_line(changes: Changes) -> str:
    if not changes:
        return "Nothing new since the last summary."
    parts = [plural(n, kind.value) for kind, n in changes.claims.items() if n]
    parts += [plural(changes.cruxes, "new crux", "new cruxes")] if changes.cruxes else []
    parts += [plural(changes.credences, "credence")] if changes.credences else []
    parts += [f"{changes.resolved} resolved"] if changes.resolved else []
    return "Since the last summary: " + ", ".join(parts) + "."


def pack(blocks: Iterable[str], limit: int) -> list[str]:
    """Join blocks into pages of at most ``limit`` characters, never splitting a block that fits a page.

    A block longer than a page is split on line boundaries (and a single overlong line on characters), so
    nothing is ever dropped.
    """
    pages: list[str] = []
    current = ""
    for piece in _pieces(blocks, limit):
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            pages.append(current)
            current = piece
    if current:
        pages.append(current)
    return pages


def _pieces(blocks: Iterable[str], limit: int) -> Sequence[str]:
    pieces: list[str] = []
    for block in blocks:
        if len(block) <= limit:
            pieces.append(block)
            continue
        chunk = ""
        for line in block.split("\n"):
            for part in (line[i : i + limit] for i in range(0, max(len(line), 1), limit)):
                if chunk and len(chunk) + 1 + len(part) > limit:
                    pieces.append(chunk)
                    chunk = part
                else:
                    chunk = f"{chunk}\n{part}" if chunk else part
        if chunk:
            pieces.append(chunk)
    return pieces
