"""The database tables. Discord ids are 64-bit snowflakes: always ``BigInteger``.

Integrity lives here as well as in the core: foreign keys, CHECK ranges, and UNIQUE wherever "one per" holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

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


Personal = Literal["identity", "text", "derived"]
"""What a personal column holds, in its ``info["personal"]``: ``identity`` who a person is (a Discord user id, a
transcript speaker's name, a display name); ``text`` what a person wrote or answered (a claim, a question, a reason,
a credence, a side chosen) and the links to their messages; ``derived`` what the bot computed from a person's data (a
score, a stance, a spread, a vector). ``None`` (with ``info["why"]``) for a column that holds nothing about a person.
Export and erasure (``bot.core.privacy``) must cover every personal column; ``tests/core/test_privacy.py`` checks that
every column but a timestamp is classified (a timestamp goes with its row)."""
PERSONAL_KINDS: tuple[Personal, ...] = get_args(Personal)

_ROW_KEY = "the row's key"
_SETTING = "a debate's setting"
_STATE = "where a record or a debate stands"
_LINK = "a link to another row"
_SERVER = "a server's id, not a person's"
_CHANNEL = "a channel's id, not a person's"
_NUMBER = "its number in its debate, as users name it"
_MESSAGE = "the link to its author's message in Discord"
_NO_AUTHOR = "none for a transcript's speaker"


def _personal(kind: Personal, why: str = "", **column: Any) -> dict[str, Any]:
    """A personal column's keyword arguments (``Column``'s, or a ``Field``'s ``sa_column_kwargs``)."""
    return {"info": {"personal": kind} | ({"why": why} if why else {}), **column}


def _not_personal(why: str, **column: Any) -> dict[str, Any]:
    """The keyword arguments of a column holding nothing about a person, and why."""
    return {"info": {"personal": None, "why": why}, **column}


def _snowflake(info: dict[str, Any], *, index: bool = False, nullable: bool = False) -> Column[int]:
    """A Discord id, classified by ``info`` (:func:`_personal` or :func:`_not_personal`)."""
    return Column(BigInteger, index=index, nullable=nullable, **info)


def _link(foreign_key: str, *, primary_key: bool = False, index: bool = False) -> Any:
    """A required link to another row, deleted with it."""
    return Field(
        foreign_key=foreign_key,
        ondelete="CASCADE",
        primary_key=primary_key,
        index=index,
        sa_column_kwargs=_not_personal(_LINK),
    )


def _author() -> Any:
    """A record's author, a Discord user; none for a transcript's speaker."""
    return Field(default=None, sa_column=_snowflake(_personal("identity"), nullable=True), description=_NO_AUTHOR)


def _source_url() -> Any:
    return Field(
        default=None,
        max_length=200,
        description="jump link to the chat message",
        sa_column_kwargs=_personal("text", _MESSAGE),
    )


def _speaker() -> Any:
    return Field(
        default=None,
        max_length=100,
        description="a transcript's speaker who is not a Discord user, by name",
        sa_column_kwargs=_personal("identity"),
    )


def _row_key() -> Any:
    return Field(default=None, primary_key=True, sa_column_kwargs=_not_personal(_ROW_KEY))


def _user(*, primary_key: bool = False) -> Any:
    """The user a row is about (a Discord id)."""
    if primary_key:
        return Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False, **_personal("identity")))
    return Field(sa_column=_snowflake(_personal("identity")))


def _created_at() -> datetime:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)  # type: ignore[no-any-return]


class GuildState(SQLModel, table=True):
    """Per-guild counters, so debates are numbered 1, 2, 3 … in each server."""

    __tablename__ = "guild_state"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False, **_not_personal(_SERVER)))
    debate_seq: int = Field(default=0, nullable=False, sa_column_kwargs=_not_personal("a counter"))


_AGENDA_NAME = "a label for a group of debates: the bot keeps no record of who gave it, so it is nobody's data"


class Agenda(SQLModel, table=True):
    """A research agenda: a named group of debates in one guild."""

    __table_args__ = (UniqueConstraint("guild_id", "name_key"),)

    id: int | None = _row_key()
    guild_id: int = Field(sa_column=_snowflake(_not_personal(_SERVER)))
    name: str = Field(max_length=100, sa_column_kwargs=_not_personal(_AGENDA_NAME))
    name_key: str = Field(
        max_length=100, description="casefolded name, for uniqueness", sa_column_kwargs=_not_personal(_AGENDA_NAME)
    )
    created_at: datetime = _created_at()


