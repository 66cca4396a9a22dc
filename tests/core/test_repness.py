"""What sets an opinion group apart (Polis's representativeness over credences), against figures computed by hand
from the formulas of compdemocracy/polis ``math/src/polismath/math/repness.clj`` and ``stats.clj``."""

from __future__ import annotations

import math

import pytest

from bot.core.opinion.repness import (
    Representative,
    crux_repness,
    label,
    passes,
    prop_test,
    representative_cruxes,
    two_prop_test,
)

# Two groups of four (rows 0–3 and 4–7) on three cruxes: the first group high on crux 0 where the others are low, low
# on crux 2 where the others are mostly high; crux 1 divides no one (two of the first group rated it 60 and 40, one
# sat on 50, one gave no credence).
ROWS: list[list[float | None]] = [
    [80, 60, 10],
    [90, 40, 20],
    [70, 50, 30],
    [60, None, 40],
    [20, 60, 70],
    [30, 40, 40],
    [40, 70, 80],
    [10, 30, 90],
]
LABELS = [0, 0, 0, 0, 1, 1, 1, 1]


def test_the_one_and_two_proportion_tests_are_polis_s() -> None:
    assert prop_test(4, 4) == pytest.approx(math.sqrt(5))  # 2·√5·(5/5 − ½)
    assert prop_test(1, 2) == pytest.approx(2 * math.sqrt(3) / 6)  # 2·√3·(2/3 − ½)
    assert two_prop_test(4, 0, 4, 4) == pytest.approx(0.8 / math.sqrt(0.6 * 0.4 * 0.4))  # 5/5 − 1/5 over pooled 6/10
    assert two_prop_test(4, 4, 4, 4) == 0.0  # every trial a success: Polis's 0


def test_a_crux_the_group_agrees_on_and_the_others_do_not_represents_it_high() -> None:
    found = crux_repness(0, [80, 90, 70, 60], [20, 30, 40, 10])
    assert (found.high, found.successes, found.trials) == (True, 4, 4)
    assert found.p == pytest.approx(5 / 6)  # (1 + 4) / (2 + 4)
    assert found.ratio == pytest.approx(5.0)  # (5/6) / ((1 + 0) / (2 + 4))
    assert found.p_test == pytest.approx(2.23607, abs=1e-5)
    assert found.ratio_test == pytest.approx(2.58199, abs=1e-5)
    assert passes(found)


def test_both_z_must_pass_as_polis_s_passes_by_test_asks() -> None:
    two_of_three = crux_repness(0, [80, 70, 20], [10] * 10)
    assert two_of_three.ratio_test == pytest.approx(2.5526, abs=1e-4)  # far above the others…
    assert two_of_three.p_test == pytest.approx(1.0)  # …but 2 of 3 is not a clear majority: 2·√4·(3/4 − ½)
    assert not passes(two_of_three)


def test_each_group_gets_its_significant_cruxes_most_representative_first() -> None:
    first, second = representative_cruxes(ROWS, LABELS)
    assert [(r.column, r.high) for r in first] == [(0, True), (2, False)]
    low = first[1]
    assert low.p == pytest.approx(5 / 6) and low.ratio == pytest.approx(2.5)  # (5/6) / ((1 + 1) / (2 + 4))
    assert low.ratio_test == pytest.approx(2.07020, abs=1e-5)  # 5/5 − 2/5 over pooled 7/10
    assert first[0].metric == pytest.approx(5 * 2.58199 * 5 / 6 * 2.23607, rel=1e-4)
    assert first[0].metric > low.metric
    assert [(r.column, r.high) for r in second] == [(0, False), (2, True)]


def test_a_group_is_named_by_what_sets_it_apart() -> None:
    first, second = representative_cruxes(ROWS, LABELS)
    assert label(first, [3, 7, 9]) == "high on Crux #3, low on #9"
    assert label(second, [3, 7, 9]) == "high on Crux #9, low on #3"
    high = [Representative(column, True, 4, 4, 0.8, 2.0, 2.0, 2.0) for column in (2, 0)]
    assert label([*high, Representative(1, False, 4, 4, 0.8, 2.0, 2.0, 2.0)], [3, 7, 9]) == (
        "high on Crux #3 and #9, low on #7"
    )
    assert label([Representative(1, False, 4, 4, 0.8, 2.0, 2.0, 2.0)], [3, 7, 9]) == "low on Crux #7"
    assert label([], [3, 7, 9]) == ""
