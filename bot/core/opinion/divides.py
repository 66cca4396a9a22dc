"""Common ground and what divides a debate, by the bridging model (:mod:`bot.core.opinion.bridging`, numpy), with
the fallback the summary uses below its minimums: the group-aware consensus (:mod:`bot.core.opinion.commonground`)
over the opinion groups when some stand out, else over the declared sides. The rules and their reasons are in
``docs/scoring.md``.

:func:`read_input` reads what the model needs in a read job (three statements); :func:`assess` is CPU-bound and
imports numpy on its first call: async code runs it in a worker thread. Without the ``analysis`` extra it falls back
and says why.
"""

from __future__ import annotations

import importlib
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar, cast

from sqlalchemy import bindparam
from sqlalchemy import select as select_columns
from sqlalchemy.orm import Session
from sqlmodel import col, select

from bot.core.debates.lifecycle import agenda_in_guild
from bot.core.opinion.commonground import Agreement, Leans, common_ground
from bot.core.opinion.groups import CredenceMatrix, CruxQuestion, credence_matrix, credences_of, crux_questions
from bot.core.text import as_typed, one_line, plural
from bot.core.visibility import Audience, visible
from schema import Crux, CruxStatus, Debate, Participant, Side, id_of

if TYPE_CHECKING:
    from bot.core.opinion.bridging import Assessment

MIN_PARTICIPANTS = 15
"""Participants with credences a debate needs before the bridging model speaks (below: the fallback). At 10
participants with 30 % of credences given, the model found 0–4 % of the planted common ground (benchmarks)."""
SHOWN = 3
"""How many common-ground and divisive cruxes the summary names."""
FIT_BEFORE_POSTING = 20_000
"""Latest credences up to which the summary fits the model before it is posted (about 0.2 s of CPU); past it, the
summary is posted first and its common ground edited in. The credences are read before posting either way, in the
summary's one read job (``bot.core.summary.posting.read_summary``)."""
FIRM = 10
"""Credence points from 50 beyond which, at its bound, common ground is said to be firm (from 5, it is common ground
at all: :data:`bot.core.opinion.bridging.LEAN`)."""
FOLLOWS = 0.5
"""Share of the spread of participants along the divide that the declared sides (or the opinion groups) must account
for (η², the correlation ratio) for the divide to be said to follow them."""


@dataclass(frozen=True, slots=True)
class GroundCrux:
    """An open crux both sides of the main divide lean the same way on."""

    number: int
    debate: int | None
    yes: bool
    lean: int
    """The model's credence for the typical rater at the less convinced end (50 + 100 × lean, the other way for no)."""
    bound: int
    """The same at the pseudo-rater bound: however one more person, as extreme as anyone here, rated it."""
    medians: tuple[int, int]
    """The median credence of its raters at each end of the divide (f_u > 0, f_u < 0)."""

    @property
    def firm(self) -> bool:
        """Whether even at its bound the less convinced end leans :data:`FIRM` points or more."""
        return abs(self.bound - 50) >= FIRM


@dataclass(frozen=True, slots=True)
class DividingCrux:
    """An open crux the main divide splits."""

    number: int
    debate: int | None
    medians: tuple[int, int]
    """As :attr:`GroundCrux.medians`."""


@dataclass(frozen=True, slots=True)
class Divide:
    """Which labelling (declared sides, or opinion groups) the model's factor follows, and its two ends."""

    kind: str | None
    """``"sides"``, ``"groups"``, or ``None`` when it follows neither."""
    positive: str | None = None
    negative: str | None = None
    share: float = 0.0
    """How much of the spread along the divide the labelling accounts for (η²)."""


@dataclass(frozen=True, slots=True)
class Fallback:
    """The group-aware consensus used instead of the model, over which groups, and why."""

    why: str
    over: str
    """``"opinion groups"`` or ``"declared sides"``."""
    strongest: tuple[tuple[str, Agreement], ...]
    """(``#2`` — or ``#2 (debate 3)`` across an agenda —, agreement), strongest first."""
    total: int


@dataclass(frozen=True, slots=True)
class Bridging:
    """What the summary says of common ground and of what divides the debate."""

    participants: int
    common: tuple[GroundCrux, ...] = ()
    common_total: int = 0
    dividing: tuple[DividingCrux, ...] = ()
    divide: Divide | None = None
    fallback: Fallback | None = None


