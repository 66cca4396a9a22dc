"""Common ground: the cruxes on which the declared sides agree — the group-aware consensus of Polis, with the sides
as the groups. Pure functions over plain data; the rule is in ``docs/scoring.md``.

On a crux, a participant with a latest credence above 50 leans yes, below 50 no, exactly 50 neither. A side's
majority is the lean most of its participants with a credence share (a tie: none; a majority of 50s leans neither
way). A crux is common ground when at least two sides have credences on it, every such side has a majority that
leans yes or no, and all lean the same way. Its strength is the product over those sides of (A + 1)/(S + 2), A the
side's participants leaning the common way and S the side's participants with a credence: high only when every side
agrees, and more so the more of each side take part.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Lean(Enum):
    YES = "yes"
    NO = "no"
    NEITHER = "neither"


@dataclass(frozen=True, slots=True)
class Agreement:
    """The sides agree the crux is likely true (``yes``) or false, with this strength (0 to 1)."""

    yes: bool
    strength: float
    sides: int


def lean(credence: int) -> Lean:
    """Above 50 leans yes, below 50 no, exactly 50 neither."""
    return Lean.YES if credence > 50 else Lean.NO if credence < 50 else Lean.NEITHER


@dataclass(frozen=True, slots=True)
class Leans:
    """How many of a side's participants with a credence on a crux lean each way."""

    yes: int = 0
    no: int = 0
    neither: int = 0

    @classmethod
    def of(cls, credences: Iterable[int]) -> Leans:
        counts = Counter(lean(value) for value in credences)
        return cls(yes=counts[Lean.YES], no=counts[Lean.NO], neither=counts[Lean.NEITHER])

    @property
    def total(self) -> int:
        return self.yes + self.no + self.neither

    def count(self, way: Lean) -> int:
        return {Lean.YES: self.yes, Lean.NO: self.no, Lean.NEITHER: self.neither}[way]

    @property
    def majority(self) -> Lean | None:
        """The lean more participants share than any other; ``None`` on a tie (or with no credence)."""
        ranked = sorted(((self.count(way), way) for way in Lean), key=lambda pair: -pair[0])
        if ranked[0][0] == 0 or ranked[0][0] == ranked[1][0]:
            return None
        return ranked[0][1]


def common_ground(sides: Iterable[Leans]) -> Agreement | None:
    """Whether the sides (each side's leans on one crux) agree on it, and how strongly; ``None`` when they do not
    (fewer than two sides with credences, a side without a majority, a majority of 50s, or majorities leaning
    different ways)."""
    voting = [side for side in sides if side.total]
    if len(voting) < 2:
        return None
    leans = {side.majority for side in voting}
    if len(leans) != 1:
        return None
    (common,) = leans
    if common is None or common is Lean.NEITHER:
        return None
    strength = 1.0
    for side in voting:
        strength *= (side.count(common) + 1) / (side.total + 2)
    return Agreement(yes=common is Lean.YES, strength=strength, sides=len(voting))
