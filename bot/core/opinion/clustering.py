"""Opinion groups in a participants × cruxes matrix of credences, and a test of whether they are there at all.

Pure functions over a matrix (one row per participant, one column per crux, credences 0–100, ``NaN`` where a
participant gave none); they need the ``analysis`` extra (numpy, scipy, threadpoolctl), which
:mod:`bot.core.opinion.groups` imports only when it has groups to look for.

- **Distance** between two participants: the root mean square difference of their credences on the cruxes both
  rated, shrunk toward the median of those distances when they share few cruxes. With ``k`` shared cruxes it is
  ``(k · rms + K0 · median) / (k + K0)``: a weight ``k / (k + K0)`` on their own difference, the rest on the median
  (half and half at ``K0`` = 4 shared cruxes). A pair sharing none gets the median.
- **Groups**: average-linkage clustering of those distances, cut into 2 to ``min(5, n − 1)`` groups; the cut with
  the highest mean silhouette wins.
- **Significance**: silhouettes are high on shapeless matrices too, so the best silhouette is compared with those of
  the same matrix with each crux's credences shuffled among the participants who rated it (who rated what stays,
  any link between a participant's credences across cruxes goes). ``p = (1 + shuffles at least as good) / (1 +
  shuffles)``; groups are reported when ``p ≤ 0.05``. With :data:`PERMUTATIONS` = 38 that means no shuffle reached
  the observed silhouette, so on matrices without groups they are reported 1 time in 39 (2.6 %). The shuffles come
  from a fixed seed: the same matrix always gets the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from threadpoolctl import threadpool_limits

Matrix = npt.NDArray[np.float64]
Labels = npt.NDArray[np.intp]

K0 = 4.0
"""Shared cruxes at which a pair's own difference and the median weigh the same."""
MAX_GROUPS = 5
PERMUTATIONS = 38
"""Shuffles per test: the most for which ``p ≤ 0.05`` still means that none reached the observed silhouette."""
ALPHA = 0.05
SEED = 18
BLAS_THREADS = 1
"""Threads the matrix products of the test may use. One: the bot runs it in a worker thread beside its event loop and
database, and on a busy 2-core machine OpenBLAS's second thread doubled the test's CPU time and made it slower, not
faster (1,000 × 300: 8 s of CPU, 10–15 s, against 4 s and 4–6 s). The limit holds for the whole process while the
test runs (threadpoolctl)."""


@dataclass(frozen=True, slots=True)
class Partition:
    """Participants (by row) in groups numbered 0, 1, …, largest first, and the partition's mean silhouette."""

    labels: tuple[int, ...]
    silhouette: float

    @property
    def groups(self) -> int:
        return max(self.labels) + 1


@dataclass(frozen=True, slots=True)
class GroupTest:
    """The best partition of a matrix and whether it stands out from shuffled credences.

    ``p`` is exact when the groups stand out; otherwise the test stops as soon as they cannot (it is then a lower
    bound, above :data:`ALPHA`)."""

    partition: Partition
    p: float
    shuffles: int

    @property
    def found(self) -> bool:
        return self.p <= ALPHA


def credence_array(rows: list[list[float | None]]) -> Matrix:
    """The matrix as numpy floats, ``None`` becoming ``NaN``."""
    return np.array(rows, dtype=np.float64).reshape(len(rows), -1)


class Pattern:
    """Who rated what in a matrix, and all that its distances take from that alone: computed once for a matrix and
    its shuffles (:class:`Shuffler` keeps who rated what), so that each shuffle costs two matrix products."""

    def __init__(self, credences: Matrix, k0: float = K0) -> None:
        self.rated = ~np.isnan(credences)
        self.mask: Matrix = self.rated.astype(np.float64)
        self.shared: Matrix = self.mask @ self.mask.T
        """How many cruxes each pair rated both."""
        self.overlap = self.shared > 0
        self.pairs = np.triu(self.overlap, 1)
        """Each pair sharing a crux, once."""
        self.weight = np.divide(self.shared, self.shared + k0, out=np.zeros_like(self.shared), where=self.overlap)
        """How much a pair's own difference counts against the median: ``k / (k + K0)``, 0 when nothing is shared."""
        self.rest: Matrix = 1.0 - self.weight

    def distances(self, credences: Matrix) -> Matrix:
        """Pairwise distances between the rows of ``credences`` (of this pattern): see the module's documentation."""
        values = np.where(self.rated, credences, 0.0)
        cross = (values * values) @ self.mask.T  # [i, j]: i's squares on the cruxes j rated
        summed = values @ values.T  # in place from here: each product is a million cells on 1,000 participants
        summed *= -2.0
        summed += cross
        summed += cross.T
        np.maximum(summed, 0.0, out=summed)
        shrunk: Matrix = np.divide(summed, self.shared, out=np.zeros_like(summed), where=self.overlap)
        np.sqrt(shrunk, out=shrunk)  # the RMS difference, 0 where nothing is shared
        known = shrunk[self.pairs]
        median = float(np.median(known)) if known.size else 0.0
        shrunk *= self.weight
        shrunk += self.rest * median
        np.fill_diagonal(shrunk, 0.0)
        return shrunk


