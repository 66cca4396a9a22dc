"""Where the sides agree and who moved, read from a debate's stances (the rules are in
:mod:`bot.core.commonground` and ``docs/scoring.md``).

Each is one statement whatever the debate's size: common ground counts, per open crux and side, the participants
leaning each way (an aggregate over ``crux_stance``); movement reads only the stances updated since the last summary,
each with the credence that stood then (an index lookup per stance in ``credence``).

Synchronous use cases taking a session first; async callers run them with ``AsyncSession.run_sync``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Table, case, func, or_, select
from sqlalchemy.orm import Session

from bot.core.commonground import Agreement, Leans, common_ground, movement
from schema import Credence, Crux, CruxStance, CruxStatus, Debate, Participant, id_of

SUMMARY_AGREEMENTS = 3
"""How many common-ground cruxes a summary names: the strongest."""
SUMMARY_MOVED = 3
"""How many cruxes a summary names as having moved most."""

_STANCE: Table = CruxStance.__table__  # type: ignore[attr-defined]
_CRUX: Table = Crux.__table__  # type: ignore[attr-defined]
_CREDENCE: Table = Credence.__table__  # type: ignore[attr-defined]
_PARTICIPANT: Table = Participant.__table__  # type: ignore[attr-defined]
_DEBATE: Table = Debate.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class CommonGround:
    """An open crux the sides agree on."""

    number: int
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
    by_crux: dict[tuple[int, int], list[Leans]] = defaultdict(list)
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

    number: int
    question: str
    total: int
    moves: tuple[Move, ...]
    """Largest move first."""


def _movement_statement() -> Select[Any]:
    since = _DEBATE.c.summarized_at
    before_summary = (
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
    return (
        select(
            _CRUX.c.number,
            _CRUX.c.question,
            _STANCE.c.user_id,
            case((since.is_(None), _STANCE.c.first_value), else_=before_summary).label("before"),
            _STANCE.c.latest_value,
            _STANCE.c.latest_reason,
        )
        .select_from(_DEBATE)
        .join(_CRUX, _CRUX.c.debate_id == _DEBATE.c.id)
        .join(_STANCE, _STANCE.c.crux_id == _CRUX.c.id)
        .where(or_(since.is_(None), _STANCE.c.updated_at > since))
    )


_MOVEMENT = _movement_statement()
"""Each stance updated since the debate's last summary (every stance, before the first), with the credence that
stood at that summary (its first credence, before the first summary; none for a participant new since)."""


def movements(session: Session, debate: Debate) -> list[CruxMovement]:
    """The debate's cruxes on which participants moved since the last summary (since it began, before the first),
    most movement first (ties: the lower number first)."""
    rows = session.execute(_MOVEMENT.where(_DEBATE.c.id == id_of(debate)))
    cruxes: dict[int, tuple[str, dict[int, int], dict[int, tuple[int, str | None]]]] = {}
    for number, question, user_id, before, latest, reason in rows:
        _, befores, nows = cruxes.setdefault(number, (question, {}, {}))
        nows[user_id] = (latest, reason)
        if before is not None:
            befores[user_id] = before
    found = []
    for number, (question, befores, nows) in cruxes.items():
        moved = movement(befores, {user_id: latest for user_id, (latest, _) in nows.items()})
        if moved:
            moves = sorted(
                (Move(user_id, befores[user_id], *nows[user_id]) for user_id in moved),
                key=lambda move: (-moved[move.user_id], move.user_id),
            )
            found.append(CruxMovement(number, question, sum(moved.values()), tuple(moves)))
    return sorted(found, key=lambda crux: (-crux.total, crux.number))


def cruxes_moved_by(found: list[CruxMovement]) -> dict[int, int]:
    """On how many of these cruxes each participant moved."""
    counts: dict[int, int] = defaultdict(int)
    for crux in found:
        for move in crux.moves:
            counts[move.user_id] += 1
    return dict(counts)


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
        moved_by=cruxes_moved_by(movements(session, debate)),
    )
