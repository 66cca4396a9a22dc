"""The bridging model of X's Community Notes fitted to credences on cruxes: what people agree on beyond the divide
that best explains their disagreements, and which cruxes follow that divide. Pure functions over a participants ×
cruxes matrix (credences 0–100, ``NaN`` where none); needs numpy (the ``analysis`` extra), which
:mod:`bot.core.opinion.divides` imports only when there is something to fit.

- **Model**: each rating r(u, n) = credence/100 − 0.5 (so that 0 is a credence of 50) is predicted as
  r̂ = μ + i_u + i_n + f_u·f_n with one factor. Fitted by alternating ridge regressions (each step is exact for
  one side's parameters given the other's) on Community Notes' loss, the mean squared error plus λ_i times the mean
  square of the intercepts (and μ²) plus λ_f times the mean square of the factors. :data:`LAMBDA_I` is
  :data:`LAMBDA_F` × 5, as there: the intercepts cost more, so the factor explains the partisan part of the ratings
  first and a crux's intercept i_n is what its raters share beyond the divide.
- **Start**: the first singular vectors of the matrix centred by crux (missing cells 0): deterministic, no seed.
- **Uncertainty**: Community Notes' pseudo-raters. With everyone's parameters fixed, each crux is refitted with one
  more rating from an extreme rater (the lowest or highest rater intercept, the lowest, zero or highest factor,
  rating 0 or 100); the intercept's bounds are the lowest and highest of those refits. Each refit is one ridge step,
  all cruxes at once.
- **Sides of the factor**: a crux's raters with f_u > 0 and with f_u < 0, counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]
Vector = npt.NDArray[np.float64]

LAMBDA_F = 0.03
"""The factors' regularisation (Community Notes' value; kept: see ``benchmarks/bridging.py``'s sweep)."""
LAMBDA_I = 5 * LAMBDA_F
"""The intercepts' (and μ's): five times the factors', as in Community Notes."""
SWEEPS = 200
TOLERANCE = 1e-7
"""The fit stops when no parameter moves more than this in a sweep."""


@dataclass(frozen=True, slots=True)
class Fit:
    """The fitted model: per participant (row) and per crux (column) an intercept and a factor, with each crux's
    intercept bounds and how many of its raters lie on each side of the factor."""

    mean: float
    user_intercepts: Vector
    user_factors: Vector
    intercepts: Vector
    factors: Vector
    low: Vector
    high: Vector
    positive: npt.NDArray[np.int64]
    negative: npt.NDArray[np.int64]


def ratings(credences: Matrix) -> Matrix:
    """Credences 0–100 as ratings −0.5 to 0.5 (``NaN`` kept)."""
    return credences / 100.0 - 0.5


@dataclass(slots=True)
class _Data:
    values: Matrix
    """Ratings, 0 where missing."""
    mask: Matrix
    alpha_user_i: float
    alpha_user_f: float
    alpha_item_i: float
    alpha_item_f: float
    alpha_mean: float


def _data(rated: Matrix, lambda_i: float, lambda_f: float) -> _Data:
    """The ratings and each parameter's ridge weight: Community Notes' means turned into sums (a parameter's weight
    is λ × ratings / parameters of its kind)."""
    mask = (~np.isnan(rated)).astype(np.float64)
    observed = float(mask.sum())
    users, items = rated.shape
    return _Data(
        values=np.where(mask > 0, rated, 0.0),
        mask=mask,
        alpha_user_i=lambda_i * observed / users,
        alpha_user_f=lambda_f * observed / users,
        alpha_item_i=lambda_i * observed / items,
        alpha_item_f=lambda_f * observed / items,
        alpha_mean=lambda_i * observed,
    )


def _ridge2(
    count: Vector, fsum: Vector, fsq: Vector, ysum: Vector, yf: Vector, alpha_i: float, alpha_f: float
) -> tuple[Vector, Vector]:
    """Per row, the intercept b and factor g minimising Σ(y − b − f·g)² + α_i·b² + α_f·g² from the sums of 1, f, f²,
    y and y·f over its ratings (a 2 × 2 system, solved in closed form)."""
    a11, a22 = count + alpha_i, fsq + alpha_f
    det = a11 * a22 - fsum * fsum
    det = np.where(det > 1e-12, det, 1e-12)
    return (a22 * ysum - fsum * yf) / det, (a11 * yf - fsum * ysum) / det


