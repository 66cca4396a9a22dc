"""The summary of a debate's cruxes: who stands where on each, how far apart, what moved, and what the linked
claims face. Computed with a fixed number of queries, whatever the debate's size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from sqlalchemy import case, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from bot.core.text import escape_markdown, one_line, plural
from schema import (
    Claim,
    ClaimKind,
    ClaimStatus,
    Credence,
    Crux,
    CruxClaim,
    CruxStatus,
    Debate,
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
        """Participants of different sides hold credences on opposite sides of 50."""
        return any(
            a.side != b.side and a.side is not None and b.side is not None and (a.latest - 50) * (b.latest - 50) < 0
            for a, b in combinations(self.stances, 2)
        )


@dataclass(frozen=True, slots=True)
class DebateSummary:
    number: int
    topic: str
    unresolved: tuple[CruxSummary, ...]
    resolved: tuple[CruxSummary, ...]
    counts: dict[ClaimKind, int] = field(default_factory=dict)
    participants: int = 0


async def summarize(session: AsyncSession, debate: Debate) -> DebateSummary:
    """The debate's cruxes, unresolved ones ordered by disagreement (widest spread first)."""
    cruxes = list(
        (await session.execute(select(Crux).where(Crux.debate_id == debate.id).order_by(col(Crux.number)))).scalars()
    )
    sides = await _sides_by_user(session, debate)
    stances = await _stances(session, debate, sides)
    links = await _linked_claims(session, debate)
    summaries = [
        CruxSummary(
            number=crux.number,
            question=crux.question,
            resolution=crux.resolution,
            stances=tuple(stances.get(id_of(crux), ())),
            claims=tuple(links.get(id_of(crux), ())),
        )
        for crux in cruxes
    ]
    unresolved = sorted(
        (s for s, crux in zip(summaries, cruxes, strict=True) if crux.status is CruxStatus.OPEN),
        key=lambda s: (-s.spread, s.number),
    )
    resolved = [s for s, crux in zip(summaries, cruxes, strict=True) if crux.status is CruxStatus.RESOLVED]
    return DebateSummary(
        number=debate.number,
        topic=debate.topic,
        unresolved=tuple(unresolved),
        resolved=tuple(resolved),
        counts=await _claim_counts(session, debate),
        participants=len(sides),
    )


async def _sides_by_user(session: AsyncSession, debate: Debate) -> dict[int, str]:
    """Each participant's side name, in the order of the debate's sides."""
    statement = (
        select(Participant.user_id, Side.name)
        .join(Side, col(Side.id) == col(Participant.side_id))
        .where(Participant.debate_id == debate.id)
        .order_by(col(Side.position), col(Participant.id))
    )
    return {user_id: name for user_id, name in (await session.execute(statement)).all()}


async def _stances(session: AsyncSession, debate: Debate, sides: dict[int, str]) -> dict[int, list[Stance]]:
    statement = (
        select(Credence.crux_id, Credence.user_id, Credence.value, Credence.reason)
        .join(Crux, col(Crux.id) == col(Credence.crux_id))
        .where(Crux.debate_id == debate.id)
        .order_by(col(Credence.id))
    )
    history: dict[tuple[int, int], list[tuple[int, str | None]]] = defaultdict(list)
    for crux_id, user_id, value, reason in (await session.execute(statement)).all():
        history[(crux_id, user_id)].append((value, reason))
    stances: dict[int, list[Stance]] = defaultdict(list)
    for (crux_id, user_id), values in history.items():
        stances[crux_id].append(
            Stance(
                user_id=user_id,
                side=sides.get(user_id),
                first=values[0][0],
                latest=values[-1][0],
                reason=values[-1][1],
                updates=len(values),
            )
        )
    side_order = {name: i for i, name in enumerate(dict.fromkeys(sides.values()))}
    for crux_stances in stances.values():
        crux_stances.sort(key=lambda s: (side_order.get(s.side or "", len(side_order)), -s.latest, s.user_id))
    return stances


async def _linked_claims(session: AsyncSession, debate: Debate) -> dict[int, list[LinkedClaim]]:
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
        .where(standing_rebuttal)
        .group_by(col(rebuttal.parent_id))
        .subquery()
    )
    statement = (
        select(CruxClaim.crux_id, Claim, rebuttal_counts.c.rebuttals, rebuttal_counts.c.unanswered)
        .join(Claim, col(Claim.id) == col(CruxClaim.claim_id))
        .outerjoin(rebuttal_counts, rebuttal_counts.c.claim_id == Claim.id)
        .where(Claim.debate_id == debate.id)
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


async def _claim_counts(session: AsyncSession, debate: Debate) -> dict[ClaimKind, int]:
    statement = select(Claim.kind, func.count()).where(Claim.debate_id == debate.id).group_by(Claim.kind)
    counts = dict.fromkeys(ClaimKind, 0)
    counts.update({ClaimKind(kind): n for kind, n in (await session.execute(statement)).all()})
    return counts


# Rendering ---------------------------------------------------------------------------------------------------

UserLabel = Callable[[int], str]


def render_crux(crux: CruxSummary, user: UserLabel) -> str:
    """One crux as a Markdown block: heading line, one line per participant, one per linked claim."""
    marker = " · **double crux**" if crux.is_double_crux else ""
    spread = f" · spread {crux.spread}" if len(crux.stances) > 1 else ""
    lines = [f"**Crux #{crux.number}**{marker}{spread}", f"> {_quote(crux.question)}"]
    if crux.resolution is not None:
        lines.append(f"Resolved: {_quote(crux.resolution)}")
    lines.extend(_stance_line(stance, user) for stance in crux.stances)
    if not crux.stances:
        lines.append("No credences yet.")
    lines.extend(f"↳ Claim #{claim.number} ({claim.state}): {_quote(claim.text, 150)}" for claim in crux.claims)
    return "\n".join(lines)


def _stance_line(stance: Stance, user: UserLabel) -> str:
    side = f" ({escape_markdown(stance.side)})" if stance.side else " (no side)"
    movement = f"{stance.first} → {stance.latest}" if stance.moved else f"{stance.latest}"
    why = f" — “{_quote(stance.reason, 150)}”" if stance.reason and stance.moved else ""
    return f"• {user(stance.user_id)}{side}: **{movement}**{why}"


def _quote(value: str, limit: int = QUOTE_MAX) -> str:
    return escape_markdown(one_line(value, limit))


def render_summary(summary: DebateSummary, user: UserLabel) -> list[str]:
    """The whole summary as Markdown blocks, in reading order; callers pack them into messages."""
    blocks = [_heading(summary)]
    if summary.unresolved:
        blocks.extend(render_crux(crux, user) for crux in summary.unresolved)
    else:
        blocks.append("No unresolved cruxes. Name one with /crux add: what would change your mind?")
    if summary.resolved:
        blocks.append(f"**Resolved ({len(summary.resolved)})**")
        blocks.extend(render_crux(crux, user) for crux in summary.resolved)
    return blocks


def _heading(summary: DebateSummary) -> str:
    cruxes = (
        f"{plural(len(summary.unresolved), 'unresolved crux', 'unresolved cruxes')}, {len(summary.resolved)} resolved"
    )
    records = ", ".join(plural(summary.counts.get(kind, 0), kind.value) for kind in ClaimKind)
    people = plural(summary.participants, "participant")
    return f"**Debate #{summary.number}: {_quote(summary.topic)}**\n{cruxes} · {records} · {people}"


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
