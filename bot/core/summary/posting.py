"""What ``/debate summary`` (and the summary posted at ``/debate end``) reads, in one job: the summary with its
insights, and the opinion groups of the debate's credences if they are known for their current version — else the
credence matrix to look for them in, once the summary is posted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core.opinion.groups import CredenceMatrix, Found, Version, credence_matrix, credence_version
from bot.core.summary.queries import DebateSummary, summarize
from schema import Debate

KnownGroups = Callable[[int, Version], Found | None]
"""The opinion groups already found for a debate's credences at a version (by debate id), if any."""


@dataclass(frozen=True, slots=True)
class SummaryRead:
    summary: DebateSummary
    found: Found | None
    """The opinion groups known for the credences as read (``None``: not known yet)."""
    matrix: CredenceMatrix | None
    """The credences to look for groups in, when they were not known (``None`` otherwise)."""


def read_summary(session: Session, debate: Debate, known: KnownGroups) -> SummaryRead:
    """The summary with its insights, and either the groups ``known`` for the credences' version or their matrix."""
    summary = summarize(session, debate, insights=True)
    found = known(summary.debate_id, credence_version(session, debate))
    return SummaryRead(summary, found, None if found is not None else credence_matrix(session, debate))