def distances(credences: Matrix, k0: float = K0) -> Matrix:
    """Pairwise distances between rows: RMS difference on shared cruxes, shrunk toward the median (module doc)."""
    return Pattern(credences, k0).distances(credences)


def silhouette(dist: Matrix, labels: Labels) -> float:
    """Mean silhouette of a partition over a precomputed distance matrix (a participant alone in its group scores 0,
    as in scikit-learn's ``silhouette_score``)."""
    size = len(labels)
    rows = np.arange(size)
    members = np.zeros((size, int(labels.max()) + 1))
    members[rows, labels] = 1.0
    counts = members.sum(axis=0)
    sums = dist @ members
    own = counts[labels]
    inside = sums[rows, labels] / np.maximum(own - 1.0, 1.0)
    means = np.divide(sums, counts, out=np.full_like(sums, np.inf), where=counts > 0)
    means[rows, labels] = np.inf  # only the other groups
    nearest = means.min(axis=1)
    scale = np.maximum(inside, nearest)
    scores = np.where((own > 1) & (scale > 0), (nearest - inside) / np.where(scale > 0, scale, 1.0), 0.0)
    return float(scores.mean())


def best_partition(dist: Matrix, max_groups: int = MAX_GROUPS) -> Partition:
    """Average-linkage clusters of at least 3 participants, cut into the number of groups from 2 to
    ``min(max_groups, n − 1)`` with the highest mean silhouette."""
    tree = linkage(squareform(dist, checks=False), method="average")
    best = Partition(labels=(0,) * len(dist), silhouette=-1.0)
    for groups in range(2, min(max_groups, len(dist) - 1) + 1):
        labels = fcluster(tree, groups, criterion="maxclust") - 1
        if labels.max() == 0:
            continue
        score = silhouette(dist, labels)
        if score > best.silhouette:
            best = Partition(labels=_largest_first(labels), silhouette=score)
    return best


def _largest_first(labels: Labels) -> tuple[int, ...]:
    """Groups renumbered by size, largest first (ties: the one whose first member comes first)."""
    numbers, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(numbers)), key=lambda i: (-counts[i], first[i]))
    renumber = {int(numbers[old]): new for new, old in enumerate(order)}
    return tuple(renumber[int(label)] for label in labels)


class Shuffler:
    """Copies of a matrix with each crux's credences shuffled among the participants who rated it."""

    def __init__(self, credences: Matrix, seed: int = SEED) -> None:
        self._credences = credences
        self._missing = np.isnan(credences)
        self._rated_first = np.argsort(self._missing, axis=0, kind="stable")
        """Per crux, the rows that rated it, then the others."""
        self._rng = np.random.default_rng(seed)

    def shuffled(self) -> Matrix:
        keys = self._rng.random(self._credences.shape)
        keys[self._missing] = 2.0  # the raters, in random order, then the others
        values = np.take_along_axis(self._credences, np.argsort(keys, axis=0), axis=0)
        result = np.empty_like(self._credences)
        np.put_along_axis(result, self._rated_first, values, axis=0)
        return result


def find_groups(credences: Matrix, permutations: int = PERMUTATIONS, seed: int = SEED) -> GroupTest:
    """The best partition of at least 3 participants and its permutation test (module doc), on one core: see
    :data:`BLAS_THREADS`."""
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        return _find_groups(credences, permutations, seed)


def _find_groups(credences: Matrix, permutations: int, seed: int) -> GroupTest:
    pattern = Pattern(credences)
    observed = best_partition(pattern.distances(credences))
    shuffler = Shuffler(credences, seed)
    limit = ALPHA * (1 + permutations) - 1  # more shuffles at least as good as this and p > ALPHA
    as_good = 0
    for done in range(1, permutations + 1):
        if best_partition(pattern.distances(shuffler.shuffled())).silhouette >= observed.silhouette:
            as_good += 1
            if as_good > limit:
                return GroupTest(observed, p=(1 + as_good) / (1 + permutations), shuffles=done)
    return GroupTest(observed, p=(1 + as_good) / (1 + permutations), shuffles=permutations)


def group_means(credences: Matrix, labels: tuple[int, ...]) -> Matrix:
    """Each group's mean credence on each crux (groups × cruxes), ``NaN`` where none of its members rated it."""
    groups = max(labels) + 1
    rated = ~np.isnan(credences)
    members = np.zeros((groups, len(labels)))
    members[list(labels), np.arange(len(labels))] = 1.0
    totals = members @ np.where(rated, credences, 0.0)
    counts = members @ rated.astype(np.float64)
    return np.divide(totals, counts, out=np.full_like(totals, np.nan), where=counts > 0)


def separating_cruxes(means: Matrix, count: int) -> list[int]:
    """The columns (at most ``count``) where group means lie furthest apart, widest first; only cruxes that at least
    two groups rated."""
    rated = ~np.isnan(means)
    usable = rated.sum(axis=0) >= 2
    gaps = np.where(usable, np.nanmax(np.where(rated, means, -np.inf), axis=0), 0.0) - np.where(
        usable, np.nanmin(np.where(rated, means, np.inf), axis=0), 0.0
    )
    order = np.lexsort((np.arange(means.shape[1]), -gaps))
    return [int(column) for column in order if usable[column]][:count]
