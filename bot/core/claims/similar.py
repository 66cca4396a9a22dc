"""Similar records: the rule for hinting that a new claim or crux repeats one already in the debate, its wording,
withdrawing the new one in favour of the old, and the stored vectors the comparison reads.

The vectors themselves (bytes) come from ``bot.runtime.semantic`` through ``bot.runtime.similar``; nothing here needs
the model.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import delete, insert
from sqlalchemy import select as select_columns  # SQLModel's select is typed for at most four columns
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

DUPLICATE_THRESHOLD = 0.82
"""Cosine similarity from which a new claim is hinted to repeat an earlier one. Chosen on the development part of
the real pairs (``tests/data/real/``, ``python -m benchmarks.similarity``): the lowest threshold whose precision is at
least 0.85 there (a claim and the key point it makes against a claim and another key point of the same topic)."""
CRUX_DUPLICATE_THRESHOLD = 0.70
"""The same for cruxes, where a question and its negation are one crux. Chosen on the written pairs (no real crux
questions are labelled): the lowest threshold with precision 0.9 there."""
QUOTE_MAX = 200
HINT_SPACING = 10.0
"""Seconds after a hint during which the same debate gets no other: hints are for people, not for floods."""
COMPARED = 500
"""A new record is compared with at most this many of the debate's latest records (its own kind)."""


OPPOSITE_THRESHOLD = 0.70
"""Cosine similarity from which a record that says the contrary of an earlier one is hinted as answering it."""
OVERLAP_WEIGHT = 0.1
"""Weight, beside the cosine, of the words a reply shares with a candidate and with few of the others (0 to 1);
chosen on the development part of the real rebuttal targets."""
QUOTED_BONUS = 1.0
"""Added to a candidate the reply quotes: a quotation names what it answers, whatever the wording around it."""
ADJACENT_BONUS = 0.3
"""Added to the message a reply comes right after, when another author wrote it. Chosen on the development threads
of the real drafting set (each message's target among the messages before it): top-1 96/238 by meaning alone,
120 with 0.1, 133 with 0.3, 134 with 0.5."""
QUOTE_MIN_WORDS = 4
"""A quoted span counts when it has at least this many words and the candidate has them in the same order."""

K = TypeVar("K", bound=Hashable)
_NEGATION = re.compile(r"\b(?:not|no|never|nothing|none|nobody|neither|nor|cannot|without)\b|n't\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_QUOTED = re.compile(r"[“\"«]([^”\"»]+)[”\"»]|^>\s?(.+)$", re.MULTILINE)
_ANTONYMS = (
    ("increase", "decrease"),
    ("increase", "reduce"),
    ("increases", "reduces"),
    ("increases", "decreases"),
    ("more", "less"),
    ("more", "fewer"),
    ("safe", "dangerous"),
    ("good", "bad"),
    ("better", "worse"),
    ("best", "worst"),
    ("higher", "lower"),
    ("rise", "fall"),
    ("strong", "weak"),
    ("right", "wrong"),
    ("true", "false"),
    ("positive", "negative"),
    ("improve", "worsen"),
    ("improves", "worsens"),
    ("support", "oppose"),
    ("allow", "forbid"),
    ("success", "failure"),
    ("gain", "loss"),
    ("win", "lose"),
    ("cheap", "expensive"),
    ("easy", "hard"),
    ("easier", "harder"),
    ("likely", "unlikely"),
)
"""Everyday opposites (a word in one text, its opposite in the other): a general list, not drawn from any data set.
Words that negate what they govern are in ``_NEGATIVE_WORDS`` instead ("bans" is "does not allow")."""
_PREFIXES = ("un", "in", "im", "il", "ir", "non", "dis")
_NEGATIVE_WORDS = frozenset(
    _WORD.findall(
        "ban banned bans against harm harms harmful lack lacks fail fails impossible useless ineffective violate "
        "violates unable prevent prevents stop stops"
    )
)
"""Words that negate what they govern ("bans X", "X is useless"): counted with "not" in a short statement's
polarity, so that "should not be banned" reads as "should be allowed". Chosen on the development part."""
_SHORT = 12
"""Words up to which a statement's negations are read as its polarity (a longer text negates many things)."""
_FUNCTION_WORDS = frozenset(
    _WORD.findall(
        "a an the of to in on for and or but is are was were be been being it its this that these those with "
        "as by at from should would could can will we they he she you i their our his her them us do does did "
        "have has had than then so such also very just into about over under only other which who what when "
        "where why how all any some each there here if may might must because however not no"
    )
)


class Likeness(enum.StrEnum):
    """What an earlier record is to a new one whose wording is close to it."""

    SAME = "same"
    """It says the same: the new record may be withdrawn in its favour."""
    OPPOSITE = "opposite"
    """It says the contrary: the new record answers it (a rebuttal), it does not repeat it."""


def likeness(new: str, original: str, similarity: float, *, other_side: bool = False) -> Likeness | None:
    """Whether ``new`` says the same as ``original`` or its opposite, given the cosine similarity of their vectors;
    ``None``: not close enough for a hint. A claim of the other side (``other_side``), or one worded as the contrary
    (:func:`contrary`), is an opposite: it answers the original, it never repeats it."""
    if other_side or contrary(new, original):
        return Likeness.OPPOSITE if similarity >= OPPOSITE_THRESHOLD else None
    return Likeness.SAME if similarity >= DUPLICATE_THRESHOLD else None


def contrary(first: str, second: str) -> bool:
    """Whether two statements close in wording are worded as each other's contrary: one has a word the other has
    with a negating prefix ("fair", "unfair") or an everyday opposite ("more", "less"), or, both short, one is
    negated and the other not ("X works", "X doesn't work"; "X should be allowed", "X should not be banned" are
    the same)."""
    words, others = _words(first), _words(second)
    flipped = _negated_prefix(words, others) or _negated_prefix(others, words) or _opposite_words(words, others)
    short = len(words) <= _SHORT and len(others) <= _SHORT
    negated = short and _negations(first, words) % 2 != _negations(second, others) % 2
    return flipped != negated  # "not banned" is "allowed"


def _negations(text: str, words: Sequence[str]) -> int:
    return len(_NEGATION.findall(text)) + sum(word in _NEGATIVE_WORDS for word in words)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold().replace("’", "'"))