@dataclass(frozen=True, slots=True)
class BridgingInput:
    """Latest credences, the open cruxes (id → number) and the participants' sides, of a debate or of
    the debates of an agenda that its audience may see (then ``debates`` gives each crux's debate number)."""

    matrix: CredenceMatrix
    open_cruxes: Mapping[int, int]
    sides: Mapping[int, str]
    debates: Mapping[int, int] = field(default_factory=dict)


_OPEN = select_columns(col(Crux.id), col(Crux.number)).where(
    col(Crux.debate_id) == bindparam("debate"), col(Crux.status) == CruxStatus.OPEN
)
_SIDES = (
    select_columns(col(Participant.user_id), col(Side.name))
    .join(Side, col(Side.id) == col(Participant.side_id))
    .where(col(Participant.debate_id) == bindparam("debate"))
)


def read_input(session: Session, debate: Debate) -> BridgingInput:
    """What :func:`assess` needs of the debate: its credence matrix, open cruxes and participants' sides."""
    parameters = {"debate": id_of(debate)}
    return BridgingInput(
        matrix=credence_matrix(session, debate),
        open_cruxes={row.id: row.number for row in session.execute(_OPEN, parameters)},
        sides=read_sides(session, debate),
    )


@dataclass(frozen=True, slots=True)
class GroupsInput:
    """What ``/debate groups`` reads, in one job: the debate's number, what :func:`assess` needs, and each crux's
    question (for :func:`bot.core.opinion.groups.report`)."""

    number: int
    given: BridgingInput
    questions: Mapping[int, CruxQuestion]


def read_groups_input(session: Session, debate: Debate) -> GroupsInput:
    """:class:`GroupsInput` of the debate, as of one moment."""
    return GroupsInput(debate.number, read_input(session, debate), crux_questions(session, debate))


def read_sides(session: Session, debate: Debate) -> dict[int, str]:
    """Each participant's declared side, by name (user id → name)."""
    return {user: side for user, side in session.execute(_SIDES, {"debate": id_of(debate)})}


_AGENDA_OPEN = (
    select_columns(col(Crux.id), col(Crux.number), col(Debate.number))
    .join(Debate, col(Debate.id) == col(Crux.debate_id))
    .where(col(Crux.debate_id).in_(bindparam("debates", expanding=True)), col(Crux.status) == CruxStatus.OPEN)
)
_AGENDA_SIDES = (
    select_columns(col(Participant.user_id), col(Side.name))
    .join(Side, col(Side.id) == col(Participant.side_id))
    .where(col(Participant.debate_id).in_(bindparam("debates", expanding=True)))
)


def read_agenda_input(session: Session, guild_id: int, agenda_id: int, audience: Audience) -> BridgingInput:
    """What :func:`assess` needs of the debates of this guild's agenda that ``audience`` may see, as one debate:
    their credence matrix, open cruxes (with their debates' numbers) and each participant's most often chosen side."""
    agenda_in_guild(session, guild_id, agenda_id)
    debates = session.execute(
        select(Debate).where(col(Debate.guild_id) == guild_id, col(Debate.agenda_id) == agenda_id)
    ).scalars()
    shown, _ = visible(list(debates), audience)
    ids = {"debates": [id_of(debate) for debate in shown]}
    open_rows: list[tuple[int, int, int]] = [
        (cast(int, crux), number, debate) for crux, number, debate in session.execute(_AGENDA_OPEN, ids)
    ]
    chosen: dict[int, Counter[str]] = defaultdict(Counter)
    for user, side in session.execute(_AGENDA_SIDES, ids):
        chosen[user][side] += 1
    return BridgingInput(
        matrix=credences_of(session, ids["debates"], -agenda_id),  # negated: not a debate's id
        open_cruxes={crux: number for crux, number, _ in open_rows},
        sides={user: counts.most_common(1)[0][0] for user, counts in chosen.items()},
        debates={crux: debate for crux, _, debate in open_rows},
    )


def _model() -> ModuleType | None:
    try:
        return importlib.import_module("bot.core.opinion.bridging")
    except ImportError:
        return None


