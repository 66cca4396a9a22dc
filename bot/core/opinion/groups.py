"""Opinion groups of a debate: how its participants divide by their latest credences, shown only when real.

The participants who hold a credence, the cruxes that have one, and each participant's latest credence on each crux
(``crux_stance``, open and resolved cruxes alike) make the matrix that :mod:`bot.core.opinion.clustering` splits into
groups and tests; each group found is named by the cruxes that set it apart (:mod:`bot.core.opinion.repness`, Polis's
representativeness). Groups are looked for from :data:`MIN_PARTICIPANTS` participants. The computation needs the
``analysis`` extra (numpy, scipy, threadpoolctl), imported only here and only when there are groups to look for (it
adds about 60 MB to the process); without it :func:`find` raises :class:`GroupsUnavailable`, which says how to install
it. The test takes about 4 s of CPU at 1,000 participants × 300 cruxes (``benchmarks/crowd.py``): async code runs
:func:`find` in a worker thread, and keeps what it found in a :class:`FoundMemo` keyed by the version of the debate's
credences, so a summary of unchanged credences does not compute it again.
"""

from __future__ import annotations

import importlib
import math
from collections import Counter, OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Generic, TypeVar

from sqlalchemy import bindparam, func
from sqlalchemy import select as select_columns
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.core.errors import DomainError
from bot.core.opinion import repness
from bot.core.text import UserLabel, as_typed, one_line, plural
from schema import Crux, CruxStance, Debate, id_of

if TYPE_CHECKING:
    from bot.core.opinion.clustering import GroupTest

MIN_PARTICIPANTS = 6
SEPARATING = 3
"""How many of the cruxes that separate the groups most are shown."""
QUESTION_SHOWN = 200
INSTALL_HINT = (
    "Opinion groups need the analysis extra (numpy, scipy and threadpoolctl): install it where the bot runs with "
    '`pip install -e ".[analysis]"` and restart the bot. Everything else works without it.'
)

Version = tuple[int, int]
"""How many stances a debate has and its latest credence's id: any new credence changes it."""


class GroupsUnavailable(DomainError):
    """Groups cannot be computed here: the ``analysis`` extra is not installed."""


def require_analysis() -> ModuleType:
    """:mod:`bot.core.opinion.clustering`, or :class:`GroupsUnavailable` saying how to install what it needs. Its
    first call imports the analysis extra: from async code, call it in a worker thread."""
    try:
        return importlib.import_module("bot.core.opinion.clustering")
    except ImportError as error:
        raise GroupsUnavailable(INSTALL_HINT) from error


@dataclass(frozen=True, slots=True)
class CredenceMatrix:
    """Latest credences: a row per participant (by user id), a column per crux (by crux id, in crux order)."""

    debate_id: int
    users: tuple[int, ...]
    cruxes: tuple[int, ...]
    rows: list[list[float | None]]
    version: Version
    numbers: tuple[int, ...]
    """Each column's crux number in the debate (#3)."""


_OF_DEBATE = col(Crux.debate_id) == bindparam("debate")
_STANCES = select_columns(
    col(CruxStance.user_id),
    col(CruxStance.crux_id),
    col(Crux.debate_id),
    col(Crux.number),
    col(CruxStance.latest_value),
    col(CruxStance.latest_credence_id),
).join(Crux, col(Crux.id) == col(CruxStance.crux_id))
_VERSION = (
    select_columns(func.count(), func.coalesce(func.max(col(CruxStance.latest_credence_id)), 0))
    .select_from(CruxStance)
    .join(Crux, col(Crux.id) == col(CruxStance.crux_id))
    .where(_OF_DEBATE)
)


def credence_version(session: Session, debate: Debate) -> Version:
    """The version of the debate's credences (one aggregate query): whether what was found for them still holds."""
    count, latest = session.execute(_VERSION, {"debate": id_of(debate)}).one()
    return int(count), int(latest)


def credence_matrix(session: Session, debate: Debate) -> CredenceMatrix:
    """The debate's participants × cruxes matrix of latest credences, in one query, and its version (as
    :func:`credence_version` counts it)."""
    return credences_of(session, [id_of(debate)], id_of(debate))


_STANCES_OF = _STANCES.where(col(Crux.debate_id).in_(bindparam("debates", expanding=True)))


