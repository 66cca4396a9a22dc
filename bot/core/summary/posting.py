"""What ``/debate summary`` (and the summary posted at ``/debate end``) reads, in one job: the summary with its
insights, the opinion groups and the common ground (:mod:`bot.core.opinion.divides`) of the debate's credences if they
are known for their current version — else what to look for them in, once the summary is read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core.opinion.divides import Bridging, BridgingInput, read_input, read_sides
from bot.core.opinion.groups import Found, Version, credence_version
from bot.core.summary.queries import DebateSummary, summarize
from schema import Debate

KnownGroups = Callable[[int, Version], Found | None]
"""The opinion groups already found for a debate's credences at a version (by debate id), if any."""
KnownBridging = Callable[[int, Version, Mapping[int, str]], Bridging | None]
"""The common ground and divide already fitted for a debate's credences at a version (by debate id), with the
participants' sides as named now (the divide shows their names), if any."""


@dataclass(frozen=True, slots=True)
class SummaryRead:
    summary: DebateSummary
    found: Found | None
    """The opinion groups known for the credences as read (``None``: not known yet)."""
    bridged: Bridging | None
    """The common ground and divide known for the credences as read (``None``: not known yet)."""
    given: BridgingInput | None
    """The credences (with the open cruxes and the sides) to look for what was not known in (``None``: both were)."""


def read_summary(session: Session, debate: Debate, known: KnownGroups, kept: KnownBridging) -> SummaryRead:
    """The summary with its insights, the groups ``known`` and the common ground ``kept`` for the credences' version,
    and, unless both were, what :func:`bot.core.opinion.divides.read_input` reads (its matrix, open cruxes, sides)."""
    summary = summarize(session, debate, insights=True)
    version = credence_version(session, debate)
    found, bridged = known(summary.debate_id, version), kept(summary.debate_id, version, read_sides(session, debate))
    given = None if found is not None and bridged is not None else read_input(session, debate)
    return SummaryRead(summary, found, bridged, given)
