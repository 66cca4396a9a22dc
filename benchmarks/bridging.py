"""The bridging model (``bot.core.opinion.bridging``) on generated debates: does it rank the cruxes both sides lean
the same way on above those that split them, and does a brigade move it?

**Generator** (seeded; our own synthetic data, not real debates). ``participants × cruxes``; a planted divide: a
majority side (:data:`MAJORITY`) and a minority, each participant at a position x = ±U(0.7, 1) on it and with a
personal lean N(0, 0.05). Ratings are credence/100 − 0.5; each crux is one of four kinds, a quarter each:

- *bridging*: everyone leans the same way, c = ±U(0.1, 0.25);
- *polarising*: the sides lean opposite ways, g·x with g = ±U(0.35, 0.5) (and a lean U(−0.05, 0.05));
- *neutral*: nobody leans (0);
- *bad*: a muddled question, each rating drawn U(−0.5, 0.5).

Each rating gets noise N(0, 0.1); credences are rounded and clipped to 0–100; then only a random ``density`` share of
cells is kept (each crux and participant keeping at least one). With a 70 / 30 majority, a polarising crux's mean
leans its majority's way about as far as a bridging crux's: the case plain means get wrong.

**Measured** (10 seeds each; the figure, then the target):

- AUC, bridging cruxes ranked above polarising ones by the lean of the less convinced end of the divide
  (bridging: min over the two ends of ±(μ + i_n + f_n × that end's mean f_u)) and by |mean credence − 50| (plain),
  at 60 × 40 with 30 % density and at 200 × 300 with 60 %: bridging ≥ 0.9, plain ≤ 0.7;
- a brigade: 30 % of the participants, partisans of one side, all rate one polarising crux their side favours at 100
  (before: they rate it as their side does, at the same density); the places it climbs among the bridging cruxes
  (the common ground it could push aside): bridging ≤ 2, and how far under the plain mean;
- 10 participants at 30 %: the same AUC, and how often the minimums make the summary fall back (they should);
- CPU time of one fit at 200 × 300, 60 %, pseudo-rater bounds included (median of the seeds), < 2 s on one core.

With ``--sweep``, then a sweep of λ_f (λ_i = 5 λ_f) and of the common-ground thresholds, on seeds apart from the
reported ones: how they were chosen.

    python -m benchmarks.bridging [--seeds 10] [--sweep]
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core, before numpy loads
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from enum import Enum  # noqa: E402
from functools import partial  # noqa: E402

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

from benchmarks.common import print_machine  # noqa: E402
from bot.core.opinion.bridging import LAMBDA_F, Assessment, Matrix, assess, fit  # noqa: E402
from bot.core.opinion.divides import MIN_PARTICIPANTS, fallback_reason  # noqa: E402

MAJORITY = 0.7
NOISE = 0.1
REPORT_SEEDS = 1000
"""Reported seeds start here; the sweep's seeds start at 0."""
BRIGADE = 0.3


class Kind(Enum):
    BRIDGING = "bridging"
    POLARISING = "polarising"
    NEUTRAL = "neutral"
    BAD = "bad"


@dataclass(frozen=True, slots=True)
class Debate:
    """Credences (``NaN`` where none), each crux's kind and lean, each participant's side (+1 majority, −1)."""

    credences: Matrix
    kinds: tuple[Kind, ...]
    divide: npt.NDArray[np.float64]
    """Each crux's g (0 off polarising cruxes)."""
    sides: npt.NDArray[np.int64]


def generate(participants: int, cruxes: int, density: float, seed: int) -> Debate:
    """A synthetic debate (module doc)."""
    rng = np.random.default_rng(seed)
    sides = np.where(rng.random(participants) < MAJORITY, 1, -1)
    position = sides * rng.uniform(0.7, 1.0, participants)
    kinds = tuple(list(Kind)[int(i) % 4] for i in rng.permutation(cruxes))
    lean = np.zeros(cruxes)
    divide = np.zeros(cruxes)
    for n, kind in enumerate(kinds):
        sign = rng.choice([-1.0, 1.0])
        if kind is Kind.BRIDGING:
            lean[n] = sign * rng.uniform(0.1, 0.25)
        elif kind is Kind.POLARISING:
            divide[n] = sign * rng.uniform(0.35, 0.5)
            lean[n] = rng.uniform(-0.05, 0.05)
    rating = lean[None, :] + np.outer(position, divide) + rng.normal(0, 0.05, participants)[:, None]
    bad = np.array([kind is Kind.BAD for kind in kinds])
    rating[:, bad] = rng.uniform(-0.5, 0.5, (participants, int(bad.sum())))
    rating += rng.normal(0, NOISE, rating.shape)
    credences = np.clip(np.round((rating + 0.5) * 100), 0, 100)
    keep = rng.random(credences.shape) < density
    keep[rng.integers(0, participants, cruxes), np.arange(cruxes)] = True
    keep[np.arange(participants), rng.integers(0, cruxes, participants)] = True
    return Debate(np.where(keep, credences, np.nan), kinds, divide, sides)


