"""Credence matrices with planted opinion groups (``benchmarks.groups`` draws them as its documentation says; see
there), for the benchmarks of opinion groups. Needs numpy (the ``analysis`` extra)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.core.opinion.clustering import Matrix

NOISE_SD = 12.0


@dataclass(frozen=True, slots=True)
class Shape:
    participants: int
    cruxes: int
    groups: int
    missing: float

    def __str__(self) -> str:
        planted = "no planted groups" if self.groups == 1 else f"{self.groups} groups"
        return f"{planted}, {self.participants} × {self.cruxes}, {self.missing * 100:.0f} % missing"


def generate(rng: np.random.Generator, shape: Shape) -> tuple[Matrix, list[int]]:
    """A matrix as ``benchmarks.groups`` describes it, and each participant's planted group."""
    n, m = shape.participants, shape.cruxes
    planted = rng.permutation(np.arange(n) % shape.groups)
    contested = np.zeros(m, dtype=bool)
    contested[rng.choice(m, m // 2, replace=False)] = True
    means = np.where(contested, rng.uniform(0, 100, (shape.groups, m)), rng.uniform(0, 100, m))
    credences = np.clip(means[planted] + rng.normal(0, NOISE_SD, (n, m)), 0, 100)
    gone = rng.choice(n * m, round(shape.missing * n * m), replace=False)
    credences.flat[gone] = np.nan
    return credences, [int(group) for group in planted]
