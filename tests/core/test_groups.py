"""Opinion groups of a debate: the credence matrix, the report and its rendering, the memo, the missing extra."""

from __future__ import annotations

import sys
from functools import partial

import pytest

from bot.core.cruxes import lifecycle as cruxes
from bot.core.debates import lifecycle as core
from bot.core.opinion import divides
from bot.core.opinion import groups as opinion
from bot.db import Database
from schema import Debate
from tests.conftest import needs_analysis

GUILD = 1
CAMPS = {  # user id: (side, credences on cruxes #1-#4); 101-103 and 104 (against) think alike, 105 (for) and the rest
    101: ("for", [85, 90, 80, 50]),
    102: ("for", [80, 85, 90, 55]),
    103: ("for", [90, 80, 85, 45]),
    104: ("against", [85, 85, 80, 50]),
    105: ("for", [15, 10, 20, 50]),
    106: ("against", [20, 15, 10, 55]),
    107: ("against", [10, 20, 15, 45]),
    108: ("against", [15, 15, 20, 50]),
}


async def _debate(db: Database, camps: dict[int, tuple[str, list[int | None]]]) -> tuple[Debate, list[int]]:
    """A debate with four cruxes and each user's side and credences (``None``: no credence on that crux); the debate
    and its cruxes' ids."""
    async with db.write() as session:
        debate = await session.run_sync(
            core.start_debate,
            core.Actor(GUILD, 100),
            core.plan_debate("Interp or governance?"),
            channel_id=1,
            thread_id=2,
        )
        questions = [
            await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, 100), f"Question {i}?") for i in range(4)
        ]
        for user, (side, values) in camps.items():
            await session.run_sync(core.join, debate, user, side)
            for (crux, _), value in zip(questions, values, strict=True):
                if value is not None:
                    await session.run_sync(cruxes.record_credence, debate, core.Actor(GUILD, user), crux.number, value)
    return debate, [crux.id or 0 for crux, _ in questions]


async def _matrix(db: Database, debate: Debate) -> opinion.CredenceMatrix:
    async with db.read() as session:
        return await session.run_sync(opinion.credence_matrix, debate)


async def test_the_matrix_holds_each_participants_latest_credence_per_crux(db: Database) -> None:
    debate, ids = await _debate(db, {7: ("for", [10, None, 30, None]), 5: ("against", [None, None, 60, None])})
    async with db.write() as session:
        await session.run_sync(
            cruxes.record_credence, debate, core.Actor(GUILD, 7), ids[0], 15
        )  # again: the latest counts
    matrix = await _matrix(db, debate)
    assert matrix.users == (5, 7) and matrix.cruxes == (ids[0], ids[2])  # cruxes #2 and #4 have no credence
    assert matrix.rows == [[None, 60.0], [15.0, 30.0]]
    async with db.read() as session:
        assert await session.run_sync(opinion.credence_version, debate) == matrix.version
    async with db.write() as session:
        await session.run_sync(cruxes.record_credence, debate, core.Actor(GUILD, 5), ids[0], 40)
    assert (await _matrix(db, debate)).version != matrix.version


@needs_analysis
async def test_the_report_names_the_groups_their_sides_and_the_cruxes_that_divide_them(db: Database) -> None:
    debate, _ = await _debate(db, CAMPS)
    matrix = await _matrix(db, debate)
    found = opinion.find(matrix)
    assert (found.participants, found.cruxes, found.groups) == (8, 4, 2)
    async with db.read() as session:
        read = await session.run_sync(divides.read_groups_input, debate)
    assert read.given.matrix == matrix
    report = opinion.report(read.number, matrix, found, read.given.sides, read.questions)
    assert [group.members for group in report.groups] == [(101, 102, 103, 104), (105, 106, 107, 108)]
    assert [group.sides for group in report.groups] == [(("for", 3), ("against", 1)), (("against", 3), ("for", 1))]
    assert [(crux.number, crux.means) for crux in report.separating] == [(1, (85, 15)), (2, (85, 15)), (3, (84, 16))]
    text = "\n\n".join(opinion.render_groups(report, lambda user: f"<@{user}>"))
    assert "2 groups in the latest credences of 8 participants, 4 cruxes" in text
    assert found.labels == ("high on Crux #1, #2 and #3", "low on Crux #1, #2 and #3")
    assert "**Group 1 — high on Crux #1, #2 and #3** (4): <@101>, <@102>, <@103>, <@104>\nSides: *for* 3," in text
    assert "**Group 2 — low on Crux #1, #2 and #3** (4): <@105>, <@106>, <@107>, <@108>\nSides: *against* 3," in text
    assert "**Crux #2** · group 1: **85**, group 2: **15** (70 apart)\n> Question 1?" in text
    assert "Crux #4" not in text  # everyone near 50: it divides no one
    assert (
        "**Across the declared sides:** *for* is split between groups 1 and 2; *against* is split between groups 1 "
        "and 2; group 1 brings together *for* and *against*; group 2 brings together *against* and *for*."
    ) in text
    assert opinion.summary_line(found) == (
        "**Opinion groups:** 2 stand out (group 1 high on Crux #1, #2 and #3; group 2 low on Crux #1, #2 and #3) "
        "— `/debate groups` shows them."
    )
    assert opinion.summary_line(found, named=False) == "**Opinion groups:** 2 stand out — `/debate groups` shows them."


