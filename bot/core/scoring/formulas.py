"""Scoring credences when a crux resolves yes or no, and calibration: pure functions over plain data.

The formulas and worked fixtures are in ``docs/scoring.md``. A participant's credence history on a crux is a step
function over the crux's open time T (from when it was named to when it resolved): each credence stands from when it
was recorded until the next one, or the resolution.

- **Baseline score** (the form Metaculus uses for binary questions): Σ s(pᵢ)·durationᵢ / T, with s(p) = 100·log2(2p)
  when the crux resolves yes and 100·log2(2(1 − p)) when no, p clamped to [0.01, 0.99]; time without a credence
  counts 0, so that holding no view costs what a coin flip would earn.
- **Peer score** (Metaculus' ``scoring/score_math.py``): over each stretch of T in which the standing credences do
  not change and at least two participants hold one, 100·ln(q / the geometric mean of the others' q), q = p for yes
  and 1 − p for no, clamped like the baseline's p (equal to Metaculus' 100·n/(n − 1)·ln(q / the geometric mean of
  all n)); time-weighted like the baseline, Σ scoreₖ·durationₖ / T, a stretch with fewer than two credences or
  without one's own counting 0. The peer scores of a crux's participants, weighted by their time, sum to 0.
- **Brier score** over the time a credence was held: Σ (pᵢ − o)²·durationᵢ / held time (no clamp).
- **Coverage**: held time / T.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

CLAMP = 0.01
"""Probabilities are clamped to [CLAMP, 1 − CLAMP] for the baseline score: a credence of 0 or 100 that turns out
wrong costs a finite −564.4, not minus infinity."""
CALIBRATION_BINS = 10
ORDERED_MIN = 3
"""How many scored cruxes a participant needs to be ranked by mean baseline score."""


@dataclass(frozen=True, slots=True)
class Step:
    """A credence (0–100) recorded at ``at``; it stands until the next step or the resolution."""

    at: datetime
    value: int


@dataclass(frozen=True, slots=True)
class Score:
    """One participant's score on one resolved crux."""

    baseline: float
    brier: float
    coverage: float
    peer: float | None = None
    """``None`` on a crux scored before peer scores were kept."""


def baseline_points(probability: float, yes: bool) -> float:
    """s(p): 100·log2(2p) for yes, 100·log2(2(1 − p)) for no, p clamped to [0.01, 0.99]."""
    p = min(max(probability, CLAMP), 1 - CLAMP)
    return 100 * math.log2(2 * (p if yes else 1 - p))


def score_history(steps: Sequence[Step], opened: datetime, resolved: datetime, yes: bool) -> Score | None:
    """The time-weighted scores of one credence history (in the order recorded) on a crux open from ``opened`` to
    ``resolved`` that resolved ``yes`` (or no); ``None`` when no credence stood for any of that time."""
    total = (resolved - opened).total_seconds()
    if total <= 0:
        return None
    outcome = 1.0 if yes else 0.0
    held = points = squared = 0.0
    ends = [step.at for step in steps[1:]] + [resolved] if steps else []
    for step, until in zip(steps, ends, strict=True):
        start, end = max(step.at, opened), min(until, resolved)
        duration = (end - start).total_seconds()
        if duration <= 0:
            continue
        p = step.value / 100
        held += duration
        points += baseline_points(p, yes) * duration
        squared += (p - outcome) ** 2 * duration
    if held <= 0:
        return None
    return Score(baseline=points / total, brier=squared / held, coverage=held / total)


def _clamped(probability: float, yes: bool) -> float:
    """q: the probability given to the outcome, clamped to [0.01, 0.99]."""
    p = min(max(probability, CLAMP), 1 - CLAMP)
    return p if yes else 1 - p


