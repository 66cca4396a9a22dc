"""The opinion-groups algorithm on constructed matrices: distances, silhouette, partitions, shuffles, the test."""

from __future__ import annotations

import math

import pytest

REASON = "the analysis extra (numpy, scipy, threadpoolctl) is not installed"
np = pytest.importorskip("numpy", reason=REASON)
pytest.importorskip("scipy", reason=REASON)
pytest.importorskip("threadpoolctl", reason=REASON)

from bot.core.opinion.clustering import (  # noqa: E402
    PERMUTATIONS,
    Shuffler,
    best_partition,
    credence_array,
    distances,
    find_groups,
    group_means,
    separating_cruxes,
    silhouette,
)

N = None
TWO_CAMPS = [  # rows 0-3 and 4-7 disagree on cruxes 0-3 and agree on crux 4
    [85, 90, 80, 20, 50],
    [80, 85, 90, 15, 55],
    [90, 80, 85, 25, 45],
    [85, 85, 80, 20, 50],
    [15, 10, 20, 80, 50],
    [20, 15, 10, 85, 55],
    [10, 20, 15, 75, 45],
    [15, 15, 20, 80, 50],
]


def test_distance_is_the_rms_difference_on_shared_cruxes_shrunk_toward_the_median() -> None:
    credences = credence_array([[10, 20, N], [40, 60, N], [10, N, 90], [N, N, 50]])
    rms = {(0, 1): math.sqrt((30**2 + 40**2) / 2), (0, 2): 0.0, (1, 2): 30.0, (2, 3): 40.0}
    shared = {(0, 1): 2, (0, 2): 1, (1, 2): 1, (2, 3): 1}
    median = (30.0 + rms[0, 1]) / 2  # of the four pairs that share a crux
    found = distances(credences, k0=4)
    for pair, value in rms.items():
        k = shared[pair]
        assert found[pair] == pytest.approx((k * value + 4 * median) / (k + 4))
        assert found[pair[::-1]] == found[pair]
    assert found[0, 3] == found[1, 3] == pytest.approx(median)  # nothing shared: the median
    assert list(np.diag(found)) == [0.0] * 4
    assert distances(credences, k0=0)[0, 1] == pytest.approx(rms[0, 1])  # no shrinking


def test_silhouette_matches_its_definition() -> None:
    near, far = 1.0, 10.0
    dist = np.array([[0, near, far, far], [near, 0, far, far], [far, far, 0, near], [far, far, near, 0]])
    assert silhouette(dist, np.array([0, 0, 1, 1])) == pytest.approx(0.9)  # (10 - 1) / 10 for everyone
    assert silhouette(dist, np.array([0, 1, 0, 1])) == pytest.approx(-0.45)  # (5.5 - 10) / 10
    # 3 alone scores 0; 0 and 1: (10 - 5.5) / 10; 2: (1 - 10) / 10
    assert silhouette(dist, np.array([0, 0, 0, 1])) == pytest.approx((0.45 + 0.45 - 0.9 + 0) / 4)


def test_the_best_partition_finds_three_camps_numbered_largest_first() -> None:
    camps = [0, 1, 1, 2, 2, 2, 2, 0, 0]  # sizes 3, 2, 4
    centres = {0: [10, 90, 50, 20], 1: [90, 10, 50, 80], 2: [50, 50, 10, 95]}
    rows = [[value + (row % 3) * 2 for value in centres[camp]] for row, camp in enumerate(camps)]
    partition = best_partition(distances(credence_array(rows)))
    renumbered = {2: 0, 0: 1, 1: 2}  # the camp of 4 first, then 3, then 2
    assert partition.labels == tuple(renumbered[camp] for camp in camps)
    assert partition.groups == 3


def test_a_shuffle_moves_each_cruxs_credences_among_those_who_rated_it() -> None:
    credences = credence_array([[10, N, 30], [20, 50, N], [30, 60, 70], [N, 70, 80], [40, 80, 90]])
    first, again = Shuffler(credences, seed=3), Shuffler(credences, seed=3)
    copies = [first.shuffled() for _ in range(20)]
    for copy in copies:
        assert (np.isnan(copy) == np.isnan(credences)).all()
        for crux in range(3):
            assert sorted(copy[~np.isnan(copy[:, crux]), crux]) == sorted(
                credences[~np.isnan(credences[:, crux]), crux]
            )
    assert any((np.nan_to_num(copy) != np.nan_to_num(credences)).any() for copy in copies)
    assert all(np.array_equal(copy, again.shuffled(), equal_nan=True) for copy in copies)  # seeded


def test_clear_camps_pass_the_test_and_no_shuffle_beats_them() -> None:
    test = find_groups(credence_array(TWO_CAMPS))
    assert test.found and test.partition.labels == (0, 0, 0, 0, 1, 1, 1, 1)
    assert test.shuffles == PERMUTATIONS and test.p == pytest.approx(1 / (1 + PERMUTATIONS))
    assert find_groups(credence_array(TWO_CAMPS)) == test  # the same matrix, the same answer


def test_no_groups_stand_out_where_everyone_agrees_or_credences_are_shapeless() -> None:
    agreeing = credence_array([[50, 60, 70]] * 6)
    assert not find_groups(agreeing).found
    shapeless = credence_array([[50, 60, 70], [55, 65, 60], [45, 70, 65], [60, 55, 75], [50, 65, 70], [55, 60, 65]])
    test = find_groups(shapeless)
    assert not test.found and test.p > 0.05 and test.shuffles < PERMUTATIONS  # stopped once it could not pass


def test_the_separating_cruxes_are_those_whose_group_means_lie_furthest_apart() -> None:
    credences = credence_array([[90, 50, N, 60], [80, 50, 10, 70], [10, 50, N, 40], [20, 50, N, N]])
    means = group_means(credences, (0, 0, 1, 1))
    assert means[:, 0].tolist() == [85, 15] and means[:, 3].tolist() == [65, 40]
    assert means[0, 2] == 10 and math.isnan(means[1, 2])
    assert separating_cruxes(means, 3) == [0, 3, 1]  # crux 2: only one group rated it
    assert separating_cruxes(means, 1) == [0]
