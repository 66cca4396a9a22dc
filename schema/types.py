"""Value types shared by the tables and the core."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, NewType, Protocol

from sqlalchemy import DateTime, Enum, Table, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel

DebateId = NewType("DebateId", int)
"""A debate's database id (its row's key): what other rows and the code name it by."""
DebateNumber = NewType("DebateNumber", int)
"""A debate's number in its server ("Debate #3"), as users and operators name it."""
SideId = NewType("SideId", int)
"""A side's database id (a Join button carries it)."""
ClaimId = NewType("ClaimId", int)
"""A claim's database id (buttons and other rows carry it): never shown to users."""
ClaimNumber = NewType("ClaimNumber", int)
"""A claim's number in its debate ("Claim #3"), as users, options and pickers name it."""
CruxId = NewType("CruxId", int)
"""A crux's database id (buttons and other rows carry it): never shown to users."""
CruxNumber = NewType("CruxNumber", int)
"""A crux's number in its debate ("Crux #2"), as users, options and modals name it."""


SNOWFLAKE_MAX = 2**63 - 1
"""The largest Discord id (a snowflake) a database column holds: ``BigInteger`` is 64-bit signed."""
FORGOTTEN_USER = 0
"""The user id left in a row whose person was forgotten at their request (``bot.core.privacy.erasure``): no Discord
id is 0, so it names nobody, and the columns that must name someone (a record's author or its logger, a debate's
creator) stay NOT NULL."""
FORGOTTEN_LABEL = "a member who asked to be forgotten"
"""How the bot names :data:`FORGOTTEN_USER` in its answers and exports."""
REMOVED_TEXT = "[removed at the author's request]"
"""The text left in place of a forgotten person's record, so that the replies to it and the debate's structure stay."""


class ClaimKind(enum.StrEnum):
    """What a claim does in the argument tree."""

    CLAIM = "claim"
    REBUTTAL = "rebuttal"
    SUPPORT = "support"


class ClaimStatus(enum.StrEnum):
    STANDING = "standing"
    WITHDRAWN = "withdrawn"


class CruxStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class CruxOutcome(enum.StrEnum):
    """How a resolved crux came out: ``yes`` and ``no`` are scored, ``annulled`` (no fair answer) is not."""

    YES = "yes"
    NO = "no"
    ANNULLED = "annulled"


class DebateStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class DebateFormat(enum.StrEnum):
    OPEN = "open"
    ROUNDS = "rounds"
    DOUBLE_CRUX = "double-crux"


class DigestEvery(enum.StrEnum):
    """How often an agenda's digest is posted."""

    DAILY = "daily"
    WEEKLY = "weekly"


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use schema.types.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


def enum_column_type(enum_cls: type[enum.StrEnum]) -> Enum:
    """A portable enum: stored as its string value, checked by a CHECK constraint, no native PG type."""
    return Enum(
        enum_cls,
        values_callable=lambda cls: [member.value for member in cls],
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_cls),
        name=enum_cls.__name__.lower(),
    )


class Stored(Protocol):
    id: int | None


def id_of(record: Stored) -> int:
    """The primary key of a record that has been flushed (and so has one)."""
    if record.id is None:
        raise ValueError(f"{type(record).__name__} has no id yet: flush the session first")
    return record.id


def table_of(model: type[SQLModel]) -> Table:
    """The table of a table model (SQLModel sets ``Model.__table__`` without declaring it to type checkers)."""
    return model.metadata.tables[str(model.__tablename__)]