class Debate(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("guild_id", "number"),
        CheckConstraint("claim_seq >= 0 AND crux_seq >= 0", name="seq_nonnegative"),
    )

    id: int | None = _row_key()
    guild_id: int = Field(sa_column=_snowflake(_not_personal(_SERVER)))
    number: int = Field(sa_column_kwargs=_not_personal("its number in its server, as users name it"))
    channel_id: int = Field(sa_column=_snowflake(_not_personal(_CHANNEL)))
    thread_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True, **_not_personal(_CHANNEL)))
    topic: str = Field(sa_type=Text, sa_column_kwargs=_personal("text", "written by its creator"))
    agenda_id: int | None = Field(
        default=None, foreign_key="agenda.id", index=True, ondelete="SET NULL", sa_column_kwargs=_not_personal(_LINK)
    )
    format: DebateFormat = Field(
        default=DebateFormat.OPEN, sa_type=enum_column_type(DebateFormat), sa_column_kwargs=_not_personal(_SETTING)
    )
    status: DebateStatus = Field(
        default=DebateStatus.OPEN, sa_type=enum_column_type(DebateStatus), sa_column_kwargs=_not_personal(_STATE)
    )
    creator_id: int = _user()
    created_at: datetime = _created_at()
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_by_id: int | None = Field(
        default=None,
        description="who ended it and wrote its outcome (null: open, or ended before this was recorded)",
        sa_column=_snowflake(_personal("identity"), nullable=True),
    )
    outcome: str | None = Field(
        default=None,
        sa_type=Text,
        description="what the moderator said at the end",
        sa_column_kwargs=_personal("text", "written by the moderator who ended it"),
    )
    summarized_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="when a summary was last posted for everyone"
    )
    claim_seq: int = Field(
        default=0, description="last claim number handed out", sa_column_kwargs=_not_personal("a counter")
    )
    crux_seq: int = Field(
        default=0, description="last crux number handed out", sa_column_kwargs=_not_personal("a counter")
    )
    phase: int = Field(
        default=0, sa_column_kwargs=_not_personal(_STATE, server_default="0"), description="index of the current phase"
    )
    phase_minutes: int | None = Field(
        default=None, description="length of each phase, when timed", sa_column_kwargs=_not_personal(_SETTING)
    )
    phase_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="while a timed phase runs")
    paused_remaining: int | None = Field(
        default=None, description="seconds left in the phase, while paused", sa_column_kwargs=_not_personal(_STATE)
    )


_SIDE_NAME = "given by the debate's creator (a name could name a person), so it goes with the topic"


class Side(SQLModel, table=True):
    """One of a debate's sides ("for", "against", …), in the order they were given."""

    __table_args__ = (UniqueConstraint("debate_id", "name_key"), UniqueConstraint("debate_id", "position"))

    id: int | None = _row_key()
    debate_id: int = _link("debate.id")
    position: int = Field(sa_column_kwargs=_not_personal("its place among the debate's sides"))
    name: str = Field(max_length=50, sa_column_kwargs=_personal("text", _SIDE_NAME))
    name_key: str = Field(max_length=50, sa_column_kwargs=_personal("text", _SIDE_NAME))


class Participant(SQLModel, table=True):
    """A user's side in a debate: one per user per debate."""

    __table_args__ = (
        UniqueConstraint("debate_id", "user_id"),
        CheckConstraint("motion_credence >= 0 AND motion_credence <= 100", name="motion_credence_percent"),
    )

    id: int | None = _row_key()
    debate_id: int = _link("debate.id")
    user_id: int = _user()
    side_id: int = Field(
        foreign_key="side.id", ondelete="CASCADE", sa_column_kwargs=_personal("text", "the side they chose")
    )
    joined_at: datetime = _created_at()
    motion_credence: int | None = Field(
        default=None,
        description="credence (0–100) on the motion, double-crux",
        sa_column_kwargs=_personal("text", "their answer"),
    )