def assess(given: BridgingInput, groups: Mapping[int, int] | None = None) -> Bridging:
    """Common ground and the main divide by the bridging model, or the group-aware consensus over ``groups`` (user →
    opinion group) when given, else over the declared sides, below the model's minimums (or without numpy)."""
    participants = len(given.matrix.users)
    model = _model()
    if model is None:
        return _fall_back(given, groups, "the bridging model needs the analysis extra (numpy)")
    found = model.assess(model.credence_array(given.matrix.rows)) if participants >= MIN_PARTICIPANTS else None
    why = fallback_reason(participants, found)
    if why is not None or found is None:
        return _fall_back(given, groups, why or "")
    return _bridged(given, groups, found, model)


def fallback_reason(participants: int, found: Assessment | None) -> str | None:
    """Why the model does not speak for a debate (``None`` when it does): too few participants, or no crux with
    enough raters on each side of its divide."""
    if participants < MIN_PARTICIPANTS or found is None:
        return f"the bridging model needs {MIN_PARTICIPANTS} participants with credences, and there are {participants}"
    if not found.usable:
        return "no crux has enough raters on each side of the divide the bridging model found"
    return None


def _bridged(given: BridgingInput, groups: Mapping[int, int] | None, found: Assessment, model: ModuleType) -> Bridging:
    fit = found.fit
    columns = [c for c, crux in enumerate(given.matrix.cruxes) if crux in given.open_cruxes]
    common = model.common_columns(found, columns)
    ground = tuple(_ground(given, found, column) for column in common[:SHOWN])
    dividing = tuple(_dividing(given, found, column) for column in model.dividing_columns(found, columns)[:SHOWN])
    factors = dict(zip(given.matrix.users, (float(f) for f in fit.user_factors), strict=True))
    return Bridging(
        participants=len(given.matrix.users),
        common=ground,
        common_total=len(common),
        dividing=dividing,
        divide=name_divide(factors, given.sides, groups),
    )


def _ground(given: BridgingInput, found: Assessment, column: int) -> GroundCrux:
    fit = found.fit
    number = given.open_cruxes[given.matrix.cruxes[column]]
    yes = bool(fit.mean + fit.intercepts[column] >= 0)
    lean, bound = float(found.lean[column]), float(found.lean_low[column])
    return GroundCrux(
        number=number,
        debate=given.debates.get(given.matrix.cruxes[column]),
        yes=yes,
        lean=_credence(lean if yes else -lean),
        bound=_credence(bound if yes else -bound),
        medians=_medians(given, found, column),
    )


def _dividing(given: BridgingInput, found: Assessment, column: int) -> DividingCrux:
    number = given.open_cruxes[given.matrix.cruxes[column]]
    debate = given.debates.get(given.matrix.cruxes[column])
    return DividingCrux(number=number, debate=debate, medians=_medians(given, found, column))


def _medians(given: BridgingInput, found: Assessment, column: int) -> tuple[int, int]:
    """The median credence of the crux's raters at each end of the divide (0 at an end nobody is at)."""
    factors = found.fit.user_factors
    at_end: tuple[list[float], list[float]] = ([], [])
    for factor, row in zip(factors, given.matrix.rows, strict=True):
        value = row[column]
        if value is not None and factor != 0:
            at_end[0 if factor > 0 else 1].append(value)
    positive, negative = (round(statistics.median_low(values)) if values else 0 for values in at_end)
    return positive, negative


def _credence(rating: float) -> int:
    return max(0, min(100, round(50 + 100 * rating)))


def name_divide(factors: Mapping[int, float], sides: Mapping[int, str], groups: Mapping[int, int] | None) -> Divide:
    """Which of the declared sides and the opinion groups the divide (each user's factor) follows: the one that
    accounts for the larger share of the spread along it, when that share is at least :data:`FOLLOWS`."""
    candidates = [("sides", dict(sides))]
    if groups:
        candidates.append(("groups", {user: f"group {group + 1}" for user, group in groups.items()}))
    best = Divide(kind=None)
    for kind, labels in candidates:
        found = _follows(kind, factors, labels)
        if found is not None and found.share > best.share:
            best = found
    return best if best.share >= FOLLOWS else Divide(kind=None, share=best.share)


