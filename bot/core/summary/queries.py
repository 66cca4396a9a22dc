"""The summary of a debate's cruxes: who stands where on each, how far apart, what moved, and what the linked
claims face; the counts of everything, and what changed since the last summary.

A summary reads at most ``SUMMARY_CRUXES`` of a debate's unresolved cruxes (double cruxes, then the widest spread)
and its latest resolutions (``SUMMARY_RESOLVED``) — or all of them, for the pages after the first — with the totals,
so that the first page (:mod:`bot.core.summary.pages`) can say how many more there are. It is computed in a fixed
number of queries that read only what is asked for, plus counts: the cruxes come in that order from an index of
``crux`` (the spread and each participant's stance are kept as credences are recorded, see
:mod:`bot.core.cruxes.lifecycle`), and their stances and linked claims are looked up by crux."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    Exists,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy import select as select_columns  # SQLModel's select is typed for at most four columns
from sqlalchemy.orm import Session, aliased
from sqlmodel import col, select

from bot.core.claims.arguments import edited
from bot.core.debates.lifecycle import agenda_in_guild
from bot.core.opinion.insights import Agreements, CruxMovement, agreements, movements
from bot.core.visibility import Audience, visible
from schema import (
    Claim,
    ClaimKind,
    ClaimNumber,
    ClaimStatus,
    Credence,
    Crux,
    CruxClaim,
    CruxMark,
    CruxNumber,
    CruxOutcome,
    CruxStance,
    CruxStatus,
    Debate,
    DebateFormat,
    DebateId,
    DebateStatus,
    Participant,
    Side,
    id_of,
    table_of,
)

SUMMARY_CRUXES = 10
"""How many unresolved cruxes a summary reads of each debate: double cruxes, then the widest disagreements (more
than a first page holds)."""
SUMMARY_RESOLVED = 5
"""How many resolved cruxes a summary reads of a debate: the most recently resolved."""


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

    number: ClaimNumber
    kind: ClaimKind
    text: str
    withdrawn: bool
    edited: bool
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
    number: CruxNumber
    question: str
    resolution: str | None
    stances: tuple[Stance, ...]
    claims: tuple[LinkedClaim, ...]
    spread: int
    """How far apart the participants' latest credences are (0 with fewer than two): ``crux.spread``."""
    is_double_crux: bool
    """Participants of different sides hold latest credences on opposite sides of 50 — and, in a double-crux debate,
    both marked it as a crux that would change their mind (the rule is :func:`_double_crux`)."""
    outcome: CruxOutcome | None = None
    """How a resolved crux came out, if it was given."""


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
    debate_id: DebateId
    number: int
    topic: str
    channel_id: int
    """The channel the debate's thread is in (who can see it can see the debate)."""
    unresolved: tuple[CruxSummary, ...]
    """The unresolved cruxes shown, double cruxes first, then widest disagreement first (at most the limit given to
    :func:`summarize`)."""
    resolved: tuple[CruxSummary, ...]
    """The resolved cruxes shown, most recently resolved first."""
    unresolved_total: int
    resolved_total: int
    counts: dict[ClaimKind, int] = field(default_factory=dict)
    participants: int = 0
    closed: bool = False
    changes: Changes | None = None
    """Since the last posted summary; ``None`` when none was posted yet."""
    agreements: Agreements | None = None
    """The strongest common ground between the sides, in a summary posted for everyone."""
    moved: tuple[CruxMovement, ...] = ()
    """The cruxes that moved most since the last posted summary, in a summary posted for everyone."""

    @property
    def more_unresolved(self) -> int:
        """Unresolved cruxes not shown (narrower disagreements than those shown). The total is counted by another
        statement, which outside a write may see a crux resolved or named meanwhile: never below zero."""
        return max(0, self.unresolved_total - len(self.unresolved))


def summarize(
    session: Session,
    debate: Debate,
    cruxes: int | None = SUMMARY_CRUXES,
    resolved: int | None = SUMMARY_RESOLVED,
    *,
    insights: bool = False,
) -> DebateSummary:
    """The debate's open questions — at most ``cruxes`` unresolved cruxes, double cruxes first, then the widest
    spread — and the ``resolved`` most recently resolved (``None``: all of them), with the counts of everything;
    with ``insights``, also where the sides agree and what moved since the last summary (three more statements)."""
    summary = summarize_debates(session, [debate], cruxes, resolved)[0]
    if not insights:
        return summary
    agreed = agreements(session, debate)
    moved = movements(session, debate)
    return replace(summary, agreements=agreed, moved=tuple(moved))


