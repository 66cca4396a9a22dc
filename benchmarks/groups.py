"""Opinion groups (``bot.core.opinion.clustering``) on generated credence matrices: recovery, the significance gate,
speed.

A matrix of ``participants × cruxes``: credences 0–100; participants split evenly, in random order, into the
planted groups; half the cruxes, picked at random, are contested — each planted group's mean drawn from U(0, 100) —
and on the others all participants share one mean drawn from U(0, 100); noise with sd 12; clipped to [0, 100]; then
the stated share of cells, picked at random, removed. "No planted groups" is one group: every crux uncontested.

Targets (the figure, then PASS or FAIL):

- recovery, the clustering before the significance gate: median adjusted Rand index ≥ 0.8 against the planted
  groups, for 2 groups at 6 × 10 with 30 % missing and 5 groups at 50 × 50 with 50 % missing;
- the gate: groups reported on at most 5 % of matrices without planted groups at 6 × 10 (30 % missing), 50 × 50
  (50 %) and 50 × 500 (90 %); on at least 90 % of matrices with 3 planted groups at 30 × 100 with 70 % missing;
- speed on one core (CPU time, BLAS limited to one thread): the clustering at 50 × 500 ≤ 100 ms; the whole test with
  all its shuffles (a matrix with groups, so none is skipped) ≤ 2 s. Medians.

Then, without a target, what the summary's line on opinion groups costs on ``benchmarks.summary``'s debate of
10,000 claims. Needs the ``analysis`` extra. Seeded: every run draws the same matrices.

    python -m benchmarks.groups [--matrices 200] [--timed 20] [--summary-claims 10000]
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core, before numpy loads
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import asyncio  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.special import comb  # noqa: E402

from benchmarks.common import print_machine, sqlite_url, write_results  # noqa: E402
from benchmarks.planted import Shape, generate  # noqa: E402
from benchmarks.summary import build  # noqa: E402
from bot.core.opinion.clustering import PERMUTATIONS, Matrix, best_partition, distances, find_groups  # noqa: E402
from bot.core.opinion.groups import credence_matrix, credence_version, find  # noqa: E402
from bot.db import Database  # noqa: E402
from schema import Debate  # noqa: E402

SEED = 2026


def adjusted_rand_index(truth: list[int], found: tuple[int, ...]) -> float:
    """Hubert and Arabie's adjusted Rand index of two partitions (1 when identical, about 0 by chance)."""
    table = np.zeros((max(truth) + 1, max(found) + 1))
    np.add.at(table, (truth, list(found)), 1)
    pairs = comb(table, 2).sum()
    rows, columns = comb(table.sum(axis=1), 2).sum(), comb(table.sum(axis=0), 2).sum()
    expected = rows * columns / comb(len(truth), 2)
    best = (rows + columns) / 2
    return 1.0 if best == expected else float((pairs - expected) / (best - expected))


def cpu_ms(job: Callable[[], object]) -> float:
    start = time.process_time()
    job()
    return (time.process_time() - start) * 1000


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    figure: float
    shown: str
    goal: str
    met: bool

    def line(self) -> str:
        return f"{'PASS' if self.met else 'FAIL'}  {self.name}: {self.shown} (target {self.goal})"


def cluster(credences: Matrix) -> tuple[int, ...]:
    """The clustering without the significance test: each participant's group."""
    return best_partition(distances(credences)).labels


def recovery(rng: np.random.Generator, shape: Shape, matrices: int) -> Target:
    scores = []
    for _ in range(matrices):
        credences, planted = generate(rng, shape)
        scores.append(adjusted_rand_index(planted, cluster(credences)))
    median = statistics.median(scores)
    return Target(
        f"recovery, {shape}, {matrices} matrices", median, f"median ARI {median:.2f}", "≥ 0.80", median >= 0.8
    )


def reported(rng: np.random.Generator, shape: Shape, matrices: int) -> float:
    """The share of generated matrices on which the test reports groups."""
    return sum(find_groups(generate(rng, shape)[0]).found for _ in range(matrices)) / matrices


def gate(rng: np.random.Generator, shape: Shape, matrices: int) -> Target:
    share = reported(rng, shape, matrices)
    if shape.groups == 1:
        return Target(f"false groups, {shape}", share, f"reported on {share * 100:.1f} %", "≤ 5 %", share <= 0.05)
    return Target(f"power, {shape}", share, f"reported on {share * 100:.1f} %", "≥ 90 %", share >= 0.9)