def _follows(kind: str, factors: Mapping[int, float], labels: Mapping[int, str]) -> Divide | None:
    """η² of the factor by label, and the labels at its two ends; ``None`` with fewer than two labels."""
    by_label: dict[str, list[float]] = defaultdict(list)
    for user, factor in factors.items():
        if user in labels:
            by_label[labels[user]].append(factor)
    if len(by_label) < 2:
        return None
    values = [value for found in by_label.values() for value in found]
    mean = statistics.fmean(values)
    total = sum((value - mean) ** 2 for value in values)
    if total <= 0:
        return None
    between = sum(len(found) * (statistics.fmean(found) - mean) ** 2 for found in by_label.values())
    means = sorted(by_label, key=lambda label: statistics.fmean(by_label[label]))
    return Divide(kind=kind, positive=means[-1], negative=means[0], share=between / total)


def _fall_back(given: BridgingInput, groups: Mapping[int, int] | None, why: str) -> Bridging:
    """The group-aware consensus over the opinion groups (when given) or the declared sides, on the open cruxes."""
    over, labels = (
        ("opinion groups", {user: str(group) for user, group in groups.items()})
        if groups
        else ("declared sides", dict(given.sides))
    )
    column_of = {crux: column for column, crux in enumerate(given.matrix.cruxes)}
    found = []
    for crux, number in given.open_cruxes.items():
        if crux not in column_of:
            continue
        agreement = common_ground(_leans(given.matrix, column_of[crux], labels))
        if agreement is not None:
            found.append((given.debates.get(crux, 0), number, agreement))
    found.sort(key=lambda item: (-item[2].strength, item[0], item[1]))
    strongest = tuple((_ref_of(number, debate or None), agreement) for debate, number, agreement in found[:SHOWN])
    fallback = Fallback(why=why, over=over, strongest=strongest, total=len(found))
    return Bridging(participants=len(given.matrix.users), fallback=fallback)


def _leans(matrix: CredenceMatrix, column: int, labels: Mapping[int, str]) -> list[Leans]:
    """Each labelled group's leans on one crux (participants without a label are in no group)."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for user, row in zip(matrix.users, matrix.rows, strict=True):
        value = row[column]
        if value is not None and user in labels:
            by_label[labels[user]].append(round(value))
    return [Leans.of(values) for values in by_label.values()]


def wants_groups(bridged: Bridging, groups_known: bool) -> bool:
    """Whether ``bridged`` fell back over the declared sides while opinion groups are now known for the same
    credences: the consensus is then to be taken over the groups."""
    return groups_known and bridged.fallback is not None and bridged.fallback.over != "opinion groups"


def groups_of(given: BridgingInput, labels: Sequence[int] | None) -> dict[int, int] | None:
    """User → opinion group, from a partition's labels found on the same matrix (same version) as ``given``'s, in
    its user order; ``None`` without groups."""
    if labels is None or len(labels) != len(given.matrix.users):
        return None
    return dict(zip(given.matrix.users, labels, strict=True))


# Rendering ---------------------------------------------------------------------------------------------------------


def _ref_of(number: int, debate: int | None) -> str:
    """``#2``, or ``#2 (debate 3)`` across an agenda."""
    return f"#{number}" if debate is None else f"#{number} (debate {debate})"


def _ref(crux: GroundCrux | DividingCrux) -> str:
    return _ref_of(crux.number, crux.debate)


def _label(label: str, kind: str | None) -> str:
    return label if kind == "groups" else f"*{as_typed(one_line(label, 30))}*"


def divide_line(bridged: Bridging) -> str:
    """Which divide the model found and what it follows, in a line (``/debate groups`` and the summary)."""
    if bridged.fallback is not None:
        return f"**The main divide:** not measured — {bridged.fallback.why}."
    divide = bridged.divide or Divide(kind=None)
    if divide.kind is None or divide.positive is None or divide.negative is None:
        return (
            "**The main divide** (the bridging model's factor) follows neither the declared sides nor the opinion "
            "groups: people split on it otherwise."
        )
    over = "declared sides" if divide.kind == "sides" else "opinion groups"
    return (
        f"**The main divide** (the bridging model's factor) follows the {over}: {_label(divide.positive, divide.kind)} "
        f"at one end, {_label(divide.negative, divide.kind)} at the other ({divide.share:.0%} of where people sit "
        "on it)."
    )