def summarize_debates(
    session: Session,
    debates: Sequence[Debate],
    cruxes: int | None = SUMMARY_CRUXES,
    resolved: int | None = SUMMARY_RESOLVED,
) -> list[DebateSummary]:
    """:func:`summarize` for several debates at once (the limits apply to each), in a fixed number of queries however
    many debates and records; the queries read the cruxes shown, their stances and linked claims, and counts."""
    ids = [id_of(debate) for debate in debates]
    if not ids:
        return []
    marked = {id_of(debate) for debate in debates if debate.format is DebateFormat.DOUBLE_CRUX}
    page = _page(len(ids) > 1, cruxes, resolved)
    shown = session.execute(page, {"debates": ids if len(ids) > 1 else ids[0]}).all()
    crux_ids = [row.id for row in shown]
    stances = _stances(session, crux_ids, marked)
    links = _linked_claims(session, crux_ids)
    totals = _totals(session, ids)
    by_debate: dict[int, list[tuple[Any, CruxSummary]]] = defaultdict(list)
    for row in shown:
        summary = CruxSummary(
            number=row.number,
            question=row.question,
            resolution=row.resolution,
            stances=tuple(stances.get(row.id, ())),
            claims=tuple(links.get(row.id, ())),
            spread=row.spread,
            is_double_crux=bool(row.double_crux),
            outcome=row.outcome,
        )
        by_debate[row.debate_id].append((row, summary))
    return [_debate_summary(debate, by_debate[id_of(debate)], totals[id_of(debate)]) for debate in debates]


def _debate_summary(debate: Debate, cruxes: list[tuple[Any, CruxSummary]], totals: _Totals) -> DebateSummary:
    unresolved = sorted(
        ((row, summary) for row, summary in cruxes if row.status is CruxStatus.OPEN),
        key=lambda pair: (not pair[1].is_double_crux, -pair[1].spread, pair[1].number),
    )
    resolved = sorted(
        ((row, summary) for row, summary in cruxes if row.status is CruxStatus.RESOLVED),
        key=lambda pair: (pair[0].resolved_at or _EPOCH, pair[0].number),
        reverse=True,
    )
    return DebateSummary(
        debate_id=DebateId(id_of(debate)),
        number=debate.number,
        topic=debate.topic,
        channel_id=debate.channel_id,
        unresolved=tuple(summary for _, summary in unresolved),
        resolved=tuple(summary for _, summary in resolved),
        unresolved_total=totals.cruxes.get(CruxStatus.OPEN.value, 0),
        resolved_total=totals.cruxes.get(CruxStatus.RESOLVED.value, 0),
        counts={kind: totals.claims.get(kind.value, 0) for kind in ClaimKind},
        participants=totals.participants,
        closed=debate.status is DebateStatus.CLOSED,
        changes=totals.changes() if debate.summarized_at else None,
    )


@dataclass(frozen=True, slots=True)
class AgendaSummary:
    """The summaries of the debates of a research agenda that its audience may see, in debate order."""

    name: str
    debates: tuple[DebateSummary, ...]
    hidden: int = 0
    """How many debates were left out of a public answer (see :func:`bot.core.visibility.visible`)."""


def summarize_agenda(session: Session, guild_id: int, agenda_id: int, audience: Audience) -> AgendaSummary:
    """The unresolved cruxes of every debate of the agenda (open or closed) that ``audience`` may see, grouped by
    debate: in each, the ``SUMMARY_CRUXES`` shown by :func:`summarize`."""
    agenda = agenda_in_guild(session, guild_id, agenda_id)
    statement = (
        select(Debate).where(Debate.guild_id == guild_id, Debate.agenda_id == agenda_id).order_by(col(Debate.number))
    )
    debates, hidden = visible(list(session.execute(statement).scalars()), audience)
    summaries = tuple(summarize_debates(session, debates, resolved=0))
    return AgendaSummary(name=agenda.name, debates=summaries, hidden=hidden)