def _items_step(data: _Data, mean: float, user_i: Vector, user_f: Vector) -> tuple[Vector, Vector]:
    target = (data.values - mean - user_i[:, None]) * data.mask
    m = data.mask
    return _ridge2(
        m.sum(axis=0),
        user_f @ m,
        (user_f * user_f) @ m,
        target.sum(axis=0),
        user_f @ target,
        data.alpha_item_i,
        data.alpha_item_f,
    )


def _users_step(data: _Data, mean: float, item_i: Vector, item_f: Vector) -> tuple[Vector, Vector]:
    target = (data.values - mean - item_i[None, :]) * data.mask
    m = data.mask
    return _ridge2(
        m.sum(axis=1),
        m @ item_f,
        m @ (item_f * item_f),
        target.sum(axis=1),
        target @ item_f,
        data.alpha_user_i,
        data.alpha_user_f,
    )


def _start(data: _Data) -> tuple[Vector, Vector]:
    """The first singular vectors of the ratings centred by crux (missing cells 0), each scaled by √σ."""
    counts = np.maximum(data.mask.sum(axis=0), 1.0)
    centred = (data.values - data.values.sum(axis=0) / counts) * data.mask
    if not centred.any():
        return np.zeros(centred.shape[0]), np.zeros(centred.shape[1])
    left, singular, right = np.linalg.svd(centred, full_matrices=False)
    scale = float(np.sqrt(singular[0]))
    return left[:, 0] * scale, right[0] * scale


def fit(credences: Matrix, lambda_i: float = LAMBDA_I, lambda_f: float = LAMBDA_F) -> Fit:
    """The bridging model of a matrix of credences (module doc), with pseudo-rater bounds; the factor's sign is
    chosen so that more raters lie on its positive side."""
    data = _data(ratings(credences), lambda_i, lambda_f)
    users, items = data.mask.shape
    user_f, item_f = _start(data)
    user_i, item_i = np.zeros(users), np.zeros(items)
    mean = 0.0
    for _ in range(SWEEPS):
        before = np.concatenate([user_i, user_f, item_i, item_f, [mean]])
        item_i, item_f = _items_step(data, mean, user_i, user_f)
        user_i, user_f = _users_step(data, mean, item_i, item_f)
        residual = (data.values - user_i[:, None] - item_i[None, :] - np.outer(user_f, item_f)) * data.mask
        mean = float(residual.sum() / (data.mask.sum() + data.alpha_mean)) if data.mask.any() else 0.0
        after = np.concatenate([user_i, user_f, item_i, item_f, [mean]])
        if np.max(np.abs(after - before), initial=0.0) < TOLERANCE:
            break
    if (user_f > 0).sum() < (user_f < 0).sum():
        user_f, item_f = -user_f, -item_f
    low, high = _bounds(data, mean, user_i, user_f, item_i)
    m = data.mask > 0
    return Fit(
        mean=mean,
        user_intercepts=user_i,
        user_factors=user_f,
        intercepts=item_i,
        factors=item_f,
        low=low,
        high=high,
        positive=(m & (user_f[:, None] > 0)).sum(axis=0),
        negative=(m & (user_f[:, None] < 0)).sum(axis=0),
    )


def _bounds(data: _Data, mean: float, user_i: Vector, user_f: Vector, item_i: Vector) -> tuple[Vector, Vector]:
    """Each crux's intercept refitted with one more rating from each extreme pseudo-rater (module doc): the lowest
    and highest intercepts found, the fitted one included."""
    m = data.mask
    target = (data.values - mean - user_i[:, None]) * m
    sums = (m.sum(axis=0), user_f @ m, (user_f * user_f) @ m, target.sum(axis=0), user_f @ target)
    low, high = item_i.copy(), item_i.copy()
    if not len(user_i):
        return low, high
    for intercept, rating in ((float(user_i.min()), 0.5), (float(user_i.max()), -0.5)):
        for factor in (float(user_f.min()), 0.0, float(user_f.max())):
            y = rating - mean - intercept
            refit, _ = _ridge2(
                sums[0] + 1.0,
                sums[1] + factor,
                sums[2] + factor * factor,
                sums[3] + y,
                sums[4] + y * factor,
                data.alpha_item_i,
                data.alpha_item_f,
            )
            low, high = np.minimum(low, refit), np.maximum(high, refit)
    return low, high