def _negated_prefix(words: Sequence[str], others: Sequence[str]) -> bool:
    """Whether a word of ``words`` is a word of ``others`` with a negating prefix that ``others`` lacks."""
    plain, negated = set(others), set(words) - set(others)
    return any(w.startswith(p) and len(w) > len(p) + 3 and w[len(p) :] in plain for w in negated for p in _PREFIXES)


def _opposite_words(words: Sequence[str], others: Sequence[str]) -> bool:
    one, two = set(words), set(others)
    return any(
        (a in one and b in two and b not in one and a not in two)
        or (b in one and a in two and a not in one and b not in two)
        for a, b in _ANTONYMS
    )


@dataclass(frozen=True, slots=True)
class Candidate(Generic[K]):
    """A claim a reply may answer: its key, text, cosine similarity to the reply, and whether it is the claim the
    reply comes right after (by another author)."""

    key: K
    text: str
    similarity: float
    just_before: bool = False


def ranked_targets(reply: str, candidates: Sequence[Candidate[K]]) -> list[K]:
    """The keys of the claims ``reply`` may answer, the likeliest first: by meaning (the cosine), the words it shares
    with a candidate rather than with the others, a quotation of the candidate, and coming right after it."""
    shared = _distinctive_overlap(reply, [candidate.text for candidate in candidates])
    quoted = _quoted_spans(reply)

    def score(index: int) -> float:
        candidate = candidates[index]
        quotes = any(_contains(candidate.text, span) for span in quoted)
        return (
            candidate.similarity
            + OVERLAP_WEIGHT * shared[index]
            + QUOTED_BONUS * quotes
            + ADJACENT_BONUS * candidate.just_before
        )

    return [candidates[index].key for index in sorted(range(len(candidates)), key=lambda index: -score(index))]


def _content_words(text: str) -> set[str]:
    return {word[:6] for word in _words(text) if len(word) > 2 and word not in _FUNCTION_WORDS}


def _distinctive_overlap(reply: str, texts: Sequence[str]) -> list[float]:
    """Per text, the share of its distinctive words (weighted by how few of the texts have them) found in ``reply``."""
    words = [_content_words(text) for text in texts]
    having: dict[str, int] = {}
    for found in words:
        for word in found:
            having[word] = having.get(word, 0) + 1
    said = _content_words(reply)

    def weight(word: str) -> float:
        return math.log(len(texts) / having[word])

    return [sum(weight(w) for w in found & said) / (sum(weight(w) for w in found) or 1.0) for found in words]


