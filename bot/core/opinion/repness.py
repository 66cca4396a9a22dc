"""What sets an opinion group apart: the cruxes on which it stands high or low where the others do not — Polis's
representativeness (compdemocracy/polis, ``math/src/polismath/math/repness.clj`` and ``stats.clj``), over credences.

A credence above 50 counts as agreeing with a crux ("high"), below 50 as disagreeing ("low"), 50 as seen but
neither, as Polis counts a pass. For a group and a crux, with ``na`` of its ``ns`` members who rated it agreeing:

- ``pa = (1 + na) / (2 + ns)``, the group's agreement with a pseudo-count, and ``pat``, a one-proportion z of
  ``na`` in ``ns`` against a half (``2·√(ns + 1)·((na + 1)/(ns + 1) − ½)``);
- ``ra = pa / ((1 + na') / (2 + ns'))``, against the other groups' members together (``na'`` of ``ns'``), and
  ``rat``, the two-proportion z of the group against the others (each count plus one);
- the same for disagreement (``pd``, ``pdt``, ``rd``, ``rdt``).

A crux represents a group in the direction whose ``rat`` (or ``rdt``) is larger, when that z and its one-proportion
z both pass 1.2816 (significant at 90 %, one-sided: Polis's ``passes-by-test?``); they are ordered by Polis's
metric ``ra · rat · pa · pat``. Pure functions: no numpy, no database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_90 = 1.2816
"""A one-sided z significant at 90 % (Polis's ``z-sig-90?``)."""
NEUTRAL = 50.0
"""The credence that neither agrees nor disagrees."""
NAMED = 3
"""Cruxes named in a group's label at most."""


def prop_test(successes: int, trials: int) -> float:
    """The z of ``successes`` in ``trials`` against a half, each plus one (Polis's ``prop-test``)."""
    successes, trials = successes + 1, trials + 1
    return 2 * math.sqrt(trials) * (successes / trials - 0.5)


def two_prop_test(success_in: int, success_out: int, trials_in: int, trials_out: int) -> float:
    """The z of the proportion inside against the one outside, each count plus one (Polis's ``two-prop-test``);
    0 when every trial succeeded."""
    success_in, success_out, trials_in, trials_out = success_in + 1, success_out + 1, trials_in + 1, trials_out + 1
    pooled = (success_in + success_out) / (trials_in + trials_out)
    if pooled == 1:
        return 0.0
    spread = math.sqrt(pooled * (1 - pooled) * (1 / trials_in + 1 / trials_out))
    return (success_in / trials_in - success_out / trials_out) / spread


@dataclass(frozen=True, slots=True)
class Representative:
    """A crux (by column) that represents a group: ``high`` when the group agrees with it more than the others,
    otherwise low; ``successes`` of its ``trials`` members who rated it agree (or disagree), ``p`` and ``p_test``
    that share and its z, ``ratio`` and ``ratio_test`` against the others."""

    column: int
    high: bool
    successes: int
    trials: int
    p: float
    p_test: float
    ratio: float
    ratio_test: float

    @property
    def metric(self) -> float:
        """Polis's ``repness-metric``: the order of the representative cruxes, most first."""
        return self.ratio * self.ratio_test * self.p * self.p_test


@dataclass(frozen=True, slots=True)
class _Counts:
    agree: int
    disagree: int
    seen: int


def _counts(values: Sequence[float | None]) -> _Counts:
    rated = [value for value in values if value is not None]
    return _Counts(sum(value > NEUTRAL for value in rated), sum(value < NEUTRAL for value in rated), len(rated))


def _direction(column: int, high: bool, inside: int, seen: int, outside: int, seen_out: int) -> Representative:
    p = (1 + inside) / (2 + seen)
    return Representative(
        column=column,
        high=high,
        successes=inside,
        trials=seen,
        p=p,
        p_test=prop_test(inside, seen),
        ratio=p / ((1 + outside) / (2 + seen_out)),
        ratio_test=two_prop_test(inside, outside, seen, seen_out),
    )


def crux_repness(column: int, group: Sequence[float | None], others: Sequence[float | None]) -> Representative:
    """How crux ``column`` represents a group (its members' credences ``group``) against ``others``: in the
    direction of the larger two-proportion z, as Polis's ``finalize-cmt-stats`` picks it."""
    inside, outside = _counts(group), _counts(others)
    high = _direction(column, True, inside.agree, inside.seen, outside.agree, outside.seen)
    low = _direction(column, False, inside.disagree, inside.seen, outside.disagree, outside.seen)
    return high if high.ratio_test > low.ratio_test else low


def passes(representative: Representative) -> bool:
    """Whether it is significant: both its z's pass :data:`Z_90` (Polis's ``passes-by-test?``)."""
    return representative.ratio_test > Z_90 and representative.p_test > Z_90


def representative_cruxes(rows: Sequence[Sequence[float | None]], labels: Sequence[int]) -> list[list[Representative]]:
    """For each group (``labels``: each row's group, 0, 1, …), the cruxes (columns of ``rows``) that represent it
    significantly, most representative first."""
    groups = max(labels, default=-1) + 1
    columns = len(rows[0]) if rows else 0
    found: list[list[Representative]] = []
    for group in range(groups):
        inside = [row for row, label in zip(rows, labels, strict=True) if label == group]
        outside = [row for row, label in zip(rows, labels, strict=True) if label != group]
        kept = [
            representative
            for column in range(columns)
            if passes(
                representative := crux_repness(
                    column, [row[column] for row in inside], [row[column] for row in outside]
                )
            )
        ]
        found.append(sorted(kept, key=lambda representative: -representative.metric))
    return found


def label(representatives: Sequence[Representative], numbers: Sequence[int], named: int = NAMED) -> str:
    """What sets a group apart, in words: "high on Crux #3 and #7, low on #2" (the :data:`NAMED` most
    representative cruxes, by their ``numbers`` in the debate); ``""`` when nothing does."""
    shown = representatives[:named]
    high = [numbers[representative.column] for representative in shown if representative.high]
    low = [numbers[representative.column] for representative in shown if not representative.high]
    parts = [f"{word} on {_numbers(found)}" for word, found in (("high", high), ("low", low)) if found]
    return ", ".join(parts).replace("on #", "on Crux #", 1)


def _numbers(numbers: list[int]) -> str:
    """ "#3", "#3 and #7", "#2, #3 and #7" (in crux order)."""
    words = [f"#{number}" for number in sorted(numbers)]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