# Queries: built once (building a statement costs more than SQLite running it), plain columns (no ORM objects).

_CRUX: Table = table_of(Crux)
_CLAIM: Table = table_of(Claim)
_DEBATE: Table = table_of(Debate)
_STANCE: Table = table_of(CruxStance)
_EPOCH = datetime.min.replace(tzinfo=UTC)
_NO_SIDE = 1 << 30  # participants without a side come after every side


def _double_crux() -> Exists:
    """Whether the crux (``_CRUX``, correlated) is a double crux: participants of different sides hold latest
    credences on opposite sides of 50 and, in a double-crux debate, both marked it as one that would change their
    mind. Summaries both order and mark cruxes by it.

    One pass over the crux's stances, not a pair of them (quadratic on a crux that many rate on one side of 50):
    among the stances off 50 (and marked, in a double-crux debate), some lie below 50, some above, and their holders
    are not all of one side — then a holder below and a holder above are of different sides."""
    mark = aliased(CruxMark)
    changes_mind = exists().where(
        col(mark.crux_id) == _STANCE.c.crux_id, col(mark.user_id) == _STANCE.c.user_id, col(mark.changes_mind)
    )
    side = col(Participant.side_id)
    return (
        select_columns(literal(1))
        .select_from(_STANCE)
        .join(
            Participant,
            (col(Participant.debate_id) == _CRUX.c.debate_id) & (col(Participant.user_id) == _STANCE.c.user_id),
        )
        .join(_DEBATE, _DEBATE.c.id == _CRUX.c.debate_id)
        .where(
            _STANCE.c.crux_id == _CRUX.c.id,
            _STANCE.c.latest_value != 50,
            or_(_DEBATE.c.format != DebateFormat.DOUBLE_CRUX, changes_mind),
        )
        .group_by(_STANCE.c.crux_id)
        .having(
            (func.min(_STANCE.c.latest_value) < 50)
            & (func.max(_STANCE.c.latest_value) > 50)
            & (func.min(side) != func.max(side))
        )
        .exists()
    )


_CRUX_COLUMNS = (
    _CRUX.c.id,
    _CRUX.c.debate_id,
    _CRUX.c.number,
    _CRUX.c.question,
    _CRUX.c.resolution,
    _CRUX.c.status,
    _CRUX.c.spread,
    _CRUX.c.resolved_at,
    _CRUX.c.outcome,
    _double_crux().label("double_crux"),
)
_OPEN_ORDER = (_double_crux().desc(), _CRUX.c.spread.desc(), _CRUX.c.number)
"""Double cruxes first (the questions both sides would move on), then the widest disagreements."""
_RESOLVED_ORDER = (_CRUX.c.resolved_at.desc(), _CRUX.c.number.desc())


@lru_cache(maxsize=32)
def _page(several: bool, cruxes: int | None, resolved: int | None) -> Select[Any]:
    """The cruxes shown of the debates bound as ``debates``: in each, the first ``cruxes`` open ones in
    ``_OPEN_ORDER`` and the ``resolved`` most recently resolved (``None``: all, ``0``: none), in one statement.

    For one debate (``several`` false: a summary) each part is a ``LIMIT`` over an index of ``crux``; the open part
    also asks each open crux whether it is a double crux (index lookups in its stances). For several (an agenda) each
    part numbers each debate's cruxes in that order with a window function and keeps the first ones.
    """
    parts = []
    for status, limit, order in (
        (CruxStatus.OPEN, cruxes, _OPEN_ORDER),
        (CruxStatus.RESOLVED, resolved, _RESOLVED_ORDER),
    ):
        if limit == 0:
            continue
        if not several:
            part = (
                select_columns(*_CRUX_COLUMNS)
                .where(_CRUX.c.debate_id == bindparam("debates"), _CRUX.c.status == status)
                .order_by(*order)
                .limit(limit)
            )
            parts.append(select_columns(*part.subquery().c))
            continue
        ranked = (
            select_columns(_CRUX.c.id, func.row_number().over(partition_by=_CRUX.c.debate_id, order_by=order))
            .where(_CRUX.c.debate_id.in_(bindparam("debates", expanding=True)), _CRUX.c.status == status)
            .subquery()
        )
        rank = ranked.c[1]
        parts.append(
            select_columns(*_CRUX_COLUMNS)
            .join(ranked, ranked.c.id == _CRUX.c.id)
            .where(rank <= limit if limit is not None else true())
        )
    if not parts:
        return select_columns(*_CRUX_COLUMNS).where(false())
    return parts[0] if len(parts) == 1 else union_all(*parts).subquery().select()


