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
from collections.abc import Iterable, Mapping
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


def majority(credences: Iterable[int]) -> Lean | None:
    """The lean most of these credences share; ``None`` on a tie (or none)."""
    ranked = Counter(lean(value) for value in credences).most_common()
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def common_ground(by_side: Mapping[object, Iterable[int]]) -> Agreement | None:
    """Whether the sides (each side's participants' latest credences on one crux) agree on it, and how strongly;
    ``None`` when they do not (fewer than two sides with credences, a side without a majority, a majority of 50s,
    or majorities leaning different ways)."""
    sides = [list(values) for values in by_side.values()]
    sides = [values for values in sides if values]
    if len(sides) < 2:
        return None
    leans = {majority(values) for values in sides}
    if len(leans) != 1:
        return None
    (common,) = leans
    if common is None or common is Lean.NEITHER:
        return None
    strength = 1.0
    for values in sides:
        agreeing = sum(1 for value in values if lean(value) is common)
        strength *= (agreeing + 1) / (len(values) + 2)
    return Agreement(yes=common is Lean.YES, strength=strength, sides=len(sides))


def movement(before: Mapping[int, int], now: Mapping[int, int]) -> dict[int, int]:
    """How far each participant moved on a crux: |latest now − latest before| for those who held a credence before
    (a first credence is new, not movement); only those who moved."""
    moved = {user: abs(value - before[user]) for user, value in now.items() if user in before}
    return {user: distance for user, distance in moved.items() if distance}
