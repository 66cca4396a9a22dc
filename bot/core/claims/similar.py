"""Similar records: the rule for hinting that a new claim or crux repeats one already in the debate, its wording,
withdrawing the new one in favour of the old, and the stored vectors the comparison reads.

The vectors themselves (bytes) come from ``bot.runtime.semantic`` through ``bot.runtime.similar``; nothing here needs
the model.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session
from sqlmodel import col, select

from bot.core import text as t
from bot.core.records import RecordId, RecordNumber
from schema import (
    Claim,
    ClaimId,
    ClaimKind,
    ClaimNumber,
    ClaimStatus,
    ClaimVector,
    Crux,
    CruxId,
    CruxNumber,
    CruxStatus,
    CruxVector,
    DebateId,
)

DUPLICATE_THRESHOLD = 0.70
"""Cosine similarity from which a new record is hinted to repeat an earlier one. Chosen on the labelled pairs in
``tests/data/`` (``python -m benchmarks.similarity``): the lowest threshold whose precision is at least 0.9 there,
counting paraphrases and negations as wanted hints and same-topic different points as unwanted."""
QUOTE_MAX = 200
HINT_SPACING = 10.0
"""Seconds after a hint during which the same debate gets no other: hints are for people, not for floods."""
COMPARED = 500
"""A new record is compared with at most this many of the debate's latest records (its own kind)."""


class Record(enum.StrEnum):
    """Which kind of record a vector belongs to."""

    CLAIM = "claim"
    CRUX = "crux"


@dataclass(frozen=True, slots=True)
class Entry:
    """A record as compared: its id, number, text, and stored vector (``None`` if missing or another model's)."""

    id: RecordId
    number: RecordNumber
    text: str
    vector: bytes | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    """A new record and the debate's earlier records it may repeat."""

    record: Record
    debate_id: DebateId
    new: Entry
    earlier: list[Entry]
    """Empty for rebuttals and supports: only claims and cruxes get a hint; the others are only embedded."""


@dataclass(frozen=True, slots=True)
class Hint:
    """“#new looks like #original”: what the follow-up to the answer says, and what its button withdraws."""

    record: Record
    new_id: RecordId
    new_number: RecordNumber
    original_id: RecordId
    original_number: RecordNumber
    original_text: str
    similarity: float

    @property
    def label(self) -> str:
        return "Crux" if self.record is Record.CRUX else "Claim"

    @property
    def text(self) -> str:
        """The hint, worded so that it reads right whether the new record repeats the original or negates it."""
        new, original = f"{self.label} #{self.new_number}", f"{self.label} #{self.original_number}"
        quote = t.one_line(self.original_text, QUOTE_MAX)
        if self.record is Record.CRUX:
            advice = (
                "A question and its negation are usually the same crux: if so, withdraw "
                f"#{self.new_number} and record credences on #{self.original_number}."
            )
        else:
            advice = (
                f"If it says the same, withdraw #{self.new_number} in its favour; if it says the opposite, "
                f"it answers #{self.original_number} — a rebuttal of it may fit better."
            )
        return f"{new} looks like {original}: “{quote}”\n{advice} Nothing is merged unless you choose to."

    @property
    def button_label(self) -> str:
        return f"Withdraw #{self.new_number} in favour of #{self.original_number}"

    @property
    def target(self) -> HintTarget:
        return HintTarget(self.record, self.new_id, self.original_number)


def duplicate_hint(comparison: Comparison, best: tuple[Entry, float] | None) -> Hint | None:
    """The hint for the most similar earlier record, if a hint is wanted and it is at least ``DUPLICATE_THRESHOLD``."""
    if best is None or best[1] < DUPLICATE_THRESHOLD:
        return None
    original, similarity = best
    new = comparison.new
    return Hint(comparison.record, new.id, new.number, original.id, original.number, original.text, similarity)