def auc(positives: list[float], negatives: list[float]) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


Scorer = Callable[[Matrix], npt.NDArray[np.float64]]


def bridging_scores(credences: Matrix, lambda_f: float = LAMBDA_F) -> npt.NDArray[np.float64]:
    """How much of common ground each crux is: the lean of the less convinced end of the divide."""
    return assess(credences, lambda_i=5 * lambda_f, lambda_f=lambda_f).lean


def plain_scores(credences: Matrix) -> npt.NDArray[np.float64]:
    """|mean credence − 50|."""
    means: npt.NDArray[np.float64] = np.nanmean(credences, axis=0)
    return np.abs(means - 50)


def kind_auc(debate: Debate, scores: npt.NDArray[np.float64]) -> float:
    positives = [float(s) for s, k in zip(scores, debate.kinds, strict=True) if k is Kind.BRIDGING]
    negatives = [float(s) for s, k in zip(scores, debate.kinds, strict=True) if k is Kind.POLARISING]
    return auc(positives, negatives)


def rank_of(scores: npt.NDArray[np.float64], column: int, among: npt.NDArray[np.bool_]) -> int:
    """The crux's place (1 first) among the cruxes ``among`` and itself, by score."""
    return int((scores[among] > scores[column]).sum()) + 1


def brigaded(debate: Debate, seed: int) -> tuple[Matrix, Matrix, int]:
    """The debate before and after a brigade (module doc): its target crux and both matrices."""
    rng = np.random.default_rng(seed + 7)
    polarising = [n for n, k in enumerate(debate.kinds) if k is Kind.POLARISING]
    target = int(rng.choice(polarising))
    favoured = 1 if debate.divide[target] > 0 else -1
    partisans = np.flatnonzero(debate.sides == favoured)
    count = min(len(partisans), round(BRIGADE * len(debate.sides)))
    brigade = rng.choice(partisans, count, replace=False)
    after = debate.credences.copy()
    after[brigade, target] = 100.0
    return debate.credences, after, target


def climbed(debate: Debate, seed: int, scorer: Scorer) -> int:
    before, after, target = brigaded(debate, seed)
    bridging = np.array([kind is Kind.BRIDGING for kind in debate.kinds])
    return rank_of(scorer(before), target, bridging) - rank_of(scorer(after), target, bridging)


def cpu_seconds(job: Callable[[], object]) -> float:
    start = time.process_time()
    job()
    return time.process_time() - start


@dataclass(frozen=True, slots=True)
class Shape:
    participants: int
    cruxes: int
    density: float

    def __str__(self) -> str:
        return f"{self.participants} × {self.cruxes} at {self.density:.0%}"


def debates(shape: Shape, seeds: range) -> list[tuple[int, Debate]]:
    return [(seed, generate(shape.participants, shape.cruxes, shape.density, seed)) for seed in seeds]


def report_auc(shape: Shape, seeds: range) -> None:
    found = debates(shape, seeds)
    bridged = [kind_auc(d, bridging_scores(d.credences)) for _, d in found]
    plain = [kind_auc(d, plain_scores(d.credences)) for _, d in found]
    b, p = statistics.mean(bridged), statistics.mean(plain)
    verdict = "PASS" if b >= 0.9 and p <= 0.7 else "FAIL"
    print(
        f"AUC bridging above polarising, {shape}: bridging {b:.3f} (min {min(bridged):.3f}) · "
        f"plain mean {p:.3f} (max {max(plain):.3f})   target ≥ 0.9 vs ≤ 0.7: {verdict}"
    )


def report_brigade(shape: Shape, seeds: range) -> None:
    found = debates(shape, seeds)
    bridged = [climbed(d, seed, bridging_scores) for seed, d in found]
    plain = [climbed(d, seed, plain_scores) for seed, d in found]
    verdict = "PASS" if max(bridged) <= 2 else "FAIL"
    print(
        f"Brigade of {BRIGADE:.0%} on a polarising crux, {shape}: ranks climbed under bridging "
        f"max {max(bridged)} (median {statistics.median(bridged)}) · under the plain mean max {max(plain)} "
        f"(median {statistics.median(plain)})   target ≤ 2: {verdict}"
    )