_SIDE = aliased(Side)
_STANCES = (
    select_columns(
        _STANCE.c.crux_id,
        _STANCE.c.user_id,
        _STANCE.c.first_value,
        _STANCE.c.latest_value,
        _STANCE.c.latest_reason,
        _STANCE.c.updates,
        _CRUX.c.debate_id,
        col(_SIDE.name),
        col(_SIDE.position),
        col(CruxMark.changes_mind),
    )
    .join(_CRUX, _CRUX.c.id == _STANCE.c.crux_id)
    .outerjoin(
        Participant,
        (col(Participant.debate_id) == _CRUX.c.debate_id) & (col(Participant.user_id) == _STANCE.c.user_id),
    )
    .outerjoin(_SIDE, col(_SIDE.id) == col(Participant.side_id))
    .outerjoin(CruxMark, (col(CruxMark.crux_id) == _STANCE.c.crux_id) & (col(CruxMark.user_id) == _STANCE.c.user_id))
    .where(_STANCE.c.crux_id.in_(bindparam("cruxes", expanding=True)))
)


def _stances(session: Session, crux_ids: list[int], marked: set[int]) -> dict[int, list[Stance]]:
    """Each shown crux's stances (from ``crux_stance``), ordered by side, then highest credence first."""
    stances: dict[int, list[tuple[tuple[int, int, int], Stance]]] = defaultdict(list)
    rows = session.execute(_STANCES, {"cruxes": crux_ids}).all()
    for crux_id, user_id, first, latest, reason, updates, debate_id, side, position, changes_mind in rows:
        stance = Stance(
            user_id=user_id,
            side=side,
            first=first,
            latest=latest,
            reason=reason,
            updates=updates,
            changes_mind=bool(changes_mind) if debate_id in marked else None,
        )
        order = (position if position is not None else _NO_SIDE, -latest, user_id)
        stances[crux_id].append((order, stance))
    return {crux_id: [stance for _, stance in sorted(found)] for crux_id, found in stances.items()}


def _linked_claims_statement() -> Select[Any]:
    claim, rebuttal, answer = _CLAIM.alias("claim"), _CLAIM.alias("rebuttal"), _CLAIM.alias("answer")

    def standing_rebuttal_of(reply: Any, parent: Any) -> Any:
        return and_(
            reply.c.parent_id == parent.c.id,
            reply.c.kind == ClaimKind.REBUTTAL,
            reply.c.status == ClaimStatus.STANDING,
        )

    rebuttals = select_columns(func.count()).where(standing_rebuttal_of(rebuttal, claim)).scalar_subquery()
    unanswered = (
        select_columns(func.count())
        .where(standing_rebuttal_of(rebuttal, claim), ~exists().where(standing_rebuttal_of(answer, rebuttal)))
        .scalar_subquery()
    )
    link = table_of(CruxClaim)
    return (
        select_columns(
            link.c.crux_id,
            claim.c.number,
            claim.c.kind,
            claim.c.text,
            claim.c.status,
            edited(claim.c.id),
            rebuttals,
            unanswered,
        )
        .join(claim, claim.c.id == link.c.claim_id)
        .where(link.c.crux_id.in_(bindparam("cruxes", expanding=True)))
        .order_by(link.c.crux_id, claim.c.number)
    )


_LINKED_CLAIMS = _linked_claims_statement()
"""The claims linked to the shown cruxes, each with its standing rebuttals counted (through ``parent_id``'s index:
only those claims' rebuttals are read) and those of them no standing rebuttal answers."""


def _linked_claims(session: Session, crux_ids: list[int]) -> dict[int, list[LinkedClaim]]:
    links: dict[int, list[LinkedClaim]] = defaultdict(list)
    rows = session.execute(_LINKED_CLAIMS, {"cruxes": crux_ids}).all()
    for crux_id, number, kind, text, status, was_edited, rebuttals, unanswered in rows:
        links[crux_id].append(
            LinkedClaim(
                number=number,
                kind=kind,
                text=text,
                withdrawn=status is ClaimStatus.WITHDRAWN,
                edited=was_edited,
                rebuttals=rebuttals or 0,
                unanswered_rebuttals=unanswered or 0,
            )
        )
    return links