def common_ground_blocks(bridged: Bridging, brief: bool = False) -> list[str]:
    """The summary's **Common ground** and **What divides us**, a few lines each (``brief``: their cruxes' numbers, a
    line each, in one block); below the model's minimums the group-aware consensus, saying why."""
    if bridged.fallback is not None:
        return _fallback_blocks(bridged.fallback)
    if brief:
        return _brief_blocks(bridged)
    blocks: list[str] = []
    names = _end_names(bridged.divide)
    if bridged.common:
        lines = [
            f"**Common ground** ({bridged.common_total}) — both sides of the main divide lean the same way, even after "
            "one more extreme rating:"
        ]
        lines += [_ground_line(crux, names) for crux in bridged.common]
        blocks.append("\n".join(lines))
    if bridged.dividing:
        lines = [f"**What divides us** ({_along(bridged.divide)}):"]
        lines += [f"• {_ref(crux)}: {_ends_text(crux.medians, names)}" for crux in bridged.dividing]
        blocks.append("\n".join(lines))
    return blocks


def _brief_blocks(bridged: Bridging) -> list[str]:
    """``**Common ground** (5): yes #1, #3; no #4`` and ``**What divides us:** #2`` — across an agenda, grouped by
    debate: ``debate 1: yes #1; debate 3: no #4``."""
    lines = []
    if bridged.common:
        lines.append(f"**Common ground** ({bridged.common_total}): " + _by_debate(bridged.common, _leans_text))
    if bridged.dividing:
        lines.append("**What divides us:** " + _by_debate(bridged.dividing, _numbers_text))
    return ["\n".join(lines)] if lines else []


_Named = TypeVar("_Named", GroundCrux, DividingCrux)


def _by_debate(cruxes: Sequence[_Named], text: Callable[[list[_Named]], str]) -> str:
    """``text`` of the cruxes, or of each debate's, after its name, in the order the debates first come."""
    debates: dict[int | None, list[_Named]] = {}
    for crux in cruxes:
        debates.setdefault(crux.debate, []).append(crux)
    return "; ".join(
        text(found) if debate is None else f"debate {debate}: {text(found)}" for debate, found in debates.items()
    )


def _leans_text(cruxes: list[GroundCrux]) -> str:
    """``yes #1, #3; no #4``."""
    ways = (
        (way, [f"#{crux.number}" for crux in cruxes if crux.yes is yes]) for yes, way in ((True, "yes"), (False, "no"))
    )
    return "; ".join(f"{way} {', '.join(numbers)}" for way, numbers in ways if numbers)


def _numbers_text(cruxes: list[DividingCrux]) -> str:
    return ", ".join(f"#{crux.number}" for crux in cruxes)


def _end_names(divide: Divide | None) -> tuple[str, str]:
    if divide is None or divide.positive is None or divide.negative is None:
        return "one side", "the other"
    return _label(divide.positive, divide.kind), _label(divide.negative, divide.kind)


def _along(divide: Divide | None) -> str:
    """Which labelling the divide follows, in a few words."""
    if divide is None or divide.kind is None:
        return "along neither the sides nor the groups"
    return "along the declared sides" if divide.kind == "sides" else "along the opinion groups"


def _ends_text(medians: tuple[int, int], names: tuple[str, str]) -> str:
    """``*for* 88 · *against* 12``: each end's median credence."""
    return f"{names[0]} {medians[0]} · {names[1]} {medians[1]}"


def _ground_line(crux: GroundCrux, names: tuple[str, str]) -> str:
    how = "firmly" if crux.firm else "narrowly"
    return f"• {_ref(crux)} {'yes' if crux.yes else 'no'}, {how}: {_ends_text(crux.medians, names)}"


def _fallback_blocks(fallback: Fallback) -> list[str]:
    if not fallback.total:
        return []
    ways = {True: "likely", False: "unlikely"}
    parts = [
        f"all {fallback.over.split()[-1]} think {ways[yes]} " + ", ".join(refs)
        for yes in (True, False)
        if (refs := [ref for ref, agreement in fallback.strongest if agreement.yes is yes])
    ]
    head = f"**Common ground** ({plural(fallback.total, 'crux', 'cruxes')}, by the {fallback.over}' majorities): "
    return [head + "; ".join(parts) + f"\n*{fallback.why[0].upper()}{fallback.why[1:]}.*"]
