"""``/debate status``: a debate at a glance — participants per side, claims per kind, open and resolved cruxes, and
the insights' glance (``bot.core.opinion.insights``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlmodel import col, func, select

from bot.core.opinion.insights import Glance, glance
from bot.core.records import DebateSnapshot, SideSnapshot
from schema import Claim, ClaimKind, Crux, CruxStatus, Debate, Participant, Side


@dataclass(frozen=True, slots=True)
class Status:
    """A debate at a glance: who is on which side and how much has been said."""

    debate: DebateSnapshot
    sides: list[tuple[SideSnapshot, int]]
    claims: dict[ClaimKind, int]
    open_cruxes: int
    resolved_cruxes: int
    glance: Glance


def status(session: Session, debate: Debate) -> Status:
    """Participants per side, claims per kind, open and resolved cruxes (three queries), and the insights' glance."""
    per_side = (
        select(Side, func.count(col(Participant.id)))
        .outerjoin(Participant, col(Participant.side_id) == col(Side.id))
        .where(Side.debate_id == debate.id)
        .group_by(col(Side.id))
        .order_by(col(Side.position))
    )
    claims = select(Claim.kind, func.count()).where(Claim.debate_id == debate.id).group_by(col(Claim.kind))
    cruxes = select(Crux.status, func.count()).where(Crux.debate_id == debate.id).group_by(col(Crux.status))
    claim_counts = dict.fromkeys(ClaimKind, 0) | {ClaimKind(kind): n for kind, n in session.execute(claims).all()}
    crux_counts = {CruxStatus(state): n for state, n in session.execute(cruxes).all()}
    return Status(
        debate=DebateSnapshot.of(debate),
        sides=[(SideSnapshot.of(side), n) for side, n in session.execute(per_side).all()],
        claims=claim_counts,
        open_cruxes=crux_counts.get(CruxStatus.OPEN, 0),
        resolved_cruxes=crux_counts.get(CruxStatus.RESOLVED, 0),
        glance=glance(session, debate),
    )