def credences_of(session: Session, debate_ids: list[int], key: int) -> CredenceMatrix:
    """The participants × cruxes matrix of latest credences of these debates (cruxes in debate, then crux order),
    in one query; ``key`` stands for them as its ``debate_id``."""
    stances = session.execute(_STANCES_OF, {"debates": debate_ids}).all()
    version = (len(stances), max((stance.latest_credence_id for stance in stances), default=0))
    users = sorted({stance.user_id for stance in stances})
    numbered = sorted({(stance.debate_id, stance.number, stance.crux_id) for stance in stances})
    cruxes = [crux for *_, crux in numbered]
    row_of = {user: index for index, user in enumerate(users)}
    column_of = {crux: index for index, crux in enumerate(cruxes)}
    rows: list[list[float | None]] = [[None] * len(cruxes) for _ in users]
    for stance in stances:
        rows[row_of[stance.user_id]][column_of[stance.crux_id]] = float(stance.latest_value)
    return CredenceMatrix(key, tuple(users), tuple(cruxes), rows, version, tuple(number for _, number, _ in numbered))


@dataclass(frozen=True, slots=True)
class Found:
    """What the test found in a matrix; ``test`` is ``None`` when there were too few participants to look.
    ``labels`` names each group by what sets it apart (:func:`bot.core.opinion.repness.label`; ``""``: nothing
    does significantly)."""

    participants: int
    cruxes: int
    test: GroupTest | None
    labels: tuple[str, ...] = ()

    @property
    def groups(self) -> int:
        """How many groups stand out (0 when none does)."""
        return self.test.partition.groups if self.test is not None and self.test.found else 0


def find(matrix: CredenceMatrix) -> Found:
    """Look for opinion groups in the matrix; :class:`GroupsUnavailable` without the ``analysis`` extra. CPU-bound,
    and its first call imports the analysis extra (seconds on a busy machine): async code runs it in a worker thread."""
    if len(matrix.users) < MIN_PARTICIPANTS:
        return Found(len(matrix.users), len(matrix.cruxes), None)
    clustering = require_analysis()
    test = clustering.find_groups(clustering.credence_array(matrix.rows))
    labels = (
        tuple(
            repness.label(representatives, matrix.numbers)
            for representatives in repness.representative_cruxes(matrix.rows, test.partition.labels)
        )
        if test.found
        else ()
    )
    return Found(len(matrix.users), len(matrix.cruxes), test, labels)


Kept = TypeVar("Kept")


class VersionMemo(Generic[Kept]):
    """What was last computed for the most recently asked debates, by debate id and the version it was computed
    for (a :data:`Version`, or any key that changes when what it was computed from does)."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._kept: OrderedDict[int, tuple[Hashable, Kept]] = OrderedDict()

    def get(self, debate_id: int, version: Hashable) -> Kept | None:
        kept = self._kept.get(debate_id)
        if kept is None or kept[0] != version:
            return None
        self._kept.move_to_end(debate_id)
        return kept[1]

    def put(self, debate_id: int, version: Hashable, value: Kept) -> None:
        self._kept[debate_id] = (version, value)
        self._kept.move_to_end(debate_id)
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)


class FoundMemo(VersionMemo[Found]):
    """The latest :class:`Found` of the most recently asked debates, by debate id and version of its credences."""


# The report of /debate groups ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpinionGroup:
    members: tuple[int, ...]
    """User ids."""
    sides: tuple[tuple[str | None, int], ...]
    """How many members each declared side has in the group, most first (``None``: joined no side)."""


@dataclass(frozen=True, slots=True)
class Separating:
    """A crux on which the groups' mean credences lie far apart."""

    number: int
    question: str
    means: tuple[int | None, ...]
    """Each group's mean latest credence, rounded; ``None`` where none of its members rated the crux."""

    @property
    def gap(self) -> int:
        known = [mean for mean in self.means if mean is not None]
        return max(known) - min(known)


@dataclass(frozen=True, slots=True)
class GroupsReport:
    number: int
    """The debate's."""
    found: Found
    groups: tuple[OpinionGroup, ...] = ()
    separating: tuple[Separating, ...] = ()


@dataclass(frozen=True, slots=True)
class CruxQuestion:
    """A crux as the groups' report names it."""

    number: int
    question: str


_QUESTIONS = select_columns(col(Crux.id), col(Crux.number), col(Crux.question)).where(
    col(Crux.debate_id) == bindparam("debate")
)


def crux_questions(session: Session, debate: Debate) -> dict[int, CruxQuestion]:
    """Each of the debate's cruxes by id: its number and question."""
    rows = session.execute(_QUESTIONS, {"debate": id_of(debate)})
    return {row.id: CruxQuestion(row.number, row.question) for row in rows}