@dataclass(slots=True)
class _Totals:
    """A debate's counts: claims by kind and cruxes by status (each with how many since the last summary),
    participants, credences since the last summary."""

    claims: dict[str, int] = field(default_factory=dict)
    new_claims: dict[str, int] = field(default_factory=dict)
    cruxes: dict[str, int] = field(default_factory=dict)
    new_cruxes: int = 0
    resolved_since: int = 0
    credences_since: int = 0
    participants: int = 0

    def changes(self) -> Changes:
        return Changes(
            claims={kind: self.new_claims.get(kind.value, 0) for kind in ClaimKind},
            cruxes=self.new_cruxes,
            resolved=self.resolved_since,
            credences=self.credences_since,
        )


def _totals_statement() -> Select[Any]:
    debates: Any = bindparam("debates", expanding=True)
    since = _DEBATE.c.summarized_at

    def after(moment: Any) -> Any:
        return func.coalesce(func.sum(case((moment > since, 1), else_=0)), 0)

    def key(column: Any) -> Any:
        return type_coerce(column, String)

    zero = literal(0)
    credence = table_of(Credence)
    participant = table_of(Participant)
    counts = [
        select_columns(
            _CLAIM.c.debate_id, literal("claims"), key(_CLAIM.c.kind), func.count(), after(_CLAIM.c.created_at), zero
        )
        .join(_DEBATE, _DEBATE.c.id == _CLAIM.c.debate_id)
        .where(_CLAIM.c.debate_id.in_(debates))
        .group_by(_CLAIM.c.debate_id, _CLAIM.c.kind),
        select_columns(
            _CRUX.c.debate_id,
            literal("cruxes"),
            key(_CRUX.c.status),
            func.count(),
            after(_CRUX.c.created_at),
            after(_CRUX.c.resolved_at),
        )
        .join(_DEBATE, _DEBATE.c.id == _CRUX.c.debate_id)
        .where(_CRUX.c.debate_id.in_(debates))
        .group_by(_CRUX.c.debate_id, _CRUX.c.status),
        select_columns(participant.c.debate_id, literal("participants"), literal(""), func.count(), zero, zero)
        .where(participant.c.debate_id.in_(debates))
        .group_by(participant.c.debate_id),
        # Only for debates summarized before (the condition on the debate alone skips the others' credences).
        select_columns(_CRUX.c.debate_id, literal("credences"), literal(""), func.count(), zero, zero)
        .select_from(_DEBATE)
        .join(_CRUX, _CRUX.c.debate_id == _DEBATE.c.id)
        .join(credence, credence.c.crux_id == _CRUX.c.id)
        .where(_DEBATE.c.id.in_(debates), since.is_not(None), credence.c.created_at > since)
        .group_by(_CRUX.c.debate_id),
    ]
    return union_all(*counts)  # type: ignore[return-value]


_TOTALS = _totals_statement()


def _totals(session: Session, debate_ids: list[int]) -> dict[int, _Totals]:
    """Every count the summaries need, for each debate, in one statement."""
    totals = {debate_id: _Totals() for debate_id in debate_ids}
    for debate_id, what, key, n, new, resolved in session.execute(_TOTALS, {"debates": debate_ids}).all():
        found = totals[debate_id]
        if what == "claims":
            found.claims[key] = n
            found.new_claims[key] = new
        elif what == "cruxes":
            found.cruxes[key] = n
            found.new_cruxes += new
            found.resolved_since += resolved
        elif what == "participants":
            found.participants = n
        else:
            found.credences_since = n
    return totals


CruxListStatus = Literal["open", "resolved", "all"]


def crux_list(session: Session, debate: Debate, status: CruxListStatus) -> list[CruxSummary]:
    """Every crux of the debate with that status, unlike the summary's few: the unresolved in the summary's order
    (double cruxes, then the widest spread), then the resolved, latest first."""
    summary = summarize(
        session, debate, cruxes=0 if status == "resolved" else None, resolved=0 if status == "open" else None
    )
    return [*summary.unresolved, *summary.resolved]