def _quoted_spans(text: str) -> list[list[str]]:
    """The quoted spans of ``text`` (between quotation marks, or lines starting with ``>``) long enough to count."""
    spans = (_words(match[1] or match[2]) for match in _QUOTED.finditer(text))
    return [span for span in spans if len(span) >= QUOTE_MIN_WORDS]


def _contains(text: str, span: Sequence[str]) -> bool:
    return f" {' '.join(span)} " in f" {' '.join(_words(text))} "


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
    side_id: int | None = None
    """The side its author took (claims), if known."""


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
    likeness: Likeness = Likeness.SAME

    @property
    def label(self) -> str:
        return "Crux" if self.record is Record.CRUX else "Claim"

    @property
    def text(self) -> str:
        """The hint: a repeat to withdraw, or (a claim) the opposite of the original, which a rebuttal answers."""
        new, original = f"{self.label} #{self.new_number}", f"{self.label} #{self.original_number}"
        quote = t.as_typed_within(" ".join(self.original_text.split()), QUOTE_MAX)
        if self.likeness is Likeness.OPPOSITE:
            return (
                f"{new} seems to say the opposite of {original}: “{quote}”\nIf it answers #{self.original_number}, "
                f"a rebuttal of it fits better (`/rebut claim:{self.original_number}`). Nothing is changed unless "
                "you choose to."
            )
        if self.record is Record.CRUX:
            advice = (
                "A question and its negation are usually the same crux: if so, withdraw "
                f"#{self.new_number} and record credences on #{self.original_number}."
            )
        else:
            advice = f"If it says the same, withdraw #{self.new_number} in its favour."
        return f"{new} looks like {original}: “{quote}”\n{advice} Nothing is merged unless you choose to."

    @property
    def offers_withdrawal(self) -> bool:
        """Whether the hint carries the button to withdraw the new record (not for an opposite: it answers)."""
        return self.likeness is Likeness.SAME

    @property
    def button_label(self) -> str:
        return f"Withdraw #{self.new_number} in favour of #{self.original_number}"

    @property
    def target(self) -> HintTarget:
        return HintTarget(self.record, self.new_id, self.original_number)


def duplicate_hint(comparison: Comparison, best: tuple[Entry, float] | None) -> Hint | None:
    """The hint for the most similar earlier record, if it is close enough: for a claim, a repeat or an opposite
    (:func:`likeness`; a claim of the other side is never a repeat); for a crux, a repeat from
    ``CRUX_DUPLICATE_THRESHOLD``."""
    if best is None:
        return None
    original, similarity = best
    new = comparison.new
    if comparison.record is Record.CRUX:
        found: Likeness | None = Likeness.SAME if similarity >= CRUX_DUPLICATE_THRESHOLD else None
    else:
        other_side = None not in (new.side_id, original.side_id) and new.side_id != original.side_id
        found = likeness(new.text, original.text, similarity, other_side=other_side)
    if found is None:
        return None
    return Hint(comparison.record, new.id, new.number, original.id, original.number, original.text, similarity, found)


def comparison(session: Session, record: Record, record_id: RecordId, model: str) -> Comparison | None:
    """The new record and the debate's earlier ones it may repeat (standing claims for a claim, open cruxes for a
    crux, none for a rebuttal or a support) with their stored vectors; ``None`` if the record is gone."""
    if record is Record.CLAIM:
        claim = session.get(Claim, record_id)
        if claim is None:
            return None
        new = _entry(record, record_id, claim.number, claim.text, None, claim.side_id)
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
        select_columns(col(Claim.id), col(Claim.number), col(Claim.text), col(ClaimVector.vector), col(Claim.side_id))
        .outerjoin(ClaimVector, (col(ClaimVector.claim_id) == Claim.id) & (col(ClaimVector.model) == model))
        .where(col(Claim.debate_id) == debate_id, col(Claim.status) == ClaimStatus.STANDING)
        .order_by(col(Claim.number).desc())
        .limit(COMPARED)
    )
    if before is not None:
        statement = statement.where(col(Claim.number) < before)
    if kind is not None:
        statement = statement.where(col(Claim.kind) == kind)
    if ids is not None:
        statement = statement.where(col(Claim.id).in_(ids))
    return [_entry(Record.CLAIM, *row) for row in session.execute(statement).all()]


def _entry(
    record: Record, record_id: int | None, number: int, text: str, vector: bytes | None = None, side: int | None = None
) -> Entry:
    """The entry of a claim or a crux read from its columns: where its id and number get their types."""
    if record is Record.CLAIM:
        return Entry(ClaimId(record_id or 0), ClaimNumber(number), text, vector, side)
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
