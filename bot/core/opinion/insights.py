"""Where the sides agree and who moved, read from a debate's stances (the rules are in
:mod:`bot.core.opinion.commonground` and ``docs/scoring.md``).

Each takes a fixed number of statements whatever the debate's size: common ground counts, per open crux and side,
the participants leaning each way (an aggregate over ``crux_stance``), then reads the questions of the strongest;
movement sums, in SQL, the moves on the stances updated since the last summary (each with the credence that stood
then: an index lookup per stance in ``credence``), then reads who moved on the cruxes that moved most.

Synchronous use cases taking a session first, run as one job by the database layer (``Database.query``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Subquery, Table, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from bot.core.opinion.commonground import Agreement, Leans, common_ground
from schema import Credence, Crux, CruxId, CruxNumber, CruxStance, CruxStatus, Debate, Participant, id_of, table_of

SUMMARY_AGREEMENTS = 3
"""How many common-ground cruxes a summary names: the strongest."""
SUMMARY_MOVED = 3
"""How many cruxes a summary names as having moved most."""

_STANCE: Table = table_of(CruxStance)
_CRUX: Table = table_of(Crux)
_CREDENCE: Table = table_of(Credence)
_PARTICIPANT: Table = table_of(Participant)
_DEBATE: Table = table_of(Debate)


@dataclass(frozen=True, slots=True)
class CommonGround:
    """An open crux the sides agree on."""

    number: CruxNumber
    question: str
    agreement: Agreement


@dataclass(frozen=True, slots=True)
class Agreements:
    """The strongest common-ground cruxes of a debate (strongest first) and how many there are."""

    strongest: tuple[CommonGround, ...]
    total: int


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_LEANS = (
    select(
        _CRUX.c.id,
        _CRUX.c.number,
        _PARTICIPANT.c.side_id,
        _count(_STANCE.c.latest_value > 50),
        _count(_STANCE.c.latest_value < 50),
        _count(_STANCE.c.latest_value == 50),
    )
    .select_from(_STANCE)
    .join(_CRUX, _CRUX.c.id == _STANCE.c.crux_id)
    .join(
        _PARTICIPANT,
        (_PARTICIPANT.c.debate_id == _CRUX.c.debate_id) & (_PARTICIPANT.c.user_id == _STANCE.c.user_id),
    )
    .group_by(_CRUX.c.id, _CRUX.c.number, _PARTICIPANT.c.side_id)
)
"""Per crux and side: how many of the side's participants lean yes, no, neither (participants without a side are
not in a group, so not counted)."""


def agreements(session: Session, debate: Debate, limit: int = SUMMARY_AGREEMENTS) -> Agreements:
    """The debate's open cruxes that are common ground between its sides: the ``limit`` strongest (ties: the lower
    number first) with their questions, and how many in all."""
    statement = _LEANS.where(_CRUX.c.debate_id == id_of(debate), _CRUX.c.status == CruxStatus.OPEN)
    by_crux: dict[tuple[CruxId, CruxNumber], list[Leans]] = defaultdict(list)
    for crux_id, number, _side, yes, no, neither in session.execute(statement):
        by_crux[(crux_id, number)].append(Leans(yes=yes, no=no, neither=neither))
    found = [
        (agreement, crux_id, number)
        for (crux_id, number), sides in by_crux.items()
        if (agreement := common_ground(sides)) is not None
    ]
    found.sort(key=lambda item: (-item[0].strength, item[2]))
    shown = found[:limit]
    questions = dict(
        session.execute(
            select(_CRUX.c.id, _CRUX.c.question).where(_CRUX.c.id.in_([crux_id for _, crux_id, _ in shown]))
        ).all()
    )
    return Agreements(
        strongest=tuple(CommonGround(number, questions[crux_id], agreement) for agreement, crux_id, number in shown),
        total=len(found),
    )


@dataclass(frozen=True, slots=True)
class Move:
    """A participant's move on a crux since the last summary: from ``before`` to ``latest``, with the reason given
    with the latest credence."""

    user_id: int
    before: int
    latest: int
    reason: str | None


@dataclass(frozen=True, slots=True)
class CruxMovement:
    """How far the participants moved on a crux since the last summary (Σ |latest − before|), and who moved."""

    number: CruxNumber
    question: str
    total: int
    moves: tuple[Move, ...]
    """Largest move first."""


def _moves() -> Subquery:
    """Each move on a crux of the debate bound as ``debate`` since its last summary (since it began, before the
    first): the stance's latest credence and the one that stood at that summary (its first credence, before the
    first summary), where they differ. A participant new since has no credence then: new, not a move."""
    since = _DEBATE.c.summarized_at
    at_summary = (
        select(_CREDENCE.c.value)
        .where(
            _CREDENCE.c.crux_id == _STANCE.c.crux_id,
            _CREDENCE.c.user_id == _STANCE.c.user_id,
            _CREDENCE.c.created_at <= since,
        )
        .order_by(_CREDENCE.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    before = case((since.is_(None), _STANCE.c.first_value), else_=at_summary)
    stances = (
        select(
            _CRUX.c.id.label("crux_id"),
            _CRUX.c.number,
            _STANCE.c.user_id,
            before.label("before"),
            _STANCE.c.latest_value.label("latest"),
            _STANCE.c.latest_reason.label("reason"),
        )
        .select_from(_DEBATE)
        .join(_CRUX, _CRUX.c.debate_id == _DEBATE.c.id)
        .join(_STANCE, _STANCE.c.crux_id == _CRUX.c.id)
        .where(_DEBATE.c.id == bindparam("debate"), or_(since.is_(None), _STANCE.c.updated_at > since))
        .subquery()
    )
    return select(stances).where(stances.c.before != stances.c.latest).subquery()


_MOVES = _moves()
_DISTANCE = func.sum(func.abs(_MOVES.c.latest - _MOVES.c.before))
_MOST_MOVED = (
    select(_MOVES.c.crux_id, _MOVES.c.number, _DISTANCE.label("total"))
    .group_by(_MOVES.c.crux_id, _MOVES.c.number)
    .order_by(_DISTANCE.desc(), _MOVES.c.number)
    .limit(bindparam("limit"))
)
"""The cruxes that moved most (Σ |latest − before| over the participants), most first."""
_MOVES_ON = (
    select(_MOVES.c.crux_id, _MOVES.c.user_id, _MOVES.c.before, _MOVES.c.latest, _MOVES.c.reason, _CRUX.c.question)
    .join(_CRUX, _CRUX.c.id == _MOVES.c.crux_id)
    .where(_MOVES.c.crux_id.in_(bindparam("cruxes", expanding=True)))
)
_MOVED_BY = select(_MOVES.c.user_id, func.count()).group_by(_MOVES.c.user_id)
"""On how many cruxes each participant moved."""


def movements(session: Session, debate: Debate, limit: int = SUMMARY_MOVED) -> list[CruxMovement]:
    """The ``limit`` cruxes of the debate on which participants moved most since the last summary (since it began,
    before the first), most movement first (ties: the lower number first), each with who moved."""
    most = session.execute(_MOST_MOVED, {"debate": id_of(debate), "limit": limit}).all()
    if not most:
        return []
    moves: dict[int, list[Move]] = defaultdict(list)
    questions: dict[int, str] = {}
    for crux_id, user_id, before, latest, reason, question in session.execute(
        _MOVES_ON, {"debate": id_of(debate), "cruxes": [row.crux_id for row in most]}
    ):
        moves[crux_id].append(Move(user_id, before, latest, reason))
        questions[crux_id] = question
    return [
        CruxMovement(
            number=row.number,
            question=questions[row.crux_id],
            total=row.total,
            moves=tuple(sorted(moves[row.crux_id], key=lambda move: (-abs(move.latest - move.before), move.user_id))),
        )
        for row in most
    ]


def moved_by(session: Session, debate: Debate) -> dict[int, int]:
    """On how many cruxes each participant moved since the last summary (since the debate began, before the first)."""
    return {user_id: n for user_id, n in session.execute(_MOVED_BY, {"debate": id_of(debate)})}


@dataclass(frozen=True, slots=True)
class Glance:
    """For ``/debate status``: how many open cruxes are common ground, and on how many cruxes each participant moved
    since the last summary."""

    common_ground: int
    moved_by: dict[int, int]


def glance(session: Session, debate: Debate) -> Glance:
    """Common ground counted, and the moves since the last summary counted per participant."""
    return Glance(
        common_ground=agreements(session, debate, limit=0).total,
        moved_by=moved_by(session, debate),
    )