@needs_analysis
async def test_too_few_participants_or_no_clear_split_is_said_plainly(db: Database) -> None:
    debate, _ = await _debate(db, dict(list(CAMPS.items())[:5]))
    few = opinion.find(await _matrix(db, debate))
    assert few.test is None and few.groups == 0 and opinion.summary_line(few) is None
    text = opinion.render_groups(opinion.GroupsReport(1, few), str)
    assert text == [
        "**Opinion groups in Debate #1**\nNo opinion groups stand out yet: 5 participants, 4 cruxes. Groups are looked "
        "for from 6 participants with credences."
    ]
    agreeing = opinion.CredenceMatrix(1, tuple(range(6)), (1, 2, 3), [[50.0, 60.0, 70.0]] * 6, (18, 18), (1, 2, 3))
    none = opinion.find(agreeing)
    assert none.test is not None and none.groups == 0 and opinion.summary_line(none) is None
    text = opinion.render_groups(opinion.GroupsReport(1, none), str)
    assert "No opinion groups stand out yet: 6 participants, 3 cruxes. Their latest credences split no more " in text[0]


@needs_analysis
def test_groups_that_follow_the_sides_are_said_to() -> None:
    from bot.core.opinion.clustering import GroupTest, Partition

    found = opinion.Found(4, 2, GroupTest(Partition((0, 0, 1, 1), 0.8), p=0.026, shuffles=38))
    following = (opinion.OpinionGroup((1, 2), (("for", 2),)), opinion.OpinionGroup((3, 4), (("against", 1), (None, 1))))
    text = opinion.render_groups(opinion.GroupsReport(1, found, following), str)
    assert text[-1] == (
        "**Across the declared sides:** the groups follow them: each side's members are in one group, with no one "
        "from another side."
    )
    assert "Sides: *against* 1, no side 1" in text[2]
    sideless = tuple(opinion.OpinionGroup(group.members, ((None, 2),)) for group in following)
    assert opinion.render_groups(opinion.GroupsReport(1, found, sideless), str)[-1].endswith(
        "no one in these groups joined a side."
    )


def test_the_memo_answers_only_for_the_same_version_and_forgets_the_oldest() -> None:
    memo = opinion.FoundMemo(size=2)
    found = opinion.Found(participants=3, cruxes=1, test=None)
    memo.put(1, (3, 30), found)
    assert memo.get(1, (3, 30)) is found and memo.get(1, (4, 31)) is None
    memo.put(2, (1, 1), found)
    memo.get(1, (3, 30))  # debate 1 was asked last: debate 2 goes first
    memo.put(3, (1, 2), found)
    assert memo.get(2, (1, 1)) is None and memo.get(1, (3, 30)) is found and memo.get(3, (1, 2)) is found


def test_without_the_analysis_extra_groups_say_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "bot.core.opinion.clustering", None)  # as if numpy and scipy were missing
    few = opinion.CredenceMatrix(
        debate_id=1, users=(1, 2), cruxes=(1,), rows=[[50.0], [60.0]], version=(2, 2), numbers=(1,)
    )
    assert opinion.find(few).test is None  # too few to look: nothing to import
    enough = opinion.CredenceMatrix(1, tuple(range(6)), (1,), [[50.0], [60.0]] * 3, (6, 6), (1,))
    for needs in (partial(opinion.find, enough), opinion.require_analysis):
        with pytest.raises(opinion.GroupsUnavailable) as raised:
            needs()
        assert 'pip install -e ".[analysis]"' in str(raised.value)