class Claim(SQLModel, table=True):
    """A claim, or a rebuttal/support of another claim (``parent_id``)."""

    __table_args__ = (
        UniqueConstraint("debate_id", "number"),
        UniqueConstraint("debate_id", "source_message_id", "kind"),
        CheckConstraint("(kind = 'claim') = (parent_id IS NULL)", name="parent_iff_reply"),
        CheckConstraint("author_id IS NOT NULL OR speaker IS NOT NULL", name="author_or_speaker"),
        Index("ix_claim_parent_id", "parent_id"),
    )

    id: int | None = _row_key()
    debate_id: int = _link("debate.id")
    number: int = Field(sa_column_kwargs=_not_personal(_NUMBER))
    kind: ClaimKind = Field(
        default=ClaimKind.CLAIM,
        sa_type=enum_column_type(ClaimKind),
        sa_column_kwargs=_not_personal("its place in the argument tree"),
    )
    parent_id: int | None = Field(
        default=None, foreign_key="claim.id", ondelete="CASCADE", sa_column_kwargs=_not_personal(_LINK)
    )
    side_id: int | None = Field(
        default=None, foreign_key="side.id", ondelete="SET NULL", sa_column_kwargs=_not_personal(_LINK)
    )
    author_id: int | None = _author()
    speaker: str | None = _speaker()
    logged_by_id: int = _user()
    text: str = Field(sa_type=Text, sa_column_kwargs=_personal("text"))
    source_message_id: int | None = Field(
        default=None, sa_column=_snowflake(_personal("text", _MESSAGE), nullable=True)
    )
    source_url: str | None = _source_url()
    status: ClaimStatus = Field(
        default=ClaimStatus.STANDING, sa_type=enum_column_type(ClaimStatus), sa_column_kwargs=_not_personal(_STATE)
    )
    created_at: datetime = _created_at()


