"""The bridging model on constructed debates: what it calls common ground and divisive, its bounds, which divide it
names, and the fallback below its minimums (said, and computed over the opinion groups or the declared sides)."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy", reason="the analysis extra (numpy) is not installed")

from bot.core.opinion import divides  # noqa: E402
from bot.core.opinion.bridging import assess, credence_array, fit  # noqa: E402
from bot.core.opinion.divides import BridgingInput, Divide, name_divide  # noqa: E402
from bot.core.opinion.divides import assess as assess_debate  # noqa: E402
from bot.core.opinion.groups import CredenceMatrix  # noqa: E402

SIDES = ("Pro", "Con")


def planted(people: int = 20) -> list[list[float | None]]:
    """``people`` participants, the first 60 % Pro: crux 0 everyone thinks likely (about 80), crux 1 Pro thinks
    likely and Con unlikely (90 / 10), crux 2 nobody leans on (50), crux 3 everyone thinks unlikely (about 25)."""
    rows: list[list[float | None]] = []
    for person in range(people):
        pro = person < people * 0.6
        wobble = (person % 5) * 2 - 4
        rows.append([80 + wobble, (90 if pro else 10) + wobble, 50 + wobble, 25 - wobble])
    return rows


def given(rows: list[list[float | None]], open_numbers: tuple[int, ...] = (1, 2, 3, 4)) -> BridgingInput:
    users = tuple(range(100, 100 + len(rows)))
    matrix = CredenceMatrix(1, users, (11, 12, 13, 14), rows, (len(rows) * 4, 1), (1, 2, 3, 4))
    cruxes = {11 + n - 1: n for n in open_numbers}
    sides = {user: SIDES[0] if index < len(rows) * 0.6 else SIDES[1] for index, user in enumerate(users)}
    return BridgingInput(matrix, cruxes, sides)


def test_the_factor_explains_the_polarising_crux_and_the_intercepts_what_everyone_shares() -> None:
    found = fit(credence_array(planted()))
    assert abs(found.factors[1]) > 5 * max(abs(found.factors[0]), abs(found.factors[3]))
    assert found.intercepts[0] > 0.2 > abs(found.intercepts[1])
    assert found.intercepts[3] < -0.15
    assert np.all(found.low <= found.intercepts) and np.all(found.intercepts <= found.high)
    assert np.all(found.high - found.low > 0)


def test_common_ground_needs_a_bounded_lean_and_raters_on_both_sides() -> None:
    found = assess(credence_array(planted()))
    assert list(found.common()) == [True, False, False, True]
    lonely = planted()
    for row in lonely[12:]:  # Con (the last 8) leave crux 0 unrated: no raters on one side of the divide
        row[0] = None
    assert not assess(credence_array(lonely)).common()[0]


def test_the_summary_names_common_ground_what_divides_and_that_the_divide_follows_the_sides() -> None:
    bridged = assess_debate(given(planted()))
    assert bridged.fallback is None
    assert [(c.number, c.yes) for c in bridged.common] == [(1, True), (4, False)]
    assert 70 <= bridged.common[0].lean <= 85 and bridged.common[0].bound <= bridged.common[0].lean
    assert 20 <= bridged.common[1].lean <= 35 and bridged.common[1].bound >= bridged.common[1].lean
    assert bridged.common[0].firm and bridged.common[0].medians == (78, 80)
    (dividing,) = bridged.dividing
    assert dividing.number == 2 and dividing.medians == (88, 10)  # low medians, by hand
    assert bridged.divide == Divide("sides", "Pro", "Con", pytest.approx(1.0, abs=0.05))


def test_only_open_cruxes_are_named() -> None:
    bridged = assess_debate(given(planted(), open_numbers=(2, 3, 4)))
    assert [c.number for c in bridged.common] == [4]


def test_below_the_minimum_it_falls_back_to_the_consensus_of_the_sides_and_says_why() -> None:
    bridged = assess_debate(given(planted(people=10)))
    assert bridged.fallback is not None
    assert bridged.fallback.why == "the bridging model needs 15 participants with credences, and there are 10"
    assert bridged.fallback.over == "declared sides"
    assert [ref for ref, _ in bridged.fallback.strongest] == ["#1", "#4"]  # as strong: by number
    assert not bridged.common and not bridged.dividing


def test_the_fallback_uses_the_opinion_groups_when_they_stand_out() -> None:
    small = given(planted(people=10))
    groups = {user: 0 if index < 5 else 1 for index, user in enumerate(small.matrix.users)}
    bridged = assess_debate(small, groups)
    assert bridged.fallback is not None and bridged.fallback.over == "opinion groups"


def test_without_numpy_it_falls_back_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(divides, "_model", lambda: None)
    bridged = assess_debate(given(planted()))
    assert bridged.fallback is not None and "analysis extra" in bridged.fallback.why


def test_a_divide_that_neither_sides_nor_groups_account_for_follows_none() -> None:
    factors = {1: 1.0, 2: -1.0, 3: 1.0, 4: -1.0}
    sides = {1: "A", 2: "A", 3: "B", 4: "B"}
    assert name_divide(factors, sides, None) == Divide(None, share=0.0)
    assert name_divide(factors, sides, {1: 0, 2: 1, 3: 0, 4: 1}) == Divide("groups", "group 1", "group 2", 1.0)
