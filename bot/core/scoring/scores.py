"""Scores on resolved cruxes: written when a crux resolves yes or no, withdrawn when it is reopened, and read back as
standings and calibration tables for a debate or a whole agenda. The formulas are in :mod:`bot.core.scoring.formulas`.

Synchronous use cases taking a session first, run as one job by the database layer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.core.debates.lifecycle import agenda_in_guild
from bot.core.scoring.formulas import (
    ORDERED_MIN,
    Bin,
    Score,
    Standing,
    Standings,
    Step,
    calibration,
    peer_scores,
    score_history,
    standings,
)
from bot.core.text import UserLabel, plural
from bot.core.visibility import Audience, left_out_note, visible
from schema import Credence, Crux, CruxOutcome, CruxScore, CruxStance, Debate, id_of, table_of

_SCORE: Table = table_of(CruxScore)
_CREDENCE: Table = table_of(Credence)
_CRUX: Table = table_of(Crux)
_STANCE: Table = table_of(CruxStance)
_DEBATE: Table = table_of(Debate)
SCORED = (CruxOutcome.YES, CruxOutcome.NO)


@dataclass(frozen=True, slots=True)
class ParticipantScore:
    user_id: int
    score: Score


def score_crux(session: Session, crux: Crux) -> list[ParticipantScore]:
    """Score every participant's credence history on a crux just resolved yes or no, and store the scores; best
    baseline score first. Nothing for another outcome (annulled, or none)."""
    if crux.outcome not in SCORED or crux.resolved_at is None:
        return []
    history = _histories(session, id_of(crux))
    yes = crux.outcome is CruxOutcome.YES
    peers = peer_scores(history, crux.created_at, crux.resolved_at, yes)
    scores = [
        ParticipantScore(user_id, replace(score, peer=peers[user_id]))
        for user_id, steps in history.items()
        if (score := score_history(steps, crux.created_at, crux.resolved_at, yes)) is not None
    ]
    if scores:
        session.execute(
            insert(_SCORE),
            [
                {
                    "crux_id": id_of(crux),
                    "user_id": found.user_id,
                    "baseline": found.score.baseline,
                    "brier": found.score.brier,
                    "coverage": found.score.coverage,
                    "peer": found.score.peer,
                }
                for found in scores
            ],
        )
    return sorted(scores, key=lambda found: (-found.score.baseline, found.user_id))


def _histories(session: Session, crux_id: int) -> dict[int, list[Step]]:
    """Each participant's credences on the crux, in the order recorded."""
    history: dict[int, list[Step]] = defaultdict(list)
    rows = session.execute(
        select(_CREDENCE.c.user_id, _CREDENCE.c.value, _CREDENCE.c.created_at)
        .where(_CREDENCE.c.crux_id == crux_id)
        .order_by(_CREDENCE.c.user_id, _CREDENCE.c.id)
    )
    for user_id, value, at in rows:
        history[user_id].append(Step(at=at, value=value))
    return history


_SCORED_AMONG = select(_CRUX.c.id, _CRUX.c.created_at, _CRUX.c.resolved_at, _CRUX.c.outcome).where(
    _CRUX.c.id.in_(bindparam("cruxes", expanding=True)),
    _CRUX.c.outcome.in_(SCORED),
    _CRUX.c.resolved_at.is_not(None),
)
_SET_PEER = (
    update(_SCORE)
    .where(_SCORE.c.crux_id == bindparam("crux"), _SCORE.c.user_id == bindparam("user"), _SCORE.c.peer.is_not(None))
    .values(peer=bindparam("peer"))
)


def rescore_peers(session: Session, crux_ids: Sequence[int]) -> None:
    """Recompute the peer scores kept on those of these cruxes that are scored, from the credences left on them: a
    member's credences were deleted (erasure), and everyone's peer score is measured against the others'. Baseline
    and Brier scores and coverage depend on one's own credences only; a score kept before peer scores were (``NULL``)
    stays without one."""
    for crux_id, opened, resolved, outcome in session.execute(_SCORED_AMONG, {"cruxes": list(crux_ids)}).all():
        peers = peer_scores(_histories(session, crux_id), opened, resolved, outcome == CruxOutcome.YES)
        if peers:
            session.execute(_SET_PEER, [{"crux": crux_id, "user": user, "peer": peer} for user, peer in peers.items()])


def withdraw_scores(session: Session, crux: Crux) -> None:
    """Delete the crux's scores (it is being reopened: they return when it resolves again)."""
    session.execute(delete(_SCORE).where(_SCORE.c.crux_id == id_of(crux)))


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """Participants' standings over the scored cruxes of a debate or an agenda, and their calibration."""

    subject: str
    """What was scored: "Debate #3", or the agenda's name."""
    scored_cruxes: int
    standings: Standings
    calibration: dict[int, list[Bin]] = field(default_factory=dict)
    """Per participant: their latest credence on each scored crux, binned."""
    overall: list[Bin] = field(default_factory=list)
    hidden: int = 0
    """How many debates a public answer left out (see :func:`bot.core.visibility.visible`)."""


