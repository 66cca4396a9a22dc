"""The database tables. Discord ids are 64-bit snowflakes: always ``BigInteger``.

Integrity lives here as well as in the core: foreign keys, CHECK ranges, and UNIQUE wherever "one per" holds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from schema.types import (
    ClaimKind,
    ClaimStatus,
    CruxOutcome,
    CruxStatus,
    DebateFormat,
    DebateStatus,
    DigestEvery,
    UTCDateTime,
    enum_column_type,
    table_of,
    utcnow,
)

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _snowflake(*, index: bool = False, nullable: bool = False) -> Column[int]:
    return Column(BigInteger, index=index, nullable=nullable)


def _created_at() -> datetime:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)  # type: ignore[no-any-return]


class GuildState(SQLModel, table=True):
    """Per-guild counters, so debates are numbered 1, 2, 3 … in each server."""

    __tablename__ = "guild_state"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    debate_seq: int = Field(default=0, nullable=False)


class Agenda(SQLModel, table=True):
    """A research agenda: a named group of debates in one guild."""

    __table_args__ = (UniqueConstraint("guild_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_column=_snowflake())
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100, description="casefolded name, for uniqueness")
    created_at: datetime = _created_at()


class Debate(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("guild_id", "number"),
        CheckConstraint("claim_seq >= 0 AND crux_seq >= 0", name="seq_nonnegative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_column=_snowflake())
    number: int
    channel_id: int = Field(sa_column=_snowflake())
    thread_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    topic: str = Field(sa_type=Text)
    agenda_id: int | None = Field(default=None, foreign_key="agenda.id", index=True, ondelete="SET NULL")
    format: DebateFormat = Field(default=DebateFormat.OPEN, sa_type=enum_column_type(DebateFormat))
    status: DebateStatus = Field(default=DebateStatus.OPEN, sa_type=enum_column_type(DebateStatus))
    creator_id: int = Field(sa_column=_snowflake())
    created_at: datetime = _created_at()
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, sa_type=Text, description="what the moderator said at the end")
    summarized_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="when a summary was last posted for everyone"
    )
    claim_seq: int = Field(default=0, description="last claim number handed out")
    crux_seq: int = Field(default=0, description="last crux number handed out")
    phase: int = Field(default=0, sa_column_kwargs={"server_default": "0"}, description="index of the current phase")
    phase_minutes: int | None = Field(default=None, description="length of each phase, when timed")
    phase_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="while a timed phase runs")
    paused_remaining: int | None = Field(default=None, description="seconds left in the phase, while paused")


class Side(SQLModel, table=True):
    """One of a debate's sides ("for", "against", …), in the order they were given."""

    __table_args__ = (UniqueConstraint("debate_id", "name_key"), UniqueConstraint("debate_id", "position"))

    id: int | None = Field(default=None, primary_key=True)
    debate_id: int = Field(foreign_key="debate.id", ondelete="CASCADE")
    position: int
    name: str = Field(max_length=50)
    name_key: str = Field(max_length=50)


