"""Cruxes: naming them (by command or from a chat message), credences, resolving and reopening.

Stances: ``credence`` is the append-only record. ``crux_stance`` holds, per (crux, user), the first and the latest
credence (with its reason) and how many there were; ``crux.spread`` the distance between the participants' latest
credences. :func:`keep_stance` updates both in the transaction that appends a credence, so that a summary reads the
widest disagreements of a debate from an index (``ORDER BY spread DESC LIMIT n``) instead of every credence.

The stance upsert is a merge keyed on credence ids (the first is the lowest id, the latest the highest, the count
adds up), so concurrent credences give the same row in whatever order their transactions reach it, and the
migration's backfill (``migrations/versions/0005_…``) gives the same rows from the credence table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, bindparam, case, func, update
from sqlalchemy import select as select_columns
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col, select

from bot.core import text as t
from bot.core.claims.arguments import ChatMessage, message_text, withdraw_claim_by_id
from bot.core.claims.similar import HintTarget, Record
from bot.core.debates.formats import Action, require_allowed
from bot.core.debates.lifecycle import (
    Actor,
    by_id,
    ensure_open,
    next_number,
    numbered,
    require_moderator,
    require_own_or_moderator,
)
from bot.core.errors import InvalidInput
from bot.core.records import ClaimSnapshot, CredenceSnapshot, CruxSnapshot
from bot.core.scoring.scores import ParticipantScore, score_crux, withdraw_scores
from schema import (
    Claim,
    ClaimId,
    ClaimNumber,
    Credence,
    Crux,
    CruxClaim,
    CruxId,
    CruxNumber,
    CruxOutcome,
    CruxStance,
    CruxStatus,
    Debate,
    id_of,
    table_of,
    utcnow,
)

REPEAT_WINDOW = timedelta(seconds=10)
NO_OUTCOME = "none"
"""The resolution form's choice of no outcome (not scored)."""


@dataclass(frozen=True, slots=True)
class CredenceRecorded:
    crux: CruxSnapshot
    credence: CredenceSnapshot
    previous: int | None
    repeated: bool = False


def add_crux(
    session: Session, debate: Debate, actor: Actor, question: str, claim: ClaimNumber | None = None
) -> tuple[CruxSnapshot, ClaimSnapshot | None]:
    """Name a crux, optionally linked to claim #``claim`` of this debate; returns (the crux, the linked claim)."""
    linked = crux_claim(session, debate, claim)
    body = t.clean_text(question, "The question", t.QUESTION_MAX)
    crux = _insert(session, debate, body, author_id=actor.user_id)
    if linked is not None:
        session.add(CruxClaim(crux_id=id_of(crux), claim_id=linked.id))
        session.flush()
    return CruxSnapshot.of(crux), linked


def crux_claim(session: Session, debate: Debate, claim: ClaimNumber | None) -> ClaimSnapshot | None:
    """Claim #``claim``, which a new crux would be linked to, if any. Refuses what the phase does not allow, or an
    unknown claim — checked before a modal asks for the question, and again on naming the crux."""
    require_allowed(debate, Action.CRUX)
    return ClaimSnapshot.of(numbered(session, debate, Claim, claim)) if claim is not None else None


def log_message_as_crux(session: Session, debate: Debate, actor: Actor, message: ChatMessage) -> CruxSnapshot:
    """Name a crux from a chat message: its author stays the author, ``actor`` is who logged it."""
    require_allowed(debate, Action.CRUX)
    body = message_text(debate, message, t.QUESTION_MAX)
    statement = select(Crux).where(Crux.debate_id == debate.id, Crux.source_message_id == message.id)
    existing = session.execute(statement).scalar_one_or_none()
    if existing is not None:
        raise InvalidInput(f"That message is already logged as Crux #{existing.number}.")
    return CruxSnapshot.of(_insert(session, debate, body, author_id=message.author_id, logged_by=actor, source=message))


def _insert(
    session: Session,
    debate: Debate,
    question: str,
    *,
    author_id: int,
    logged_by: Actor | None = None,
    source: ChatMessage | None = None,
) -> Crux:
    crux = Crux(
        debate_id=id_of(debate),
        number=next_number(session, debate, "crux_seq"),
        question=question,
        author_id=author_id,
        logged_by_id=logged_by.user_id if logged_by else None,
        source_message_id=source.id if source else None,
        source_url=source.jump_url if source else None,
    )
    session.add(crux)
    session.flush()
    return crux


