"""What only a double-crux debate has: each participant's position on the motion, and marking which cruxes would
change one's mind (a crux is a *double* crux only when it would change minds on both sides)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlmodel import select

from bot.core.claims.arguments import Logged, add_claim, joined_side
from bot.core.cruxes.lifecycle import crux_numbered, require_percentage
from bot.core.debates.formats import Action, require_allowed
from bot.core.debates.lifecycle import Actor
from bot.core.records import CruxSnapshot
from bot.core.sql import upsert
from schema import CruxMark, CruxNumber, Debate, Participant, utcnow


@dataclass(frozen=True, slots=True)
class Position:
    """A participant's stated position (logged as a claim) and their credence on the motion."""

    logged: Logged
    credence: int
    previous: int | None


@dataclass(frozen=True, slots=True)
class Mark:
    crux: CruxSnapshot
    changes_mind: bool


def take_position(session: Session, debate: Debate, actor: Actor, text: str, credence: int) -> Position:
    """Log the participant's position as a claim for their side and record their credence (0–100) on the motion."""
    require_allowed(debate, Action.POSITION)
    require_percentage(credence)
    logged = add_claim(session, debate, actor, text)
    statement = select(Participant).where(Participant.debate_id == debate.id, Participant.user_id == actor.user_id)
    participant = session.execute(statement).scalar_one()
    previous, participant.motion_credence = participant.motion_credence, credence
    session.add(participant)
    session.flush()
    return Position(logged=logged, credence=credence, previous=previous)


def mark_crux(session: Session, debate: Debate, actor: Actor, number: CruxNumber, changes_mind: bool) -> Mark:
    """Record whether crux #``number`` would change the participant's mind (marking again replaces the answer)."""
    require_allowed(debate, Action.MARK)
    joined_side(session, debate, actor.user_id, "mark cruxes")
    crux = crux_numbered(session, debate, number)
    upsert(
        session,
        CruxMark,
        {"crux_id": crux.id, "user_id": actor.user_id, "changes_mind": changes_mind, "marked_at": utcnow()},
        conflict=("crux_id", "user_id"),
        update=("changes_mind", "marked_at"),
    )
    return Mark(crux=CruxSnapshot.of(crux), changes_mind=changes_mind)