class Participant(SQLModel, table=True):
    """A user's side in a debate: one per user per debate."""

    __table_args__ = (
        UniqueConstraint("debate_id", "user_id"),
        CheckConstraint("motion_credence >= 0 AND motion_credence <= 100", name="motion_credence_percent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    debate_id: int = Field(foreign_key="debate.id", ondelete="CASCADE")
    user_id: int = Field(sa_column=_snowflake())
    side_id: int = Field(foreign_key="side.id", ondelete="CASCADE")
    joined_at: datetime = _created_at()
    motion_credence: int | None = Field(default=None, description="credence (0–100) on the motion, double-crux")


class Claim(SQLModel, table=True):
    """A claim, or a rebuttal/support of another claim (``parent_id``)."""

    __table_args__ = (
        UniqueConstraint("debate_id", "number"),
        UniqueConstraint("debate_id", "source_message_id", "kind"),
        CheckConstraint("(kind = 'claim') = (parent_id IS NULL)", name="parent_iff_reply"),
        CheckConstraint("author_id IS NOT NULL OR speaker IS NOT NULL", name="author_or_speaker"),
        Index("ix_claim_parent_id", "parent_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    debate_id: int = Field(foreign_key="debate.id", ondelete="CASCADE")
    number: int
    kind: ClaimKind = Field(default=ClaimKind.CLAIM, sa_type=enum_column_type(ClaimKind))
    parent_id: int | None = Field(default=None, foreign_key="claim.id", ondelete="CASCADE")
    side_id: int | None = Field(default=None, foreign_key="side.id", ondelete="SET NULL")
    author_id: int | None = Field(
        default=None, sa_column=_snowflake(nullable=True), description="none for a transcript's speaker"
    )
    speaker: str | None = Field(
        default=None, max_length=100, description="a transcript's speaker who is not a Discord user, by name"
    )
    logged_by_id: int = Field(sa_column=_snowflake())
    text: str = Field(sa_type=Text)
    source_message_id: int | None = Field(default=None, sa_column=_snowflake(nullable=True))
    source_url: str | None = Field(default=None, max_length=200, description="jump link to the chat message")
    status: ClaimStatus = Field(default=ClaimStatus.STANDING, sa_type=enum_column_type(ClaimStatus))
    created_at: datetime = _created_at()


class ClaimRevision(SQLModel, table=True):
    """The text a claim had before an edit: edits keep their history."""

    __tablename__ = "claim_revision"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", ondelete="CASCADE", index=True)
    text: str = Field(sa_type=Text)
    revised_by_id: int = Field(sa_column=_snowflake())
    revised_at: datetime = _created_at()


class Crux(SQLModel, table=True):
    """A question whose answer would change someone's mind."""

    __table_args__ = (
        UniqueConstraint("debate_id", "number"),
        UniqueConstraint("debate_id", "source_message_id"),
        CheckConstraint("(status = 'resolved') = (resolution IS NOT NULL)", name="resolution_iff_resolved"),
        CheckConstraint(
            "status = 'resolved' OR (outcome IS NULL AND resolution_url IS NULL)", name="outcome_only_if_resolved"
        ),
        CheckConstraint("author_id IS NOT NULL OR speaker IS NOT NULL", name="author_or_speaker"),
    )

    id: int | None = Field(default=None, primary_key=True)
    debate_id: int = Field(foreign_key="debate.id", ondelete="CASCADE")
    number: int
    question: str = Field(sa_type=Text)
    author_id: int | None = Field(
        default=None, sa_column=_snowflake(nullable=True), description="none for a transcript's speaker"
    )
    speaker: str | None = Field(
        default=None, max_length=100, description="a transcript's speaker who is not a Discord user, by name"
    )
    logged_by_id: int | None = Field(default=None, sa_column=_snowflake(nullable=True), description="if not the author")
    source_message_id: int | None = Field(default=None, sa_column=_snowflake(nullable=True))
    source_url: str | None = Field(default=None, max_length=200, description="jump link to the chat message")
    status: CruxStatus = Field(default=CruxStatus.OPEN, sa_type=enum_column_type(CruxStatus))
    resolution: str | None = Field(default=None, sa_type=Text)
    resolved_by_id: int | None = Field(default=None, sa_column=_snowflake(nullable=True))
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: CruxOutcome | None = Field(
        default=None,
        sa_type=enum_column_type(CruxOutcome),
        description="yes, no or annulled; none for cruxes resolved before outcomes existed (never scored)",
    )
    resolution_url: str | None = Field(default=None, max_length=500, description="a link to the resolution's source")
    created_at: datetime = _created_at()
    spread: int = Field(
        default=0,
        sa_column_kwargs={"server_default": "0"},
        description="how far apart the participants' latest credences are (0 with fewer than two); kept with "
        "crux_stance, so that a summary reads the widest disagreements first from an index",
    )


Index(
    "ix_crux_debate_id_status_spread",
    table_of(Crux).c.debate_id,
    table_of(Crux).c.status,
    table_of(Crux).c.spread.desc(),
    table_of(Crux).c.number,
)
"""A debate's open cruxes widest disagreement first (``ORDER BY spread DESC, number LIMIT n``), and its crux counts."""
Index(
    "ix_crux_debate_id_status_resolved_at",
    table_of(Crux).c.debate_id,
    table_of(Crux).c.status,
    table_of(Crux).c.resolved_at,
    table_of(Crux).c.number,
)
"""A debate's most recently resolved cruxes (scanned backwards)."""


class CruxClaim(SQLModel, table=True):
    """A link between a crux and a claim it bears on."""

    __tablename__ = "crux_claim"

    crux_id: int = Field(foreign_key="crux.id", primary_key=True, ondelete="CASCADE")
    claim_id: int = Field(foreign_key="claim.id", primary_key=True, ondelete="CASCADE", index=True)


class Credence(SQLModel, table=True):
    """A user's credence (0–100) on a crux. Append-only: the latest row per (crux, user) counts."""

    __table_args__ = (
        CheckConstraint("value >= 0 AND value <= 100", name="value_percent"),
        Index("ix_credence_crux_user", "crux_id", "user_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    crux_id: int = Field(foreign_key="crux.id", ondelete="CASCADE")
    user_id: int = Field(sa_column=_snowflake())
    value: int
    reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _created_at()


class CruxStance(SQLModel, table=True):
    """A participant's credences on a crux, reduced to what a summary shows: the first and the latest (with its
    reason) and how many. One row per (crux, user), kept by ``record_credence`` in the transaction that appends the
    credence; ``credence`` stays the record. The ids of the credences it was taken from make the upsert a merge
    that gives the same row in whatever order concurrent credences arrive."""

    __tablename__ = "crux_stance"
    __table_args__ = (
        CheckConstraint(
            "first_value >= 0 AND first_value <= 100 AND latest_value >= 0 AND latest_value <= 100",
            name="values_percent",
        ),
        CheckConstraint("updates >= 1", name="updates_positive"),
    )

    crux_id: int = Field(foreign_key="crux.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    first_credence_id: int = Field(description="the user's first credence row on the crux")
    first_value: int
    latest_credence_id: int = Field(description="the user's latest credence row on the crux")
    latest_value: int
    latest_reason: str | None = Field(default=None, sa_type=Text)
    updates: int = Field(description="how many credences the user recorded on the crux")
    updated_at: datetime = Field(sa_type=UTCDateTime, description="when the latest credence was recorded")


class CruxScore(SQLModel, table=True):
    """A participant's scores on a crux resolved yes or no (``bot.core.scoring.formulas``): written when it resolves,
    deleted when it is reopened."""

    __tablename__ = "crux_score"
    __table_args__ = (CheckConstraint("coverage > 0 AND coverage <= 1", name="coverage_share"),)

    crux_id: int = Field(foreign_key="crux.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    baseline: float = Field(description="time-weighted baseline score over the crux's open time")
    brier: float = Field(description="time-weighted Brier score over the time a credence was held")
    coverage: float = Field(description="share of the crux's open time a credence was held")


class CruxMark(SQLModel, table=True):
    """A participant's answer, in a double-crux debate, to "would this crux change my mind?"."""

    __tablename__ = "crux_mark"

    crux_id: int = Field(foreign_key="crux.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    changes_mind: bool
    marked_at: datetime = _created_at()


class Timer(SQLModel, table=True):
    """Something due at a time (a phase ending, a digest): one per (event, key), fired once.

    Firing claims the row (``fired_at`` set by a compare-and-set UPDATE) in the transaction that does the work, so
    several bot processes sharing the database fire each timer exactly once. Rescheduling clears ``fired_at``.
    """

    __table_args__ = (UniqueConstraint("event", "key"), Index("ix_timer_fired_at_due_at", "fired_at", "due_at"))

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_column=_snowflake())
    event: str = Field(max_length=32, description="what to do: the name of a registered handler")
    key: str = Field(max_length=64, description="which one, e.g. a debate's id")
    due_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = _created_at()
    fired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Digest(SQLModel, table=True):
    """A schedule posting an agenda's summary to a channel, daily or weekly."""

    __table_args__ = (UniqueConstraint("guild_id", "agenda_id"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_column=_snowflake())
    agenda_id: int = Field(foreign_key="agenda.id", ondelete="CASCADE")
    channel_id: int = Field(sa_column=_snowflake())
    every: DigestEvery = Field(sa_type=enum_column_type(DigestEvery))
    created_by_id: int = Field(sa_column=_snowflake())
    created_at: datetime = _created_at()
    last_posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CommandSync(SQLModel, table=True):
    """The fingerprint of the command set last synced to a scope ("global" or a guild id)."""

    __tablename__ = "command_sync"

    scope: str = Field(primary_key=True, max_length=32)
    fingerprint: str = Field(max_length=64)
    synced_at: datetime = _created_at()


class ClaimVector(SQLModel, table=True):
    """A claim's sentence embedding (``bot.runtime.semantic``: float32 bytes), kept so that a new record is compared
    with the debate's records without embedding them again. Derived data: deleted when the claim's text changes, made
    again when missing or made by another ``model``."""

    __tablename__ = "claim_vector"

    claim_id: int = Field(foreign_key="claim.id", primary_key=True, ondelete="CASCADE")
    model: str = Field(max_length=64)
    vector: bytes = Field(sa_type=LargeBinary)


class CruxVector(SQLModel, table=True):
    """A crux question's sentence embedding; see :class:`ClaimVector`."""

    __tablename__ = "crux_vector"

    crux_id: int = Field(foreign_key="crux.id", primary_key=True, ondelete="CASCADE")
    model: str = Field(max_length=64)
    vector: bytes = Field(sa_type=LargeBinary)


class Heartbeat(SQLModel, table=True):
    """Each bot process's latest sign of life (one row per shard; 0 for a single process), read by
    ``python -m bot health``."""

    __tablename__ = "heartbeat"

    shard_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    connected: bool
    beat_at: datetime = _created_at()


class ImportDraft(SQLModel, table=True):
    """A draft of records taken from a channel's messages by ``/debate import`` (``bot.core.importing.drafts``), kept
    until its importer records it or it expires (a day), so that its buttons work across restarts."""

    __tablename__ = "import_draft"
    __table_args__ = {"sqlite_autoincrement": True}  # an expired draft's id is never given to a new one

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_column=_snowflake())
    debate_id: int = Field(foreign_key="debate.id", ondelete="CASCADE", index=True)
    importer_id: int = Field(sa_column=_snowflake())
    source_id: int = Field(sa_column=_snowflake(), description="the channel or thread whose messages were read")
    page: int = Field(default=0, description="the page its importer is looking at")
    data: str = Field(sa_type=Text, description="the draft as JSON (``Draft.to_json``)")
    created_at: datetime = _created_at()
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class PendingRebuttal(SQLModel, table=True):
    """A chat message being logged as a rebuttal while its logger picks the claim it answers (a day at most). The
    message is kept as the context menu delivered it: without the Message Content intent, fetching it again at the
    pick would return it without its text."""

    __tablename__ = "pending_rebuttal"
    __table_args__ = {"sqlite_autoincrement": True}  # an expired pick's id is never given to a new one

    id: int | None = Field(default=None, primary_key=True)
    debate_id: int = Field(foreign_key="debate.id", ondelete="CASCADE", index=True)
    logger_id: int = Field(sa_column=_snowflake(), description="who asked to log it, the only one who may pick")
    message_id: int = Field(sa_column=_snowflake())
    author_id: int = Field(sa_column=_snowflake())
    channel_id: int = Field(sa_column=_snowflake())
    reply_to_id: int | None = Field(default=None, sa_column=_snowflake(nullable=True))
    content: str = Field(sa_type=Text)
    jump_url: str = Field(sa_type=Text)
    created_at: datetime = _created_at()
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class MemberName(SQLModel, table=True):
    """A user's display name in a server as the bot last saw it when they acted (the bot has no member intent, so a
    new name shows at the user's next interaction): exports write names, not ids, which read only inside Discord."""

    __tablename__ = "member_name"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    name: str = Field(sa_type=Text, description="the server nickname, else the global display name, else the username")
    seen_at: datetime = Field(sa_type=UTCDateTime, description="when the bot first saw this name")
