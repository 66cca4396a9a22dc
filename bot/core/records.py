"""Snapshots of stored records: what a use case returns instead of the rows it read or changed.

The jobs of one batch share a session (``bot.db``), so a row one job returned is the same object the next job of the
batch may change before the first job's caller renders it. A job therefore returns values: each snapshot here is a
frozen copy of a row's columns, taken with :meth:`Snapshot.of` as the job ends (``bot.db`` refuses a result that
holds a row). Inside a job, the core works on rows as it likes.

A snapshot's ids and numbers have distinct types (``schema.types``: ``ClaimId``, ``ClaimNumber`` …), given here as
the row's ``int`` columns are copied: a claim's id cannot be passed where its number is taken, mypy refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Self

from schema import (
    ClaimId,
    ClaimKind,
    ClaimNumber,
    ClaimStatus,
    CruxId,
    CruxNumber,
    CruxOutcome,
    CruxStatus,
    Debate,
    DebateFormat,
    DebateId,
    DebateNumber,
    DebateStatus,
    SideId,
)


class Snapshot:
    """A frozen copy of a row's columns (each subclass is a frozen dataclass naming the columns it copies)."""

    __slots__ = ()

    @classmethod
    def of(cls, row: Any) -> Self:
        """The snapshot of ``row`` (flushed: it has its id), as it is now."""
        snapshot: Self = cls(**{name: getattr(row, name) for name in field_names(cls)})
        return snapshot

    @classmethod
    def each(cls, rows: Any) -> list[Self]:
        """The snapshots of ``rows``, in order."""
        return [cls.of(row) for row in rows]


_FIELDS: dict[type, tuple[str, ...]] = {}


def field_names(dataclass: type) -> tuple[str, ...]:
    """The names of a dataclass's fields, found once per class (``fields`` costs more than copying them)."""
    names = _FIELDS.get(dataclass)
    if names is None:
        names = _FIELDS[dataclass] = tuple(field.name for field in fields(dataclass))
    return names


@dataclass(frozen=True, slots=True)
class DebateSnapshot(Snapshot):
    id: DebateId
    guild_id: int
    number: DebateNumber
    channel_id: int
    thread_id: int
    topic: str
    agenda_id: int | None
    format: DebateFormat
    status: DebateStatus
    creator_id: int
    created_at: datetime
    ended_at: datetime | None
    ended_by_id: int | None
    outcome: str | None
    summarized_at: datetime | None
    claim_seq: int
    crux_seq: int
    phase: int
    phase_minutes: int | None
    phase_ends_at: datetime | None
    paused_remaining: int | None


RecordId = ClaimId | CruxId
"""The id of a claim or of a crux (which: what carries it says)."""
RecordNumber = ClaimNumber | CruxNumber
"""The number of a claim or of a crux (which: what carries it says)."""


AnyDebate = Debate | DebateSnapshot
"""A debate as read: its row inside a job, its snapshot outside."""


@dataclass(frozen=True, slots=True)
class SideSnapshot(Snapshot):
    id: SideId
    debate_id: DebateId
    position: int
    name: str
    name_key: str


@dataclass(frozen=True, slots=True)
class AgendaSnapshot(Snapshot):
    id: int
    guild_id: int
    name: str
    name_key: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClaimSnapshot(Snapshot):
    id: ClaimId
    debate_id: DebateId
    number: ClaimNumber
    kind: ClaimKind
    parent_id: ClaimId | None
    side_id: SideId | None
    author_id: int | None
    speaker: str | None
    logged_by_id: int
    text: str
    source_message_id: int | None
    source_url: str | None
    status: ClaimStatus
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RevisionSnapshot(Snapshot):
    """A text a claim had before an edit."""

    id: int
    claim_id: ClaimId
    text: str
    revised_by_id: int
    revised_at: datetime


@dataclass(frozen=True, slots=True)
class CruxSnapshot(Snapshot):
    id: CruxId
    debate_id: DebateId
    number: CruxNumber
    question: str
    author_id: int | None
    speaker: str | None
    logged_by_id: int | None
    source_message_id: int | None
    source_url: str | None
    status: CruxStatus
    resolution: str | None
    resolved_by_id: int | None
    resolved_at: datetime | None
    outcome: CruxOutcome | None
    resolution_url: str | None
    created_at: datetime
    spread: int


@dataclass(frozen=True, slots=True)
class CredenceSnapshot(Snapshot):
    id: int
    crux_id: CruxId
    user_id: int
    value: int
    reason: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TimerSnapshot(Snapshot):
    id: int
    guild_id: int
    event: str
    key: str
    due_at: datetime
    created_at: datetime
    fired_at: datetime | None
    announcing: str | None
    leased_until: datetime | None


@dataclass(frozen=True, slots=True)
class ImportDraftSnapshot(Snapshot):
    id: int
    guild_id: int
    debate_id: DebateId
    importer_id: int
    source_id: int
    page: int
    data: str
    created_at: datetime
    expires_at: datetime
