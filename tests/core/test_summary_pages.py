"""Summary pages: lines as a phone shows them, pages that fit, and a crux's credences shown whole or by extremes."""

from __future__ import annotations

from bot.core.opinion.insights import CruxMovement, Move
from bot.core.summary.pages import (
    FIRST_CRUXES,
    PAGE_CHARS,
    PAGE_LINES,
    STANCES_SHOWN,
    crux_block,
    page_of,
    phone_lines,
    summary_first_page,
)
from bot.core.summary.queries import CruxSummary, DebateSummary, Stance


def test_phone_lines_wrap_long_lines_and_count_mentions_as_names() -> None:
    assert phone_lines("short\n\nline") == 3
    assert phone_lines("x" * 38) == 1 and phone_lines("x" * 39) == 2
    assert phone_lines("**bold** <@123456789012345678>") == phone_lines("bold @" + "n" * 11)


def test_pages_fit_and_page_forward_and_back_through_every_item() -> None:
    items = [f"Item {n}\n" + "words " * 30 for n in range(30)]
    first = page_of(items, 0, head=["Heading"], more="…more")
    assert first.text.startswith("Heading") and first.text.endswith("…more") and first.previous is None
    assert phone_lines(first.text) <= PAGE_LINES and first.following == first.end
    seen, page = list(range(first.end)), first
    while page.following is not None:
        page = page_of(items, page.following)
        assert phone_lines(page.text) <= PAGE_LINES and len(page.text) <= PAGE_CHARS and page.previous is not None
        seen += range(page.start, page.end)
    assert seen == list(range(30))
    back = page_of(items, page.previous or 0)
    assert back.end == page.start  # Previous shows what comes just before


def test_an_item_longer_than_a_page_is_cut_not_skipped() -> None:
    page = page_of(["x" * 5000, "next"], 0)
    assert page.end == 1 and len(page.text) <= PAGE_CHARS and page.text.endswith("…") and page.following == 1


def _crux(values: list[int]) -> CruxSummary:
    stances = tuple(
        Stance(user_id=n, side=("for", "against")[n % 2], first=v, latest=v, reason=None, updates=1)
        for n, v in enumerate(values)
    )
    spread = max(values) - min(values)
    return CruxSummary(7, "Will it?", None, stances, (), spread, is_double_crux=True)


def test_a_crux_lists_few_credences_and_past_that_the_medians_and_extremes() -> None:
    few = crux_block(_crux([20, 80]), lambda uid: f"@u{uid}")
    assert few.splitlines() == ["**Crux #7** · **double crux** · spread 60", "> Will it?", "• @u0 (for): **20**",
                                "• @u1 (against): **80**"]  # fmt: skip
    many = crux_block(_crux([10, 90, 20, 80, 30, 70, 40]), lambda uid: f"@u{uid}")
    assert len(_crux([0] * (STANCES_SHOWN + 1)).stances) > STANCES_SHOWN
    assert many.splitlines()[2:] == [
        "medians: for 20 (4 people) · against 80 (3 people); lowest @u0 **10** — highest @u1 **90** (+5 more)"
    ]
    everyone = crux_block(_crux([10, 90, 20, 80, 30, 70, 40]), lambda uid: f"@u{uid}", stances=None)
    assert everyone.count("\n• ") == 7


def test_the_compact_form_says_how_many_people_each_median_is_of() -> None:
    stances = tuple(
        Stance(user_id=n, side="against" if n == 0 else "for", first=v, latest=v, reason=None, updates=1)
        for n, v in enumerate([90, 10, 20, 30, 40, 50, 60])
    )
    block = crux_block(CruxSummary(7, "Will it?", None, stances, (), 80, is_double_crux=False), lambda u: f"@u{u}")
    assert "medians: against 90 (1 person) · for 30 (6 people); lowest @u1 **10**" in block


def test_the_first_page_stays_within_a_phone_screen_when_its_first_cruxes_are_long() -> None:
    """Five participants who all moved, each with a reason, on every crux: three such cruxes in full, under who moved
    on three cruxes, would take two screens, so the first page shows each side's median and the extremes instead,
    and who moved on the crux that moved most, and says where the rest is."""
    reason = "A new result changed my mind about how far this generalises."
    stances = tuple(
        Stance(user_id=n, side=("for", "against")[n % 2], first=10 * n, latest=10 * n + 30, reason=reason, updates=3)
        for n in range(5)
    )
    cruxes = tuple(
        CruxSummary(n, f"Will method {n} scale to frontier models by 2030?", None, stances, (), 40, True)
        for n in range(1, 11)
    )
    moves = tuple(Move(user_id=n, before=10 * n, latest=10 * n + 30, reason=reason) for n in range(5))
    moved = tuple(CruxMovement(n, f"Will method {n} scale?", 150, moves) for n in range(1, 4))
    summary = DebateSummary(1, 1, "Interp or governance?", 1, cruxes, (), 10, 0, participants=5, moved=moved)
    first = summary_first_page(summary, lambda uid: f"<@{uid}>")
    assert first.end >= FIRST_CRUXES and phone_lines(first.text) <= PAGE_LINES, first.text
    assert "**Who moved**" in first.text and "Crux #1 (moved 150)" in first.text
    assert "medians: " in first.text and "The whole record, every text in full" in first.text
    assert f"…and {10 - first.end} more cruxes" in first.text