def peer_scores(
    histories: Mapping[int, Sequence[Step]], opened: datetime, resolved: datetime, yes: bool
) -> dict[int, float]:
    """Each participant's time-weighted peer score (module doc) from everyone's credence histories (each in the order
    recorded) on a crux open from ``opened`` to ``resolved`` that resolved ``yes`` (or no)."""
    total = (resolved - opened).total_seconds()
    scores = dict.fromkeys(histories, 0.0)
    if total <= 0:
        return scores
    moments = sorted({opened, *(min(max(s.at, opened), resolved) for steps in histories.values() for s in steps)})
    for start, end in zip(moments, [*moments[1:], resolved], strict=True):
        duration = (end - start).total_seconds()
        standing = {user: value for user, steps in histories.items() if (value := _standing(steps, start)) is not None}
        if duration <= 0 or len(standing) < 2:
            continue
        logs = {user: math.log(_clamped(value / 100, yes)) for user, value in standing.items()}
        summed = sum(logs.values())
        others = len(logs) - 1
        for user, own in logs.items():
            scores[user] += 100 * (own - (summed - own) / others) * duration / total
    return scores


def _standing(steps: Sequence[Step], moment: datetime) -> int | None:
    """The credence standing at ``moment``: the last recorded at or before it (``None`` before the first)."""
    value = None
    for step in steps:
        if step.at > moment:
            break
        value = step.value
    return value


@dataclass(frozen=True, slots=True)
class Standing:
    """A participant's record over their scored cruxes."""

    user_id: int
    scored: int
    baseline: float
    """Mean baseline score."""
    brier: float
    """Mean Brier score."""
    coverage: float
    """Mean coverage."""
    peer: float | None = None
    """Mean peer score over the scored cruxes that have one (``None``: none has)."""


@dataclass(frozen=True, slots=True)
class Standings:
    """Participants with at least ``ORDERED_MIN`` scored cruxes, best mean baseline first; the others apart."""

    ordered: tuple[Standing, ...]
    others: tuple[Standing, ...]


def standings(scores: Iterable[tuple[int, Score]]) -> Standings:
    """Per participant (``user_id``, score on one crux): the count and means, ranked by mean baseline score (ties:
    the lower mean Brier score, then the user id) when they have at least ``ORDERED_MIN`` scored cruxes."""
    by_user: dict[int, list[Score]] = {}
    for user_id, score in scores:
        by_user.setdefault(user_id, []).append(score)
    rows = [
        Standing(
            user_id=user_id,
            scored=len(found),
            baseline=_mean(score.baseline for score in found),
            brier=_mean(score.brier for score in found),
            coverage=_mean(score.coverage for score in found),
            peer=_mean_or_none(score.peer for score in found),
        )
        for user_id, found in by_user.items()
    ]
    rows.sort(key=lambda row: (-row.baseline, row.brier, row.user_id))
    return Standings(
        ordered=tuple(row for row in rows if row.scored >= ORDERED_MIN),
        others=tuple(row for row in rows if row.scored < ORDERED_MIN),
    )


def _mean(values: Iterable[float]) -> float:
    found = list(values)
    return sum(found) / len(found)


def _mean_or_none(values: Iterable[float | None]) -> float | None:
    found = [value for value in values if value is not None]
    return _mean(found) if found else None


@dataclass(frozen=True, slots=True)
class Bin:
    """Credences in [low, high) (the last bin includes 100): how many, their mean, and the share that resolved yes."""

    low: int
    high: int
    count: int
    mean_credence: float
    share_yes: float

    @property
    def label(self) -> str:
        return f"[{self.low}, {self.high}]" if self.high == 100 else f"[{self.low}, {self.high})"


def calibration(points: Iterable[tuple[int, bool]]) -> list[Bin]:
    """The calibration table of (latest credence, resolved yes) pairs: the bins [0,10), [10,20) … [90,100] that
    hold any, in order."""
    width = 100 // CALIBRATION_BINS
    bins: dict[int, list[tuple[int, bool]]] = {}
    for value, yes in points:
        bins.setdefault(min(value // width, CALIBRATION_BINS - 1), []).append((value, yes))
    return [
        Bin(
            low=index * width,
            high=(index + 1) * width,
            count=len(found),
            mean_credence=_mean(value for value, _ in found),
            share_yes=_mean(1.0 if yes else 0.0 for _, yes in found),
        )
        for index, found in sorted(bins.items())
    ]