def crux_numbered(session: Session, debate: Debate, number: CruxNumber, *, for_update: bool = False) -> Crux:
    """Crux #``number`` of this debate, or :class:`NotFound` (see :func:`bot.core.debates.lifecycle.numbered`)."""
    return numbered(session, debate, Crux, number, for_update=for_update)


def require_percentage(value: int) -> None:
    """:class:`InvalidInput` unless ``value`` is a credence, 0 to 100."""
    if not 0 <= value <= 100:
        raise InvalidInput(f"A credence is a percentage from 0 to 100 (got {value}).")


def parse_outcome(value: str) -> CruxOutcome | None:
    """An outcome chosen in the resolution form: "yes", "no", "annulled", or ``NO_OUTCOME`` (or nothing) for none;
    :class:`InvalidInput` for anything the form does not offer."""
    if value in ("", NO_OUTCOME):
        return None
    try:
        return CruxOutcome(value)
    except ValueError:
        raise InvalidInput(f"“{t.one_line(value, 20)}” is not an outcome: choose yes, no, annulled or none.") from None


def parse_credence(value: str) -> int:
    """A credence typed as text ("70", " 70 %"), or :class:`InvalidInput`."""
    digits = value.strip().removesuffix("%").strip()
    if not digits.isdecimal():
        raise InvalidInput(f"A credence is a whole number from 0 to 100 (got “{t.as_typed(t.one_line(value, 20))}”).")
    return int(digits)


def crux_for_credence(session: Session, debate: Debate, number: CruxNumber, *, for_update: bool = False) -> Crux:
    """Crux #``number``, on which a credence would be recorded. Refuses what the phase does not allow, an unknown or
    a resolved crux — checked before the credence modal opens, and again on recording. That the debate is open is
    checked once, by finding it (``bot.core.debates.lifecycle.open_debate_in_thread``)."""
    require_allowed(debate, Action.CREDENCE)
    return _open_for_credence(crux_numbered(session, debate, number, for_update=for_update))


def crux_for_credence_by_id(session: Session, debate: Debate, crux_id: CruxId, *, for_update: bool = False) -> Crux:
    """:func:`crux_for_credence` for the crux a button or menu names by its id (looked up once, by that id)."""
    require_allowed(debate, Action.CREDENCE)
    return _open_for_credence(by_id(session, debate, Crux, crux_id, for_update=for_update))


def _open_for_credence(crux: Crux) -> Crux:
    if crux.status is CruxStatus.RESOLVED:
        raise InvalidInput(f"Crux #{crux.number} is resolved; credences are closed.")
    return crux


@dataclass(frozen=True, slots=True)
class CredenceForm:
    """What the credence form opens with: the crux, and the user's current credence on it (``None``: none yet)."""

    crux: CruxSnapshot
    current: int | None


def credence_form_by_id(session: Session, debate: Debate, actor: Actor, crux_id: CruxId) -> CredenceForm:
    """The crux a button names by its id, checked as :func:`crux_for_credence`, with the user's current credence."""
    crux = crux_for_credence_by_id(session, debate, crux_id)
    latest, _ = _latest_two(session, crux, actor.user_id)
    return CredenceForm(CruxSnapshot.of(crux), latest.value if latest is not None else None)


def picked_credence(values: Sequence[str]) -> int:
    """The credence picked in a crux message's menu: one value, a whole number from 0 to 100; else
    :class:`InvalidInput` (a forged pick)."""
    if len(values) != 1:
        raise InvalidInput("Pick one credence from the menu.")
    value = parse_credence(values[0])
    require_percentage(value)
    return value


def record_credence(
    session: Session, debate: Debate, actor: Actor, number: CruxNumber, value: int, reason: str | None = None
) -> CredenceRecorded:
    """Append the user's credence (0-100) on open crux #``number``; earlier credences are kept.

    The same value and reason sent again within ``REPEAT_WINDOW`` (a double click) is recorded once. The user's
    stance and the crux's spread (what summaries read) are updated with it; the crux's row is locked first, so
    concurrent credences on it update the spread one after the other.
    """
    return _record_credence(session, actor, crux_for_credence(session, debate, number, for_update=True), value, reason)