def comparison(session: Session, record: Record, record_id: RecordId, model: str) -> Comparison | None:
    """The new record and the debate's earlier ones it may repeat (standing claims for a claim, open cruxes for a
    crux, none for a rebuttal or a support) with their stored vectors; ``None`` if the record is gone."""
    if record is Record.CLAIM:
        claim = session.get(Claim, record_id)
        if claim is None:
            return None
        new = _entry(record, record_id, claim.number, claim.text)
        debate_id = DebateId(claim.debate_id)
        if claim.kind is not ClaimKind.CLAIM:
            return Comparison(record, debate_id, new, [])
        earlier = claim_entries(session, debate_id, model, before=ClaimNumber(claim.number), kind=ClaimKind.CLAIM)
        return Comparison(record, debate_id, new, earlier)
    crux = session.get(Crux, record_id)
    if crux is None:
        return None
    statement = (
        select(col(Crux.id), col(Crux.number), col(Crux.question), col(CruxVector.vector))
        .outerjoin(CruxVector, (col(CruxVector.crux_id) == Crux.id) & (col(CruxVector.model) == model))
        .where(Crux.debate_id == crux.debate_id, Crux.status == CruxStatus.OPEN, col(Crux.number) < crux.number)
        .order_by(col(Crux.number).desc())
        .limit(COMPARED)
    )
    earlier = [_entry(record, *row) for row in session.execute(statement).all()]
    new = _entry(record, record_id, crux.number, crux.question)
    return Comparison(record, DebateId(crux.debate_id), new, earlier)


def claim_entries(
    session: Session,
    debate_id: DebateId,
    model: str,
    *,
    before: ClaimNumber | None = None,
    kind: ClaimKind | None = None,
    ids: Sequence[ClaimId] | None = None,
) -> list[Entry]:
    """The debate's standing claims (numbered below ``before``, of ``kind``, among ``ids``: each if given) with their
    stored vectors, the latest ``COMPARED`` first."""
    statement = (
        select(col(Claim.id), col(Claim.number), col(Claim.text), col(ClaimVector.vector))
        .outerjoin(ClaimVector, (col(ClaimVector.claim_id) == Claim.id) & (col(ClaimVector.model) == model))
        .where(Claim.debate_id == debate_id, Claim.status == ClaimStatus.STANDING)
        .order_by(col(Claim.number).desc())
        .limit(COMPARED)
    )
    if before is not None:
        statement = statement.where(col(Claim.number) < before)
    if kind is not None:
        statement = statement.where(Claim.kind == kind)
    if ids is not None:
        statement = statement.where(col(Claim.id).in_(ids))
    return [_entry(Record.CLAIM, *row) for row in session.execute(statement).all()]


def _entry(record: Record, record_id: int | None, number: int, text: str, vector: bytes | None = None) -> Entry:
    """The entry of a claim or a crux read from its columns: where its id and number get their types."""
    if record is Record.CLAIM:
        return Entry(ClaimId(record_id or 0), ClaimNumber(number), text, vector)
    return Entry(CruxId(record_id or 0), CruxNumber(number), text, vector)


def store_vectors(session: Session, record: Record, vectors: Sequence[tuple[int, bytes]], model: str) -> None:
    """Keep the vectors of these records (replacing older ones); records deleted meanwhile are skipped."""
    table, parent = (ClaimVector, Claim) if record is Record.CLAIM else (CruxVector, Crux)
    key = f"{record.value}_id"
    ids = [record_id for record_id, _ in vectors]
    existing = set(session.execute(select(col(parent.id)).where(col(parent.id).in_(ids))).scalars())
    session.execute(delete(table).where(getattr(table, key).in_(ids)))
    rows = [{key: record_id, "model": model, "vector": data} for record_id, data in vectors if record_id in existing]
    if rows:
        session.execute(insert(table), rows)


@dataclass(frozen=True, slots=True)
class HintTarget:
    """What a hint's button carries: the kind of record, the new record's id, the original's number."""

    record: Record
    new_id: RecordId
    original_number: RecordNumber

    @classmethod
    def of(cls, record: Record, new_id: int, original_number: int) -> HintTarget:
        """The target a button's custom_id names: the ids and numbers of ``record``'s kind."""
        if record is Record.CLAIM:
            return cls(record, ClaimId(new_id), ClaimNumber(original_number))
        return cls(record, CruxId(new_id), CruxNumber(original_number))