def report(
    number: int,
    matrix: CredenceMatrix,
    found: Found,
    sides: Mapping[int, str],
    questions: Mapping[int, CruxQuestion],
) -> GroupsReport:
    """The groups found in ``matrix`` of debate #``number``, with their members' declared ``sides`` (user id → side
    name) and the cruxes that separate them most (named from ``questions``). Numpy's work: a worker thread's."""
    if not found.groups or found.test is None:
        return GroupsReport(number, found)
    clustering = require_analysis()
    labels = found.test.partition.labels
    groups = tuple(
        _group(tuple(user for user, label in zip(matrix.users, labels, strict=True) if label == group), sides)
        for group in range(found.groups)
    )
    means = clustering.group_means(clustering.credence_array(matrix.rows), labels)
    columns = clustering.separating_cruxes(means, SEPARATING)
    separating = tuple(
        Separating(
            number=questions[matrix.cruxes[column]].number,
            question=questions[matrix.cruxes[column]].question,
            means=tuple(None if math.isnan(mean) else round(float(mean)) for mean in means[:, column]),
        )
        for column in columns
    )
    return GroupsReport(number, found, groups, separating)


def _group(members: tuple[int, ...], sides: Mapping[int, str]) -> OpinionGroup:
    counts = Counter(sides.get(member) for member in members)
    return OpinionGroup(members, tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0] is None))))


# Rendering ---------------------------------------------------------------------------------------------------------


def summary_line(found: Found | None, named: bool = True) -> str | None:
    """The summary's line about opinion groups, each named by what sets it apart (unless not ``named``, when a page
    is short of room): only when some stand out."""
    if found is None or not found.groups:
        return None
    labels = "; ".join(f"group {number} {label}" for number, label in enumerate(found.labels, 1) if label)
    which = f" ({labels})" if labels and named else ""
    return f"**Opinion groups:** {found.groups} stand out{which} — `/debate groups` shows them."


def render_groups(report: GroupsReport, user: UserLabel) -> list[str]:
    """The report as Markdown blocks: the groups and their members, what divides them, how they meet the sides."""
    found = report.found
    title = f"**Opinion groups in Debate #{report.number}**"
    counted = f"{plural(found.participants, 'participant')}, {plural(found.cruxes, 'crux', 'cruxes')}"
    if not report.groups or found.test is None:
        why = (
            f"Groups are looked for from {MIN_PARTICIPANTS} participants with credences."
            if found.test is None
            else "Their latest credences split no more clearly than the same credences shuffled between participants."
        )
        return [f"{title}\nNo opinion groups stand out yet: {counted}. {why}"]
    test = found.test
    heading = (
        f"{title}\n{len(report.groups)} groups in the latest credences of {counted}: the split is clearer than every "
        f"one of {test.shuffles} shuffles of the same credences between participants "
        f"(p = {test.p:.3f}; silhouette {test.partition.silhouette:.2f})."
    )
    labels = found.labels or ("",) * len(report.groups)
    blocks = [
        heading,
        *(
            _group_block(number, group, label, user)
            for number, (group, label) in enumerate(zip(report.groups, labels, strict=True), 1)
        ),
    ]
    if report.separating:
        blocks.append("**What divides them most**")
        blocks.extend(_separating_block(crux) for crux in report.separating)
    blocks.append(f"**Across the declared sides:** {_across_sides(report.groups)}")
    return blocks


def _group_block(number: int, group: OpinionGroup, label: str, user: UserLabel) -> str:
    """A group named by what sets it apart ("Group 1 — high on Crux #3"), its members and their sides."""
    members = ", ".join(user(member) for member in group.members)
    sides = ", ".join(f"{_side(side)} {count}" for side, count in group.sides)
    name = f"Group {number} — {label}" if label else f"Group {number}"
    return f"**{name}** ({len(group.members)}): {members}\nSides: {sides}"


def _separating_block(crux: Separating) -> str:
    means = ", ".join(
        f"group {number}: **{'—' if mean is None else mean}**" for number, mean in enumerate(crux.means, 1)
    )
    question = as_typed(one_line(crux.question, QUESTION_SHOWN))
    return f"**Crux #{crux.number}** · {means} ({crux.gap} apart)\n> {question}"


def _across_sides(groups: tuple[OpinionGroup, ...]) -> str:
    """Which declared sides the groups split, and which groups bring sides together."""
    where: dict[str, list[int]] = {}
    for number, group in enumerate(groups, 1):
        for side, _ in group.sides:
            if side is not None:
                where.setdefault(side, []).append(number)
    if not where:
        return "no one in these groups joined a side."
    split = [
        f"{_side(side)} is split between groups {_and(numbers)}" for side, numbers in where.items() if len(numbers) > 1
    ]
    mixed = [
        f"group {number} brings together {_and([_side(side) for side, _ in group.sides if side is not None])}"
        for number, group in enumerate(groups, 1)
        if sum(side is not None for side, _ in group.sides) > 1
    ]
    if not split and not mixed:
        return "the groups follow them: each side's members are in one group, with no one from another side."
    return "; ".join(split + mixed) + "."


def _side(side: str | None) -> str:
    return "no side" if side is None else f"*{as_typed(side)}*"


def _and(items: list[int] | list[str]) -> str:
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