_TRACK_RECORD = (
    select(
        _SCORE.c.crux_id,
        _SCORE.c.user_id,
        _SCORE.c.baseline,
        _SCORE.c.brier,
        _SCORE.c.coverage,
        _SCORE.c.peer,
        _STANCE.c.latest_value,
        _CRUX.c.outcome,
    )
    .join(_CRUX, _CRUX.c.id == _SCORE.c.crux_id)
    .join(_DEBATE, _DEBATE.c.id == _CRUX.c.debate_id)
    .join(_STANCE, (_STANCE.c.crux_id == _SCORE.c.crux_id) & (_STANCE.c.user_id == _SCORE.c.user_id))
)
"""Every score with the credence standing at the resolution and the outcome: one statement, filtered by caller."""


def debate_track_record(session: Session, debate: Debate) -> TrackRecord:
    """The standings and calibration over this debate's scored cruxes."""
    rows = session.execute(_TRACK_RECORD.where(_DEBATE.c.id == id_of(debate))).all()
    return _track_record(f"Debate #{debate.number}", rows)


def agenda_track_record(session: Session, guild_id: int, agenda_id: int, audience: Audience) -> TrackRecord:
    """The standings and calibration over the scored cruxes of the debates of this guild's agenda that ``audience``
    may see."""
    agenda = agenda_in_guild(session, guild_id, agenda_id)
    debates = select(Debate).where(col(Debate.guild_id) == guild_id, col(Debate.agenda_id) == agenda_id)
    shown, hidden = visible(list(session.execute(debates).scalars()), audience)
    statement = _TRACK_RECORD.where(_DEBATE.c.id.in_([id_of(debate) for debate in shown]))
    return replace(_track_record(agenda.name, session.execute(statement).all()), hidden=hidden)


def _track_record(subject: str, rows: Sequence[Any]) -> TrackRecord:
    points: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for row in rows:
        points[row.user_id].append((row.latest_value, row.outcome is CruxOutcome.YES))
    return TrackRecord(
        subject=subject,
        scored_cruxes=len({row.crux_id for row in rows}),
        standings=standings((row.user_id, Score(row.baseline, row.brier, row.coverage, row.peer)) for row in rows),
        calibration={user_id: calibration(found) for user_id, found in points.items()},
        overall=calibration(point for found in points.values() for point in found),
    )


# Rendering ---------------------------------------------------------------------------------------------------


def _peer(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def score_text(score: Score) -> str:
    """``baseline 67.8 · peer 12.0 · Brier 0.04 · coverage 100 %``."""
    return (
        f"baseline {score.baseline:.1f} · peer {_peer(score.peer)} · Brier {score.brier:.2f} · "
        f"coverage {score.coverage:.0%}"
    )


def render_scores(scores: Sequence[ParticipantScore], user: UserLabel) -> list[str]:
    """One line per participant, as the resolution message shows them."""
    return [f"{user(found.user_id)}: {score_text(found.score)}" for found in scores]


def render_track_record(record: TrackRecord, user: UserLabel) -> list[str]:
    """Standings and calibration tables as Markdown blocks (a participant's name, then their numbers)."""
    note = [f"*{left_out_note(record.hidden)}*"] if record.hidden else []
    if not record.scored_cruxes:
        return ["No scored cruxes yet: a crux is scored when a moderator resolves it with outcome yes or no.", *note]
    blocks = [f"**Scores** over {plural(record.scored_cruxes, 'scored crux', 'scored cruxes')}", *note]
    ordered, others = record.standings.ordered, record.standings.others
    if ordered:
        blocks.append("\n".join(f"{rank}. {_standing_line(row, user)}" for rank, row in enumerate(ordered, 1)))
    else:
        blocks.append(f"Nobody has {ORDERED_MIN} scored cruxes yet, so nobody is ranked.")
    if others:
        heading = f"Fewer than {ORDERED_MIN} scored cruxes (not ranked):"
        blocks.append("\n".join([heading, *(f"• {_standing_line(row, user)}" for row in others)]))
    blocks.append(_calibration_block("**Calibration, everyone**", record.overall))
    blocks.extend(
        _calibration_block(f"**Calibration** · {user(user_id)}", bins)
        for user_id, bins in sorted(record.calibration.items())
    )
    return blocks


def _standing_line(row: Standing, user: UserLabel) -> str:
    scored = plural(row.scored, "crux", "cruxes")
    return (
        f"{user(row.user_id)} — {scored} · mean baseline {row.baseline:.1f} · mean peer {_peer(row.peer)} · "
        f"mean Brier {row.brier:.2f} · "
        f"coverage {row.coverage:.0%}"
    )


def _calibration_block(heading: str, bins: Sequence[Bin]) -> str:
    rows = [f"{b.label:<10} {b.count:>5} {b.mean_credence:>6.1f} {b.share_yes:>6.0%}" for b in bins]
    table = "\n".join([f"{'credence':<10} {'count':>5} {'mean':>6} {'yes':>6}", *rows])
    return f"{heading}\n```\n{table}\n```"