def record_credence_by_id(
    session: Session, debate: Debate, actor: Actor, crux_id: CruxId, value: int
) -> CredenceRecorded:
    """:func:`record_credence`, without a reason, on the crux a menu names by its id (a pick in a crux's message)."""
    return _record_credence(session, actor, crux_for_credence_by_id(session, debate, crux_id, for_update=True), value)


def _record_credence(
    session: Session, actor: Actor, crux: Crux, value: int, reason: str | None = None
) -> CredenceRecorded:
    require_percentage(value)
    why = t.optional_text(reason, "The reason", t.REASON_MAX)
    latest, earlier = _latest_two(session, crux, actor.user_id)
    if (
        latest is not None
        and (latest.value, latest.reason) == (value, why)
        and utcnow() - latest.created_at < REPEAT_WINDOW
    ):
        return CredenceRecorded(CruxSnapshot.of(crux), CredenceSnapshot.of(latest), previous=earlier, repeated=True)
    credence = Credence(crux_id=id_of(crux), user_id=actor.user_id, value=value, reason=why)
    session.add(credence)
    session.flush()
    keep_stance(session, credence)
    previous = latest.value if latest else None
    return CredenceRecorded(CruxSnapshot.of(crux), CredenceSnapshot.of(credence), previous=previous)


def _latest_two(session: Session, crux: Crux, user_id: int) -> tuple[Credence | None, int | None]:
    """The user's latest credence on the crux and the value before it."""
    statement = (
        select(Credence)
        .where(Credence.crux_id == crux.id, Credence.user_id == user_id)
        .order_by(col(Credence.id).desc())
        .limit(2)
    )
    rows = list(session.execute(statement).scalars())
    return (rows[0] if rows else None), (rows[1].value if len(rows) > 1 else None)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A crux just resolved, and the participants' scores on it (best first; none unless it resolved yes or no)."""

    crux: CruxSnapshot
    scores: list[ParticipantScore]


def resolve_crux(
    session: Session,
    debate: Debate,
    actor: Actor,
    number: CruxNumber,
    resolution: str,
    outcome: CruxOutcome | None = None,
    source: str | None = None,
) -> Resolved:
    """Mark open crux #``number`` resolved with the given resolution, outcome and source link (moderators only); a
    crux that resolves yes or no has every participant's credence history scored."""
    crux = resolvable_crux(session, debate, actor, number, for_update=True)
    body = t.clean_text(resolution, "The resolution", t.RESOLUTION_MAX)
    url = t.optional_url(source, "The source link", t.URL_MAX)
    crux.status = CruxStatus.RESOLVED
    crux.resolution = body
    crux.outcome = outcome
    crux.resolution_url = url
    crux.resolved_by_id = actor.user_id
    crux.resolved_at = utcnow()
    session.add(crux)
    session.flush()
    return Resolved(crux=CruxSnapshot.of(crux), scores=score_crux(session, crux))


def resolvable_crux(
    session: Session, debate: Debate, actor: Actor, number: CruxNumber, *, for_update: bool = False
) -> Crux:
    """Crux #``number``, if ``actor`` may resolve it: a moderator, an open debate, an open crux — checked before the
    resolution modal opens, and again on resolving (``for_update``: with its row locked, so that no credence is
    recorded between scoring and the commit)."""
    ensure_open(debate)
    require_moderator(debate, actor, "resolve a crux")
    crux = crux_numbered(session, debate, number, for_update=for_update)
    require_open(crux)
    return crux


def resolvable_crux_by_id(session: Session, debate: Debate, actor: Actor, crux_id: CruxId) -> CruxSnapshot:
    """:func:`resolvable_crux` for the crux a button names by its id (looked up once, by that id)."""
    ensure_open(debate)
    require_moderator(debate, actor, "resolve a crux")
    crux = by_id(session, debate, Crux, crux_id)
    require_open(crux)
    return CruxSnapshot.of(crux)


def require_open(crux: Crux) -> None:
    """:class:`InvalidInput` if the crux is resolved already."""
    if crux.status is CruxStatus.RESOLVED:
        raise InvalidInput(f"Crux #{crux.number} is already resolved: {t.one_line(crux.resolution or '', 200)}")