class ClaimRevision(SQLModel, table=True):
    """The text a claim had before an edit: edits keep their history."""

    __tablename__ = "claim_revision"

    id: int | None = _row_key()
    claim_id: int = _link("claim.id", index=True)
    text: str = Field(sa_type=Text, sa_column_kwargs=_personal("text"))
    revised_by_id: int = _user()
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

    id: int | None = _row_key()
    debate_id: int = _link("debate.id")
    number: int = Field(sa_column_kwargs=_not_personal(_NUMBER))
    question: str = Field(sa_type=Text, sa_column_kwargs=_personal("text"))
    author_id: int | None = _author()
    speaker: str | None = _speaker()
    logged_by_id: int | None = Field(
        default=None, sa_column=_snowflake(_personal("identity"), nullable=True), description="if not the author"
    )
    source_message_id: int | None = Field(
        default=None, sa_column=_snowflake(_personal("text", _MESSAGE), nullable=True)
    )
    source_url: str | None = _source_url()
    status: CruxStatus = Field(
        default=CruxStatus.OPEN, sa_type=enum_column_type(CruxStatus), sa_column_kwargs=_not_personal(_STATE)
    )
    resolution: str | None = Field(default=None, sa_type=Text, sa_column_kwargs=_personal("text", "by its resolver"))
    resolved_by_id: int | None = Field(default=None, sa_column=_snowflake(_personal("identity"), nullable=True))
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: CruxOutcome | None = Field(
        default=None,
        sa_type=enum_column_type(CruxOutcome),
        description="yes, no or annulled; none for cruxes resolved before outcomes existed (never scored)",
        sa_column_kwargs=_not_personal("the answer to the question, which everyone's scores are measured against"),
    )
    resolution_url: str | None = Field(
        default=None,
        max_length=500,
        description="a link to the resolution's source",
        sa_column_kwargs=_personal("text", "given by its resolver"),
    )
    created_at: datetime = _created_at()
    spread: int = Field(
        default=0,
        sa_column_kwargs=_personal("derived", "from the participants' credences", server_default="0"),
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

    crux_id: int = _link("crux.id", primary_key=True)
    claim_id: int = _link("claim.id", primary_key=True, index=True)


class Credence(SQLModel, table=True):
    """A user's credence (0–100) on a crux. Append-only: the latest row per (crux, user) counts."""

    __table_args__ = (
        CheckConstraint("value >= 0 AND value <= 100", name="value_percent"),
        Index("ix_credence_crux_user", "crux_id", "user_id", "id"),
    )

    id: int | None = _row_key()
    crux_id: int = _link("crux.id")
    user_id: int = _user()
    value: int = Field(sa_column_kwargs=_personal("text", "their answer"))
    reason: str | None = Field(default=None, sa_type=Text, sa_column_kwargs=_personal("text"))
    created_at: datetime = _created_at()


_STANCE = "taken from their credences"


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

    crux_id: int = _link("crux.id", primary_key=True)
    user_id: int = _user(primary_key=True)
    first_credence_id: int = Field(
        description="the user's first credence row on the crux", sa_column_kwargs=_personal("derived", _STANCE)
    )
    first_value: int = Field(sa_column_kwargs=_personal("derived", _STANCE))
    latest_credence_id: int = Field(
        description="the user's latest credence row on the crux", sa_column_kwargs=_personal("derived", _STANCE)
    )
    latest_value: int = Field(sa_column_kwargs=_personal("derived", _STANCE))
    latest_reason: str | None = Field(
        default=None, sa_type=Text, sa_column_kwargs=_personal("text", "a copy of their latest reason")
    )
    updates: int = Field(
        description="how many credences the user recorded on the crux", sa_column_kwargs=_personal("derived", _STANCE)
    )
    updated_at: datetime = Field(sa_type=UTCDateTime, description="when the latest credence was recorded")


class CruxScore(SQLModel, table=True):
    """A participant's scores on a crux resolved yes or no (``bot.core.scoring.formulas``): written when it resolves,
    deleted when it is reopened."""

    __tablename__ = "crux_score"
    __table_args__ = (CheckConstraint("coverage > 0 AND coverage <= 1", name="coverage_share"),)

    crux_id: int = _link("crux.id", primary_key=True)
    user_id: int = _user(primary_key=True)
    baseline: float = Field(
        description="time-weighted baseline score over the crux's open time", sa_column_kwargs=_personal("derived")
    )
    brier: float = Field(
        description="time-weighted Brier score over the time a credence was held", sa_column_kwargs=_personal("derived")
    )
    coverage: float = Field(
        description="share of the crux's open time a credence was held", sa_column_kwargs=_personal("derived")
    )
    peer: float | None = Field(
        default=None,
        description="time-weighted peer score over the crux's open time (none: scored before peer scores were kept)",
        sa_column_kwargs=_personal("derived"),
    )


class CruxMark(SQLModel, table=True):
    """A participant's answer, in a double-crux debate, to "would this crux change my mind?"."""

    __tablename__ = "crux_mark"

    crux_id: int = _link("crux.id", primary_key=True)
    user_id: int = _user(primary_key=True)
    changes_mind: bool = Field(sa_column_kwargs=_personal("text", "their answer"))
    marked_at: datetime = _created_at()


class Timer(SQLModel, table=True):
    """Something due at a time (a phase ending, a digest): one per (event, key), fired once.

    Firing claims the row (``fired_at`` set by a compare-and-set UPDATE) in the transaction that does the work, so
    several bot processes sharing the database fire each timer exactly once. Rescheduling clears ``fired_at``. A firing
    with something to post owes that post (``announcing``, its nonce) until posted; the claimer holds it until
    ``leased_until``, after which any process of its shard posts it (at least once; the nonce makes Discord return the
    earlier message instead of posting it twice).
    """

    __table_args__ = (UniqueConstraint("event", "key"), Index("ix_timer_fired_at_due_at", "fired_at", "due_at"))

    id: int | None = _row_key()
    guild_id: int = Field(sa_column=_snowflake(_not_personal(_SERVER)))
    event: str = Field(
        max_length=32,
        description="what to do: the name of a registered handler",
        sa_column_kwargs=_not_personal("a handler's name"),
    )
    key: str = Field(
        max_length=64, description="which one, e.g. a debate's id", sa_column_kwargs=_not_personal("a row's id")
    )
    due_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = _created_at()
    fired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    announcing: str | None = Field(
        default=None,
        max_length=25,
        description="the nonce of the post a firing still owes (Discord's limit: 25 characters)",
        sa_column_kwargs=_not_personal("a hash of a timer's id and due time"),
    )
    leased_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Digest(SQLModel, table=True):
    """A schedule posting an agenda's summary to a channel, daily or weekly."""

    __table_args__ = (UniqueConstraint("guild_id", "agenda_id"),)

    id: int | None = _row_key()
    guild_id: int = Field(sa_column=_snowflake(_not_personal(_SERVER)))
    agenda_id: int = _link("agenda.id")
    channel_id: int = Field(sa_column=_snowflake(_not_personal(_CHANNEL)))
    every: DigestEvery = Field(sa_type=enum_column_type(DigestEvery), sa_column_kwargs=_not_personal("a setting"))
    created_by_id: int = _user()
    created_at: datetime = _created_at()
    last_posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CommandSync(SQLModel, table=True):
    """The fingerprint of the command set last synced to a scope ("global" or a guild id)."""

    __tablename__ = "command_sync"

    scope: str = Field(primary_key=True, max_length=32, sa_column_kwargs=_not_personal("'global' or a server's id"))
    fingerprint: str = Field(max_length=64, sa_column_kwargs=_not_personal("a hash of the bot's commands"))
    synced_at: datetime = _created_at()


_MODEL = "the name of the model that made the vector"
_VECTOR = "computed from the author's text"


class ClaimVector(SQLModel, table=True):
    """A claim's sentence embedding (``bot.runtime.semantic``: float32 bytes), kept so that a new record is compared
    with the debate's records without embedding them again. Derived data: deleted when the claim's text changes, made
    again when missing or made by another ``model``."""

    __tablename__ = "claim_vector"

    claim_id: int = _link("claim.id", primary_key=True)
    model: str = Field(max_length=64, sa_column_kwargs=_not_personal(_MODEL))
    vector: bytes = Field(sa_type=LargeBinary, sa_column_kwargs=_personal("derived", _VECTOR))


class CruxVector(SQLModel, table=True):
    """A crux question's sentence embedding; see :class:`ClaimVector`."""

    __tablename__ = "crux_vector"

    crux_id: int = _link("crux.id", primary_key=True)
    model: str = Field(max_length=64, sa_column_kwargs=_not_personal(_MODEL))
    vector: bytes = Field(sa_type=LargeBinary, sa_column_kwargs=_personal("derived", _VECTOR))


class Heartbeat(SQLModel, table=True):
    """Each bot process's latest sign of life (one row per shard; 0 for a single process), read by
    ``python -m bot health``."""

    __tablename__ = "heartbeat"

    shard_id: int = Field(
        primary_key=True, sa_column_kwargs=_not_personal("a bot process's number", autoincrement=False)
    )
    connected: bool = Field(sa_column_kwargs=_not_personal("a bot process's state"))
    beat_at: datetime = _created_at()


class ImportDraft(SQLModel, table=True):
    """A draft of records taken from a channel's messages by ``/debate import`` (``bot.core.importing.drafts``), kept
    until its importer records it or it expires (a day), so that its buttons work across restarts."""

    __tablename__ = "import_draft"
    __table_args__ = {"sqlite_autoincrement": True}  # an expired draft's id is never given to a new one

    id: int | None = _row_key()
    guild_id: int = Field(sa_column=_snowflake(_not_personal(_SERVER)))
    debate_id: int = _link("debate.id", index=True)
    importer_id: int = _user()
    source_id: int = Field(
        sa_column=_snowflake(_not_personal(_CHANNEL)), description="the channel or thread whose messages were read"
    )
    page: int = Field(
        default=0, description="the page its importer is looking at", sa_column_kwargs=_not_personal("a view's state")
    )
    data: str = Field(
        sa_type=Text,
        description="the draft as JSON (``Draft.to_json``)",
        sa_column_kwargs=_personal("text", "the messages read, with their authors' ids and names"),
    )
    created_at: datetime = _created_at()
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class PendingRebuttal(SQLModel, table=True):
    """A chat message being logged as a rebuttal while its logger picks the claim it answers (a day at most). The
    message is kept as the context menu delivered it: without the Message Content intent, fetching it again at the
    pick would return it without its text."""

    __tablename__ = "pending_rebuttal"
    __table_args__ = {"sqlite_autoincrement": True}  # an expired pick's id is never given to a new one

    id: int | None = _row_key()
    debate_id: int = _link("debate.id", index=True)
    logger_id: int = Field(
        sa_column=_snowflake(_personal("identity")), description="who asked to log it, the only one who may pick"
    )
    message_id: int = Field(sa_column=_snowflake(_personal("text", _MESSAGE)))
    author_id: int = _user()
    channel_id: int = Field(sa_column=_snowflake(_not_personal(_CHANNEL)))
    reply_to_id: int | None = Field(
        default=None, sa_column=_snowflake(_personal("text", "the message it answers"), nullable=True)
    )
    content: str = Field(sa_type=Text, sa_column_kwargs=_personal("text"))
    jump_url: str = Field(sa_type=Text, sa_column_kwargs=_personal("text", _MESSAGE))
    created_at: datetime = _created_at()
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class MemberName(SQLModel, table=True):
    """A user's display name in a server as the bot last saw it when they acted (the bot has no member intent, so a
    new name shows at the user's next interaction): exports write names, not ids, which read only inside Discord."""

    __tablename__ = "member_name"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False, **_not_personal(_SERVER)))
    user_id: int = _user(primary_key=True)
    name: str = Field(
        sa_type=Text,
        description="the server nickname, else the global display name, else the username",
        sa_column_kwargs=_personal("identity"),
    )
    seen_at: datetime = Field(sa_type=UTCDateTime, description="when the bot first saw this name")