MIN_SIDE = 3
"""Raters a crux needs on each side of the factor before it can be called common ground or divisive."""
DIVIDES = 0.2
"""How far apart (in ratings) the two ends of the divide must be on a crux for it to be named as dividing: 20
credence points."""
LEAN = 0.05
"""How far (in ratings: 0.05 is 5 credence points) the less convinced side must lean, at the pseudo-rater bound,
for a crux to be common ground."""


@dataclass(frozen=True, slots=True)
class Assessment:
    """Per crux (column): the typical rating at each end of the divide, its common-ground lean and that lean's lower
    bound, and whether it has enough raters on both sides of the factor; ``usable`` when at least one has."""

    fit: Fit
    ends: tuple[Vector, Vector]
    """The rating predicted for the mean rater with f_u > 0 and for the mean rater with f_u < 0:
    μ + i_n + f_n × their mean f_u."""
    lean: Vector
    """How far the less convinced end leans the way both lean (negative: the ends lean opposite ways)."""
    lean_low: Vector
    """The same with i_n at its pseudo-rater bound nearest 0."""
    both_sides: npt.NDArray[np.bool_]

    @property
    def usable(self) -> bool:
        return bool(self.both_sides.any())

    def common(self, lean: float = LEAN) -> npt.NDArray[np.bool_]:
        """The cruxes that are common ground: enough raters on both sides, and a bounded lean of at least ``lean``."""
        result: npt.NDArray[np.bool_] = self.both_sides & (self.lean_low >= lean)
        return result

    @property
    def reach(self) -> Vector:
        """How far apart the two ends are, in ratings (1 is 100 credence points)."""
        return np.abs(self.ends[0] - self.ends[1])


def _side_mean(factors: Vector, positive: bool) -> float:
    kept = factors[factors > 0] if positive else factors[factors < 0]
    return float(kept.mean()) if kept.size else 0.0


def _weaker_lean(intercepts: Vector, found: Fit, sign: Vector) -> Vector:
    """The lean, the way ``sign`` says, of the less convinced end of the divide, for these intercepts."""
    ends = [found.mean + intercepts + found.factors * _side_mean(found.user_factors, side) for side in (True, False)]
    result: Vector = np.minimum(sign * ends[0], sign * ends[1])
    return result


def assess(
    credences: Matrix, min_side: int = MIN_SIDE, lambda_i: float = LAMBDA_I, lambda_f: float = LAMBDA_F
) -> Assessment:
    """The model fitted (:func:`fit`), each crux's ends, its common-ground lean, bounded, and raters on each side."""
    found = fit(credences, lambda_i, lambda_f)
    middle = found.mean + found.intercepts
    sign = np.where(middle >= 0, 1.0, -1.0)
    nearest = np.where(sign > 0, found.low, found.high)
    ends = tuple(middle + found.factors * _side_mean(found.user_factors, side) for side in (True, False))
    return Assessment(
        fit=found,
        ends=(ends[0], ends[1]),
        lean=_weaker_lean(found.intercepts, found, sign),
        lean_low=_weaker_lean(nearest, found, sign),
        both_sides=(found.positive >= min_side) & (found.negative >= min_side),
    )


def credence_array(rows: list[list[float | None]]) -> Matrix:
    """The matrix as numpy floats, ``None`` becoming ``NaN``."""
    return np.array(rows, dtype=np.float64).reshape(len(rows), -1)


def common_columns(found: Assessment, columns: list[int]) -> list[int]:
    """Of ``columns``, those that are common ground, the largest lean first (ties: the first column)."""
    common = found.common()
    return sorted((c for c in columns if common[c]), key=lambda c: (-float(found.lean[c]), c))


def dividing_columns(found: Assessment, columns: list[int]) -> list[int]:
    """Of ``columns``, those with enough raters on both sides that the divide splits by at least :data:`DIVIDES`,
    the largest factor first."""
    reach = found.reach
    kept = (c for c in columns if found.both_sides[c] and reach[c] >= DIVIDES)
    return sorted(kept, key=lambda c: (-float(reach[c]), c))