def reopen_crux(session: Session, debate: Debate, actor: Actor, number: CruxNumber) -> CruxSnapshot:
    """Reopen resolved crux #``number`` (moderators only); credences can be recorded on it again. Its outcome and
    scores are withdrawn until it resolves again."""
    require_moderator(debate, actor, "reopen a crux")
    crux = crux_numbered(session, debate, number, for_update=True)
    if crux.status is CruxStatus.OPEN:
        raise InvalidInput(f"Crux #{crux.number} is open already.")
    withdraw_scores(session, crux)
    crux.status = CruxStatus.OPEN
    crux.resolution = crux.resolved_by_id = crux.resolved_at = crux.resolution_url = None
    crux.outcome = None
    session.add(crux)
    session.flush()
    return CruxSnapshot.of(crux)


# Stances ------------------------------------------------------------------------------------------------------

_STANCE: Table = table_of(CruxStance)
_CRUX: Table = table_of(Crux)


def _stance_upsert(insert: Any) -> Any:
    statement = insert(_STANCE)
    new, old = statement.excluded, _STANCE.c
    earlier = new.first_credence_id < old.first_credence_id
    later = new.latest_credence_id > old.latest_credence_id
    return statement.on_conflict_do_update(
        index_elements=[old.crux_id, old.user_id],
        set_={
            "first_credence_id": case((earlier, new.first_credence_id), else_=old.first_credence_id),
            "first_value": case((earlier, new.first_value), else_=old.first_value),
            "latest_credence_id": case((later, new.latest_credence_id), else_=old.latest_credence_id),
            "latest_value": case((later, new.latest_value), else_=old.latest_value),
            "latest_reason": case((later, new.latest_reason), else_=old.latest_reason),
            "updated_at": case((later, new.updated_at), else_=old.updated_at),
            "updates": old.updates + new.updates,
        },
    )


_UPSERT = {"sqlite": _stance_upsert(sqlite.insert), "postgresql": _stance_upsert(postgresql.insert)}
_SPREAD = (
    update(_CRUX)
    .where(_CRUX.c.id == bindparam("crux"))
    .values(
        spread=select_columns(func.max(_STANCE.c.latest_value) - func.min(_STANCE.c.latest_value))
        .where(_STANCE.c.crux_id == bindparam("crux"))
        .scalar_subquery()
    )
)
"""Built once: building a statement costs more than running it."""


def keep_stance(session: Session, credence: Credence) -> None:
    """Fold a just-appended credence (flushed, so it has its id) into its stance row and its crux's spread."""
    session.execute(
        _UPSERT[session.get_bind().dialect.name],
        {
            "crux_id": credence.crux_id,
            "user_id": credence.user_id,
            "first_credence_id": id_of(credence),
            "first_value": credence.value,
            "latest_credence_id": id_of(credence),
            "latest_value": credence.value,
            "latest_reason": credence.reason,
            "updates": 1,
            "updated_at": credence.created_at,
        },
    )
    session.execute(_SPREAD, {"crux": credence.crux_id})


def withdraw_crux_by_id(
    session: Session, debate: Debate, actor: Actor, crux_id: CruxId, in_favour_of: CruxNumber
) -> CruxSnapshot:
    """Withdraw the crux a similar-record hint's button names, as the same question as crux #``in_favour_of``: its
    author, or a moderator, may. It stays in the record, closed as annulled (never scored), saying why."""
    crux = by_id(session, debate, Crux, crux_id)
    require_own_or_moderator(debate, actor, crux.author_id, f"Crux #{crux.number}")
    if crux.status is CruxStatus.RESOLVED:
        raise InvalidInput(f"Crux #{crux.number} is already closed: {t.one_line(crux.resolution or '', 200)}")
    crux.status, crux.outcome = CruxStatus.RESOLVED, CruxOutcome.ANNULLED
    crux.resolution = f"Withdrawn in favour of Crux #{in_favour_of} (the same crux)."
    crux.resolved_by_id, crux.resolved_at = actor.user_id, utcnow()
    session.add(crux)
    session.flush()
    return CruxSnapshot.of(crux)


def withdraw_in_favour(session: Session, debate: Debate, actor: Actor, hint: HintTarget) -> str:
    """Withdraw the new record of a hint in favour of the original, for its author or a moderator; what to say."""
    if hint.record is Record.CLAIM:
        claim = withdraw_claim_by_id(session, debate, actor, ClaimId(hint.new_id))
        return f"Claim #{claim.number} withdrawn in favour of Claim #{hint.original_number}."
    crux = withdraw_crux_by_id(session, debate, actor, CruxId(hint.new_id), CruxNumber(hint.original_number))
    return f"Crux #{crux.number} withdrawn in favour of Crux #{hint.original_number}."
