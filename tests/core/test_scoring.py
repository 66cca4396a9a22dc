"""The scoring formulas, calibration and common ground, against the hand-computed fixtures of
``docs/scoring.md``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.opinion.commonground import Agreement, Lean, Leans, common_ground
from bot.core.scoring.formulas import (
    Bin,
    Score,
    Step,
    baseline_points,
    calibration,
    peer_scores,
    score_history,
    standings,
)

OPENED = datetime(2026, 1, 1, tzinfo=UTC)
RESOLVED = OPENED + timedelta(days=10)
HALF = OPENED + timedelta(days=5)


def _rounded(score: Score | None) -> tuple[float, float, float]:
    assert score is not None
    return round(score.brier, 2), round(score.baseline, 1), round(score.coverage, 2)


@pytest.mark.parametrize(
    ("steps", "yes", "expected"),
    [
        ([Step(OPENED, 80)], True, (0.04, 67.8, 1.0)),
        ([Step(HALF, 80)], True, (0.04, 33.9, 0.5)),
        ([Step(OPENED, 30), Step(HALF, 90)], True, (0.25, 5.6, 1.0)),
        ([Step(OPENED, 30)], False, (0.09, 48.5, 1.0)),
        ([Step(OPENED, 0)], True, (1.0, -564.4, 1.0)),
        ([Step(OPENED, 30)], True, (0.49, -73.7, 1.0)),
    ],
    ids=["80-whole-yes", "80-last-half-yes", "30-then-90-yes", "30-no", "0-yes", "30-yes"],
)
def test_the_fixtures_of_the_scoring_document(steps: list[Step], yes: bool, expected: tuple[float, ...]) -> None:
    assert _rounded(score_history(steps, OPENED, RESOLVED, yes)) == expected


def test_clamping_bounds_the_baseline_score_and_brier_is_unclamped() -> None:
    assert baseline_points(1.0, True) == baseline_points(0.99, True)
    assert baseline_points(0.0, False) == baseline_points(0.01, False)
    assert round(baseline_points(0.5, True), 6) == 0.0
    assert _rounded(score_history([Step(OPENED, 100)], OPENED, RESOLVED, True))[0] == 0.0


def test_credences_outside_the_open_time_or_without_duration_do_not_count() -> None:
    early = OPENED - timedelta(days=1)
    assert _rounded(score_history([Step(early, 80)], OPENED, RESOLVED, True)) == (0.04, 67.8, 1.0)
    assert score_history([Step(RESOLVED, 80)], OPENED, RESOLVED, True) is None
    assert score_history([], OPENED, RESOLVED, True) is None
    assert score_history([Step(OPENED, 80)], OPENED, OPENED, True) is None
    # Two credences at the same instant: only the second stands.
    same = [Step(OPENED, 10), Step(OPENED, 80)]
    assert _rounded(score_history(same, OPENED, RESOLVED, True)) == (0.04, 67.8, 1.0)


A, B, C = 1, 2, 3


@pytest.mark.parametrize(
    ("histories", "yes", "expected"),
    [
        # 100·ln(0.8 / 0.4) = 69.3, and the other way round.
        ({A: [Step(OPENED, 80)], B: [Step(OPENED, 40)]}, True, {A: 69.3, B: -69.3}),
        # A: 100·ln(0.8 / √(0.4·0.5)) = 58.2 (= 100·3/2·ln(0.8 / ∛(0.8·0.4·0.5)), Metaculus' form);
        # B: 100·ln(0.4 / √(0.8·0.5)) = −45.8; C: 100·ln(0.5 / √(0.8·0.4)) = −12.3. They sum to 0.
        ({A: [Step(OPENED, 80)], B: [Step(OPENED, 40)], C: [Step(OPENED, 50)]}, True, {A: 58.2, B: -45.8, C: -12.3}),
        # Alone for the first half: 0 then; 69.3 for the second half, weighted by half the open time.
        ({A: [Step(OPENED, 80)], B: [Step(HALF, 40)]}, True, {A: 34.7, B: -34.7}),
        # Resolved no: q = 1 − p, 100·ln(0.2 / 0.6) = −109.9.
        ({A: [Step(OPENED, 80)], B: [Step(OPENED, 40)]}, False, {A: -109.9, B: 109.9}),
        # 100 is clamped to 0.99: 100·ln(0.99 / 0.5) = 68.3.
        ({A: [Step(OPENED, 100)], B: [Step(OPENED, 50)]}, True, {A: 68.3, B: -68.3}),
        # Alone all along: 0.
        ({A: [Step(OPENED, 80)]}, True, {A: 0.0}),
        # A moves from 40 to 80 at half time; B holds 40: 0 for the first half, then 69.3 × 1/2.
        ({A: [Step(OPENED, 40), Step(HALF, 80)], B: [Step(OPENED, 40)]}, True, {A: 34.7, B: -34.7}),
    ],
    ids=["two", "three", "joined-late", "no", "clamped", "alone", "moved"],
)
def test_peer_scores_match_the_hand_computed_fixtures(
    histories: dict[int, list[Step]], yes: bool, expected: dict[int, float]
) -> None:
    found = peer_scores(histories, OPENED, RESOLVED, yes)
    assert {user: round(score, 1) + 0.0 for user, score in found.items()} == expected


def test_standings_rank_by_mean_baseline_and_set_apart_those_with_few_scored_cruxes() -> None:
    good, bad, few = Score(50.0, 0.1, 1.0), Score(-20.0, 0.4, 0.5), Score(99.0, 0.0, 1.0)
    found = standings([(1, bad), (1, bad), (1, good), (2, good), (2, good), (2, bad), (3, few)])
    assert [row.user_id for row in found.ordered] == [2, 1]
    assert found.ordered[0].scored == 3 and found.ordered[0].baseline == pytest.approx(80 / 3)
    assert found.ordered[1].brier == pytest.approx(0.3) and found.ordered[1].coverage == pytest.approx(2 / 3)
    assert [(row.user_id, row.scored) for row in found.others] == [(3, 1)]


def test_calibration_bins_by_tens_with_100_in_the_last_bin() -> None:
    table = calibration([(0, False), (9, False), (10, True), (95, True), (100, True), (90, False), (55, True)])
    assert table == [
        Bin(0, 10, 2, 4.5, 0.0),
        Bin(10, 20, 1, 10.0, 1.0),
        Bin(50, 60, 1, 55.0, 1.0),
        Bin(90, 100, 3, 95.0, 2 / 3),
    ]
    assert [row.label for row in table] == ["[0, 10)", "[10, 20)", "[50, 60)", "[90, 100]"]
    assert calibration([]) == []


def test_majority_needs_more_participants_on_one_lean() -> None:
    assert Leans.of([80, 60, 20]).majority is Lean.YES
    assert Leans.of([80, 20]).majority is None
    assert Leans.of([50, 50, 80]).majority is Lean.NEITHER
    assert Leans.of([50, 80, 20]).majority is None
    assert Leans.of([]).majority is None


def agree(by_side: dict[str, list[int]]) -> Agreement | None:
    return common_ground(Leans.of(values) for values in by_side.values())


def test_common_ground_on_constructed_debates() -> None:
    # Both sides lean yes: strength (2+1)/(2+2) · (1+1)/(1+2) = 0.5.
    agreed = agree({"for": [80, 70], "against": [60]})
    assert agreed is not None and agreed.yes and agreed.sides == 2 and agreed.strength == pytest.approx(0.5)
    # A dissenter in a side lowers the strength without breaking the majority.
    weaker = agree({"for": [10, 20, 70], "against": [30]})
    assert weaker is not None and not weaker.yes and weaker.strength == pytest.approx(3 / 5 * 2 / 3)
    assert agree({"for": [80], "against": [20]}) is None  # opposite leans
    assert agree({"for": [80, 20], "against": [90]}) is None  # a tied side
    assert agree({"for": [50], "against": [50]}) is None  # neither leans
    assert agree({"for": [50, 50, 80], "against": [90]}) is None  # a majority of 50s
    assert agree({"for": [80, 90], "against": []}) is None  # one side only has credences
    three = agree({"a": [90], "b": [60, 70, 50], "c": [99]})
    assert three is not None and three.sides == 3 and three.strength == pytest.approx(2 / 3 * 3 / 5 * 2 / 3)
