"""Which rows reference a member: the one place that says it, for the export (every such row) and the erasure (which
changes or deletes them). A member is a Discord user in one server, or in every server when the operator asks
without one (a deleted Discord account, a request by email)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, Table, and_, or_, select, true

from schema import (
    Claim,
    ClaimRevision,
    ClaimVector,
    Credence,
    Crux,
    CruxMark,
    CruxScore,
    CruxStance,
    CruxVector,
    Debate,
    Digest,
    ImportDraft,
    MemberName,
    Participant,
    PendingRebuttal,
    Side,
    table_of,
)

DEBATE, SIDE, PARTICIPANT = table_of(Debate), table_of(Side), table_of(Participant)
CLAIM, REVISION, CLAIM_VECTOR = table_of(Claim), table_of(ClaimRevision), table_of(ClaimVector)
CRUX, CRUX_VECTOR = table_of(Crux), table_of(CruxVector)
CREDENCE, STANCE, SCORE, MARK = table_of(Credence), table_of(CruxStance), table_of(CruxScore), table_of(CruxMark)
DIGEST, DRAFT, PENDING, NAME = table_of(Digest), table_of(ImportDraft), table_of(PendingRebuttal), table_of(MemberName)


@dataclass(frozen=True, slots=True)
class Member:
    """A Discord user, in one server (``guild_id``) or in all of them (``None``)."""

    user_id: int
    guild_id: int | None = None

    def in_server(self, guild_column: ColumnElement[int]) -> ColumnElement[bool]:
        return true() if self.guild_id is None else guild_column == self.guild_id

    def debates(self) -> Select[tuple[int]]:
        """The ids of the debates of the member's server (of every server without one)."""
        return select(DEBATE.c.id).where(self.in_server(DEBATE.c.guild_id))

    def cruxes(self) -> Select[tuple[int]]:
        return select(CRUX.c.id).where(CRUX.c.debate_id.in_(self.debates()))

    def in_debates(self, debate_column: ColumnElement[int]) -> ColumnElement[bool]:
        return true() if self.guild_id is None else debate_column.in_(self.debates())

    def in_cruxes(self, crux_column: ColumnElement[int]) -> ColumnElement[bool]:
        return true() if self.guild_id is None else crux_column.in_(self.cruxes())

    def authored_claims(self) -> Select[tuple[int]]:
        return select(CLAIM.c.id).where(CLAIM.c.author_id == self.user_id, self.in_debates(CLAIM.c.debate_id))

    def authored_cruxes(self) -> Select[tuple[int]]:
        return select(CRUX.c.id).where(CRUX.c.author_id == self.user_id, self.in_debates(CRUX.c.debate_id))

    def ended_debates(self) -> ColumnElement[bool]:
        """The debates the member ended (and whose outcome they wrote)."""
        return and_(DEBATE.c.ended_by_id == self.user_id, self.in_server(DEBATE.c.guild_id))

    def started_debates(self) -> Select[tuple[int]]:
        return select(DEBATE.c.id).where(DEBATE.c.creator_id == self.user_id, self.in_server(DEBATE.c.guild_id))

    def draft_authorship(self) -> str:
        """How a draft's JSON says that an item is the member's message (``Draft.to_json``, stored by
        ``json.dumps``): the key unquoted and the number whole, so no text, name or longer id can hold it."""
        return f'"author_id": {self.user_id},'

    def draft_mentions(self) -> ColumnElement[bool]:
        """A draft holding a message the member wrote (one mentioning them is not theirs)."""
        return DRAFT.c.data.contains(self.draft_authorship(), autoescape=True)


def _about_user(table: Table) -> Callable[[Member], ColumnElement[bool]]:
    """Rows of a table keyed by ``user_id`` on a crux: a member's credences, stances, scores and marks."""
    return lambda member: and_(table.c.user_id == member.user_id, member.in_cruxes(table.c.crux_id))


REFERENCES: dict[Table, Callable[[Member], ColumnElement[bool]]] = {
    NAME: lambda m: and_(NAME.c.user_id == m.user_id, m.in_server(NAME.c.guild_id)),
    DEBATE: lambda m: and_(
        or_(DEBATE.c.creator_id == m.user_id, DEBATE.c.ended_by_id == m.user_id), m.in_server(DEBATE.c.guild_id)
    ),
    SIDE: lambda m: SIDE.c.debate_id.in_(m.started_debates()),
    PARTICIPANT: lambda m: and_(PARTICIPANT.c.user_id == m.user_id, m.in_debates(PARTICIPANT.c.debate_id)),
    CLAIM: lambda m: and_(
        or_(CLAIM.c.author_id == m.user_id, CLAIM.c.logged_by_id == m.user_id), m.in_debates(CLAIM.c.debate_id)
    ),
    REVISION: lambda m: or_(
        and_(
            REVISION.c.revised_by_id == m.user_id,
            REVISION.c.claim_id.in_(select(CLAIM.c.id).where(m.in_debates(CLAIM.c.debate_id))),
        ),
        REVISION.c.claim_id.in_(m.authored_claims()),
    ),
    CLAIM_VECTOR: lambda m: CLAIM_VECTOR.c.claim_id.in_(m.authored_claims()),
    CRUX: lambda m: and_(
        or_(CRUX.c.author_id == m.user_id, CRUX.c.logged_by_id == m.user_id, CRUX.c.resolved_by_id == m.user_id),
        m.in_debates(CRUX.c.debate_id),
    ),
    CRUX_VECTOR: lambda m: CRUX_VECTOR.c.crux_id.in_(m.authored_cruxes()),
    CREDENCE: _about_user(CREDENCE),
    STANCE: _about_user(STANCE),
    SCORE: _about_user(SCORE),
    MARK: _about_user(MARK),
    DIGEST: lambda m: and_(DIGEST.c.created_by_id == m.user_id, m.in_server(DIGEST.c.guild_id)),
    DRAFT: lambda m: and_(or_(DRAFT.c.importer_id == m.user_id, m.draft_mentions()), m.in_server(DRAFT.c.guild_id)),
    PENDING: lambda m: and_(
        or_(PENDING.c.logger_id == m.user_id, PENDING.c.author_id == m.user_id), m.in_debates(PENDING.c.debate_id)
    ),
}
"""Each table holding personal data, and which of its rows reference a member: what their export holds."""