def speed(rng: np.random.Generator, timed: int) -> list[Target]:
    shape = Shape(50, 500, 5, 0.5)
    clustering, whole = [], []
    for _ in range(timed):
        credences, _ = generate(rng, shape)
        clustering.append(cpu_ms(partial(cluster, credences)))
        whole.append(cpu_ms(partial(find_groups, credences)))
    cluster_ms, whole_ms = statistics.median(clustering), statistics.median(whole)
    return [
        Target(
            f"clustering at 50 × 500, median of {timed}",
            cluster_ms,
            f"{cluster_ms:.1f} ms",
            "≤ 100 ms",
            cluster_ms <= 100,
        ),
        Target(
            f"whole test at 50 × 500 with {PERMUTATIONS} shuffles, median of {timed}",
            whole_ms,
            f"{whole_ms:.0f} ms",
            "≤ 2000 ms",
            whole_ms <= 2000,
        ),
    ]


async def summary_cost(claims: int, runs: int) -> dict[str, float]:
    """What the summary's line on opinion groups costs on ``benchmarks.summary``'s debate of ``claims`` claims (10
    participants, each crux rated by 5): medians, in wall milliseconds, of the version query (all that a summary of
    unchanged credences adds) and of reading the matrix (and its CPU time), and the test's CPU milliseconds (it runs
    in a worker thread)."""
    with tempfile.TemporaryDirectory(prefix="bench-groups-") as tmp:
        db = Database(sqlite_url(Path(tmp) / "groups.db"))
        try:
            await db.upgrade()
            debate_id, _ = await build(db, claims)
            async with db.read() as session:
                debate = await session.get_one(Debate, debate_id)
                version_ms, matrix_ms, matrix_cpu_ms = [], [], []
                for _ in range(runs):
                    started = time.perf_counter()
                    await session.run_sync(credence_version, debate)
                    version_ms.append((time.perf_counter() - started) * 1000)
                    started, cpu = time.perf_counter(), time.process_time()
                    matrix = await session.run_sync(credence_matrix, debate)
                    matrix_ms.append((time.perf_counter() - started) * 1000)
                    matrix_cpu_ms.append((time.process_time() - cpu) * 1000)
        finally:
            await db.dispose()
    test_ms = statistics.median(cpu_ms(partial(find, matrix)) for _ in range(runs))
    return {
        "version_ms": statistics.median(version_ms),
        "matrix_ms": statistics.median(matrix_ms),
        "matrix_cpu_ms": statistics.median(matrix_cpu_ms),
        "test_cpu_ms": test_ms,
        "participants": len(matrix.users),
        "cruxes": len(matrix.cruxes),
    }


def measured(rng: np.random.Generator, matrices: int, timed: int) -> Iterator[Target]:
    """Every target, measured one after the other."""
    yield recovery(rng, Shape(6, 10, 2, 0.3), matrices)
    yield recovery(rng, Shape(50, 50, 5, 0.5), matrices)
    for participants, cruxes, missing in ((6, 10, 0.3), (50, 50, 0.5), (50, 500, 0.9)):
        yield gate(rng, Shape(participants, cruxes, 1, missing), matrices)
    yield gate(rng, Shape(30, 100, 3, 0.7), matrices)
    yield from speed(rng, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--matrices", type=int, default=200, help="matrices per recovery and gate target")
    parser.add_argument("--timed", type=int, default=20, help="matrices timed for the speed targets")
    parser.add_argument("--summary-claims", type=int, default=10_000, help="debate size for the summary's line")
    args = parser.parse_args()
    print_machine()
    rng = np.random.default_rng(SEED)
    targets = []
    for target in measured(rng, args.matrices, args.timed):
        print(target.line(), flush=True)
        targets.append(target)
    cost = asyncio.run(summary_cost(args.summary_claims, 5))
    print(
        f"\nThe summary's line at {args.summary_claims:,} claims ({cost['participants']:.0f} participants × "
        f"{cost['cruxes']:,.0f} cruxes): {cost['version_ms']:.1f} ms when the credences are unchanged (the version "
        f"query); after a change {cost['matrix_ms']:.1f} ms ({cost['matrix_cpu_ms']:.0f} ms of CPU) to read the matrix "
        f"and {cost['test_cpu_ms']:.0f} ms of CPU for the test, in a worker thread."
    )
    path = write_results(
        "groups",
        {"matrices": args.matrices, "timed": args.timed, "seed": SEED, "permutations": PERMUTATIONS},
        {**{target.name: target.figure for target in targets}, "summary_line": cost},
    )
    print(f"{sum(t.met for t in targets)} of {len(targets)} targets met · figures in {path}")


if __name__ == "__main__":
    main()