def report_small(shape: Shape, seeds: range) -> None:
    found = debates(shape, seeds)
    bridged = [kind_auc(d, bridging_scores(d.credences)) for _, d in found]
    plain = [kind_auc(d, plain_scores(d.credences)) for _, d in found]
    fell_back = sum(fallback_reason(len(d.sides), _assessed(d.credences)) is not None for _, d in found)
    print(
        f"Small, {shape}: AUC bridging {statistics.mean(bridged):.3f} · plain {statistics.mean(plain):.3f}; "
        f"fell back to the group-aware consensus in {fell_back} of {len(found)}   (expected: all)"
    )


def _assessed(credences: Matrix) -> Assessment | None:
    return assess(credences) if len(credences) >= MIN_PARTICIPANTS else None


def report_speed(shape: Shape, seeds: range) -> None:
    found = debates(shape, seeds)
    times = [cpu_seconds(partial(fit, d.credences)) for _, d in found]
    whole = [cpu_seconds(partial(assess, d.credences)) for _, d in found]
    median = statistics.median(times)
    verdict = "PASS" if median < 2 else "FAIL"
    print(
        f"CPU, one core, {shape}: the fit with pseudo-rater bounds {median * 1000:.0f} ms (max {max(times) * 1000:.0f})"
        f"; with the summary's classification {statistics.median(whole) * 1000:.0f} ms   target < 2 s: {verdict}"
    )


def sweep(seeds: range) -> None:
    """λ_f (λ_i = 5 λ_f) against AUC and brigade climb, on the sweep's seeds."""
    for lambda_f in (0.003, 0.01, 0.03, 0.1, 0.3):

        def scorer(c: Matrix, lf: float = lambda_f) -> npt.NDArray[np.float64]:
            return bridging_scores(c, lf)

        cells = []
        for shape in (Shape(60, 40, 0.3), Shape(200, 300, 0.6)):
            found = debates(shape, seeds)
            aucs = [kind_auc(d, scorer(d.credences)) for _, d in found]
            climbs = [climbed(d, seed, scorer) for seed, d in found]
            cells.append(f"{shape}: AUC {statistics.mean(aucs):.3f}, climb max {max(climbs)}")
        print(f"  λ_f {lambda_f:<6} " + " · ".join(cells))


def sweep_thresholds(seeds: range) -> None:
    """Precision and recall of common ground (against the planted bridging cruxes) by raters required on each side
    of the divide and by the least lean, on the sweep's seeds."""
    for shape in (Shape(10, 40, 0.3), Shape(20, 20, 0.3), Shape(60, 40, 0.3)):
        found = debates(shape, seeds)
        for min_side in (2, 3, 4):
            assessed = [(assess(d.credences, min_side), d) for _, d in found]
            cells = []
            for lean in (0.0, 0.03, 0.05, 0.08):
                hits = wrong = missed = 0
                for assessment, d in assessed:
                    common = assessment.common(lean)
                    planted = np.array([kind is Kind.BRIDGING for kind in d.kinds])
                    hits += int((common & planted).sum())
                    wrong += int((common & ~planted).sum())
                    missed += int((~common & planted).sum())
                cells.append(f"{lean:.2f}: P {hits / max(hits + wrong, 1):.2f} R {hits / max(hits + missed, 1):.2f}")
            print(f"  {shape}, {min_side} a side — " + " · ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--sweep", action="store_true", help="also sweep λ_f on seeds apart from the reported ones")
    args = parser.parse_args()
    print_machine()
    seeds = range(REPORT_SEEDS, REPORT_SEEDS + args.seeds)
    for shape in (Shape(60, 40, 0.3), Shape(200, 300, 0.6)):
        report_auc(shape, seeds)
        report_brigade(shape, seeds)
    report_small(Shape(10, 40, 0.3), seeds)
    report_speed(Shape(200, 300, 0.6), seeds)
    if args.sweep:
        print("Sweep of λ_f (seeds 0–4, apart from the reported ones):")
        sweep(range(5))
        print("Sweep of the common-ground thresholds, precision P and recall R by least lean (seeds 0–4):")
        sweep_thresholds(range(5))


if __name__ == "__main__":
    main()
