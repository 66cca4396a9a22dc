"""A debate's whole record as a versioned JSON document, and rendered from it as Markdown and Argdown.

:func:`build_export` reads a debate in a fixed number of queries (eleven, whatever its size) into a
:class:`DebateExport`; :func:`to_json`, :func:`to_markdown` and :func:`to_argdown` render that snapshot, and
:func:`bot.core.exports.argmap.render_map` draws it. The JSON schema is ``DebateExport.model_json_schema()``, documented
in ``docs/export-schema.md``: bump :data:`SCHEMA_VERSION` on any incompatible change (a field removed, renamed or
retyped, a meaning changed); adding an optional field is compatible.

Discord ids are 64-bit snowflakes, beyond what a JSON number carries safely (JavaScript loses precision above
2**53): in JSON they are decimal strings, as in Discord's own API; in Python they are ``int``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema
from sqlalchemy.orm import Session
from sqlmodel import col, select

from bot.core.claims.arguments import EDITED
from bot.core.debates.names import names_of
from bot.core.text import UserLabel, displayable
from schema import (
    Agenda,
    Claim,
    ClaimKind,
    ClaimRevision,
    ClaimStatus,
    Credence,
    Crux,
    CruxClaim,
    CruxMark,
    CruxOutcome,
    CruxScore,
    CruxStatus,
    Debate,
    DebateFormat,
    DebateStatus,
    Participant,
    Side,
    id_of,
)
from schema.types import FORGOTTEN_LABEL, FORGOTTEN_USER

SCHEMA_VERSION: Literal[5] = 5

Snowflake = Annotated[
    int,
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]+$", "description": "A Discord id, as a decimal string."}),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DebateInfo(_Model):
    """The debate itself."""

    number: int = Field(description="The debate's number in its server: 1, 2, 3 …")
    topic: str
    agenda: str | None = Field(description="The name of the research agenda the debate belongs to, if any.")
    sides: list[str] = Field(description="The sides' names, in the order they were given.")
    format: DebateFormat
    status: DebateStatus
    creator_id: Snowflake = Field(description="Who started the debate.")
    created_at: datetime
    ended_at: datetime | None = Field(description="When the debate was closed; null while it is open.")
    outcome: str | None = Field(
        default=None,
        description="The outcome a moderator gave when closing the debate (`/debate end`); null if none was given.",
    )


class UserExport(_Model):
    """A user the record refers to, with their display name."""

    user_id: Snowflake
    name: str | None = Field(
        description="The user's display name in the server as last seen when they acted (server nickname, else "
        "global display name, else username); null if the bot has not seen them act since it began keeping names."
    )


class ParticipantExport(_Model):
    """A user who joined a side."""

    user_id: Snowflake
    side: str = Field(description="The name of the side joined (one of `debate.sides`).")


class RevisionExport(_Model):
    """A text an entry had before an edit."""

    text: str = Field(description="The earlier text.")
    replaced_at: datetime = Field(description="When an edit replaced it (the time the next text was written).")
    replaced_by_id: Snowflake = Field(description="Who edited it.")


class ClaimExport(_Model):
    """A claim, or a rebuttal or support of another claim."""

    number: int = Field(description='The claim\'s number in the debate ("Claim #3").')
    kind: ClaimKind = Field(description="`claim` starts a thread of argument; `rebuttal` attacks, `support` backs.")
    answers: int | None = Field(
        description="The number of the claim a rebuttal or support answers; null for a claim (and only for one)."
    )
    side: str | None = Field(description="The side it was logged for; null if that side no longer exists.")
    author_id: Snowflake | None = Field(
        description="Who made the claim; null for a transcript's speaker who is not a Discord user (see `speaker`)."
    )
    speaker: str | None = Field(
        default=None, description="The speaker's name, for a claim imported from a transcript without a Discord user."
    )
    logged_by_id: Snowflake = Field(description="Who logged it (the author, or someone logging it for them).")
    text: str = Field(description="The current text (the latest edit's, if it was edited).")
    revisions: list[RevisionExport] = Field(
        description="The earlier texts, oldest first; empty if the entry was never edited."
    )
    status: ClaimStatus = Field(description="`withdrawn` claims are kept in the record, marked.")
    source_url: str | None = Field(description="A link to the chat message the claim was taken from, if any.")
    created_at: datetime


class CredenceExport(_Model):
    """One credence a user recorded on a crux. Credences are append-only: a user's latest one counts."""

    user_id: Snowflake
    value: int = Field(ge=0, le=100, description="The probability, in percent, that the user gives the crux.")
    reason: str | None = Field(description="Why the user holds (or moved to) this credence, if they said.")
    at: datetime = Field(description="When it was recorded.")


class ScoreExport(_Model):
    """A participant's scores on a crux resolved yes or no (formulas: ``docs/scoring.md``)."""

    user_id: Snowflake
    baseline: float = Field(description="Time-weighted baseline score over the crux's open time (higher is better).")
    brier: float = Field(description="Time-weighted Brier score over the time a credence was held (lower is better).")
    coverage: float = Field(description="The share of the crux's open time the user held a credence (0 to 1).")
    peer: float | None = Field(
        default=None,
        description="Time-weighted peer score: against the geometric mean of the others' credences (higher is "
        "better); none for a crux scored before peer scores were kept.",
    )


class MarkExport(_Model):
    """A participant's answer, in a double-crux debate, to "would this crux change my mind?"."""

    user_id: Snowflake
    changes_mind: bool


class CruxExport(_Model):
    """A question whose answer would change someone's mind."""

    number: int = Field(description='The crux\'s number in the debate ("Crux #2").')
    question: str
    author_id: Snowflake | None = Field(
        description="Who named the crux; null for a transcript's speaker who is not a Discord user (see `speaker`)."
    )
    speaker: str | None = Field(
        default=None, description="The speaker's name, for a crux imported from a transcript without a Discord user."
    )
    created_at: datetime
    status: CruxStatus
    resolution: str | None = Field(description="How it was resolved; set exactly when `status` is `resolved`.")
    resolved_by_id: Snowflake | None
    resolved_at: datetime | None
    outcome: CruxOutcome | None = Field(
        default=None,
        description="`yes` or `no` (scored), `annulled` (no fair answer); null while open, and for cruxes resolved "
        "before outcomes existed.",
    )
    resolution_url: str | None = Field(default=None, description="A link to the resolution's source, if given.")
    scores: list[ScoreExport] = Field(
        default_factory=list,
        description="Each participant's scores, by user id; empty unless the crux resolved yes or no.",
    )
    claims: list[int] = Field(description="The numbers of the claims the crux bears on, ascending.")
    marks: list[MarkExport] = Field(
        default_factory=list,
        description="Double-crux debates: who said whether the crux would change their mind, by user id.",
    )
    credences: list[CredenceExport] = Field(
        description="Every credence recorded on the crux, oldest first (so each user's history reads in order)."
    )


class DebateExport(_Model):
    """The complete record of one debate: a versioned, self-contained snapshot."""

    schema_version: Literal[5] = Field(description="Bumped on any incompatible change to this schema.")
    debate: DebateInfo
    users: list[UserExport] = Field(
        description="Every user the record refers to (by any `*_id` or `user_id`), with their name, by user id."
    )
    participants: list[ParticipantExport] = Field(description="Ordered by side, then user id.")
    claims: list[ClaimExport] = Field(description="Every claim, rebuttal and support, by number.")
    cruxes: list[CruxExport] = Field(description="Every crux, by number.")

    @cached_property
    def _labels(self) -> dict[int, str]:
        shared: dict[str, int] = defaultdict(int)
        for user in self.users:
            if user.name is not None:
                shared[user.name.casefold()] += 1
        return {
            user.user_id: user.name if shared[user.name.casefold()] == 1 else f"{user.name} ({user.user_id})"
            for user in self.users
            if user.name is not None
        }

    def label(self, user_id: int) -> str:
        """A user's name as plain text: their display name, followed by their id when another user of the record
        has the same name; ``user <id>`` when no name is known; a forgotten member (``FORGOTTEN_USER``) as such."""
        if user_id == FORGOTTEN_USER:
            return FORGOTTEN_LABEL
        return self._labels.get(user_id, f"user {user_id}")

    def said_by(self, author_id: int | None, speaker: str | None) -> str | None:
        """Who said a claim or crux, as plain text: a transcript's speaker, or a Discord user whose name is known
        (:meth:`label`); ``None`` when neither is."""
        return speaker if author_id is None else self._labels.get(author_id)

    def latest(self, crux: CruxExport) -> dict[int, int]:
        """Each user's latest credence on ``crux``."""
        return {credence.user_id: credence.value for credence in crux.credences}

    def spread(self, crux: CruxExport) -> int:
        """How far apart the latest credences on ``crux`` are (0 with fewer than two)."""
        values = self.latest(crux).values()
        return max(values) - min(values) if values else 0

    def is_double_crux(self, crux: CruxExport) -> bool:
        """The summary's rule: participants of different sides hold latest credences on opposite sides of 50 — and,
        in a double-crux debate, both said it would change their mind."""
        sides = {participant.user_id: participant.side for participant in self.participants}
        moved = {mark.user_id for mark in crux.marks if mark.changes_mind}
        held = [
            (sides[user_id], value)
            for user_id, value in self.latest(crux).items()
            if user_id in sides and (self.debate.format is not DebateFormat.DOUBLE_CRUX or user_id in moved)
        ]
        below = {side for side, value in held if value < 50}
        above = {side for side, value in held if value > 50}
        return bool(below and above) and (len(below) > 1 or len(above) > 1 or below != above)

    def history(self, crux: CruxExport) -> dict[int, list[CredenceExport]]:
        """Each user's credences on ``crux``, oldest first, users in the order they first recorded one."""
        by_user: dict[int, list[CredenceExport]] = {}
        for credence in crux.credences:
            by_user.setdefault(credence.user_id, []).append(credence)
        return by_user

    def replies(self) -> dict[int | None, list[ClaimExport]]:
        """Claims grouped by the number of the claim they answer (``None``: top-level claims), by number."""
        children: dict[int | None, list[ClaimExport]] = defaultdict(list)
        for claim in self.claims:
            children[claim.answers].append(claim)
        return children

    def side_position(self, side: str | None) -> int | None:
        """The position (0, 1, …) of a side among ``debate.sides``, or ``None``."""
        return self.debate.sides.index(side) if side in self.debate.sides else None


# Reading ------------------------------------------------------------------------------------------------------


def build_export(session: Session, debate: Debate) -> DebateExport:
    """The debate's whole record, read in eleven queries whatever its size; user text as :func:`displayable` makes
    it, so that every output can carry it whatever was stored."""
    debate_id = id_of(debate)
    agenda = session.execute(select(Agenda.name).where(col(Agenda.id) == debate.agenda_id)).scalar_one_or_none()
    sides = list(
        session.execute(select(Side).where(Side.debate_id == debate_id).order_by(col(Side.position))).scalars()
    )
    side_names = {id_of(side): displayable(side.name, multiline=False) for side in sides}
    side_order = {id_of(side): side.position for side in sides}

    participants = (
        session.execute(select(Participant.user_id, Participant.side_id).where(Participant.debate_id == debate_id))
    ).all()
    claims = list(
        session.execute(select(Claim).where(Claim.debate_id == debate_id).order_by(col(Claim.number))).scalars()
    )
    number_of = {id_of(claim): claim.number for claim in claims}
    cruxes = list(session.execute(select(Crux).where(Crux.debate_id == debate_id).order_by(col(Crux.number))).scalars())
    links = (
        session.execute(
            select(CruxClaim.crux_id, CruxClaim.claim_id)
            .join(Crux, col(Crux.id) == col(CruxClaim.crux_id))
            .where(Crux.debate_id == debate_id)
        )
    ).all()
    scored: dict[int, list[ScoreExport]] = defaultdict(list)
    for score in (
        session.execute(
            select(CruxScore)
            .join(Crux, col(Crux.id) == col(CruxScore.crux_id))
            .where(Crux.debate_id == debate_id)
            .order_by(col(CruxScore.crux_id), col(CruxScore.user_id))
        )
    ).scalars():
        scored[score.crux_id].append(
            ScoreExport(
                user_id=score.user_id,
                baseline=score.baseline,
                brier=score.brier,
                coverage=score.coverage,
                peer=score.peer,
            )
        )
    marked: dict[int, list[MarkExport]] = defaultdict(list)
    for mark in session.execute(
        select(CruxMark)
        .join(Crux, col(Crux.id) == col(CruxMark.crux_id))
        .where(Crux.debate_id == debate_id)
        .order_by(col(CruxMark.crux_id), col(CruxMark.user_id))
    ).scalars():
        marked[mark.crux_id].append(MarkExport(user_id=mark.user_id, changes_mind=mark.changes_mind))
    credences = (
        session.execute(
            select(Credence)
            .join(Crux, col(Crux.id) == col(Credence.crux_id))
            .where(Crux.debate_id == debate_id)
            .order_by(col(Credence.id))
        )
    ).scalars()

    revisions: dict[int, list[RevisionExport]] = defaultdict(list)
    for revision in _revisions(session, debate_id):
        revisions[revision.claim_id].append(
            RevisionExport(
                text=displayable(revision.text), replaced_at=revision.revised_at, replaced_by_id=revision.revised_by_id
            )
        )
    linked: dict[int, list[int]] = defaultdict(list)
    for crux_id, claim_id in links:
        if claim_id in number_of:  # a link to another debate's claim is not this debate's business
            linked[crux_id].append(number_of[claim_id])
    history: dict[int, list[CredenceExport]] = defaultdict(list)
    for credence in credences:
        history[credence.crux_id].append(
            CredenceExport(
                user_id=credence.user_id,
                value=credence.value,
                reason=_shown(credence.reason),
                at=credence.created_at,
            )
        )

    export = DebateExport(
        schema_version=SCHEMA_VERSION,
        users=[],
        debate=DebateInfo(
            number=debate.number,
            topic=displayable(debate.topic, multiline=False),
            agenda=_shown(agenda, multiline=False),
            sides=[side_names[id_of(side)] for side in sides],
            format=debate.format,
            status=debate.status,
            creator_id=debate.creator_id,
            created_at=debate.created_at,
            ended_at=debate.ended_at,
            outcome=_shown(debate.outcome),
        ),
        participants=[
            ParticipantExport(user_id=user_id, side=side_names[side_id])
            for user_id, side_id in sorted(participants, key=lambda row: (side_order.get(row[1], 0), row[0]))
        ],
        claims=[
            ClaimExport(
                number=claim.number,
                kind=claim.kind,
                answers=number_of.get(claim.parent_id) if claim.parent_id is not None else None,
                side=side_names.get(claim.side_id) if claim.side_id is not None else None,
                author_id=claim.author_id,
                speaker=_shown(claim.speaker, multiline=False),
                logged_by_id=claim.logged_by_id,
                text=displayable(claim.text),
                revisions=revisions.get(id_of(claim), []),
                status=claim.status,
                source_url=claim.source_url,
                created_at=claim.created_at,
            )
            for claim in claims
        ],
        cruxes=[
            CruxExport(
                number=crux.number,
                question=displayable(crux.question),
                author_id=crux.author_id,
                speaker=_shown(crux.speaker, multiline=False),
                created_at=crux.created_at,
                status=crux.status,
                resolution=_shown(crux.resolution),
                resolved_by_id=crux.resolved_by_id,
                resolved_at=crux.resolved_at,
                outcome=crux.outcome,
                resolution_url=crux.resolution_url,
                scores=scored.get(id_of(crux), []),
                claims=sorted(linked.get(id_of(crux), [])),
                marks=marked.get(id_of(crux), []),
                credences=history.get(id_of(crux), []),
            )
            for crux in cruxes
        ],
    )
    names = names_of(session, debate.guild_id, _user_ids(export))
    users = [UserExport(user_id=user_id, name=names.get(user_id)) for user_id in sorted(_user_ids(export))]
    return export.model_copy(update={"users": users})


def _user_ids(export: DebateExport) -> set[int]:
    """Every user id the export refers to."""
    ids = {export.debate.creator_id}
    authors = [claim.author_id for claim in export.claims] + [crux.author_id for crux in export.cruxes]
    ids.update(author for author in authors if author is not None)
    ids.update(participant.user_id for participant in export.participants)
    for claim in export.claims:
        ids.add(claim.logged_by_id)
        ids.update(revision.replaced_by_id for revision in claim.revisions)
    for crux in export.cruxes:
        ids.update(user_id for user_id in (crux.resolved_by_id,) if user_id is not None)
        ids.update(credence.user_id for credence in crux.credences)
        ids.update(score.user_id for score in crux.scores)
        ids.update(mark.user_id for mark in crux.marks)
    return ids


def _revisions(session: Session, debate_id: int) -> list[ClaimRevision]:
    statement = (
        select(ClaimRevision)
        .join(Claim, col(Claim.id) == col(ClaimRevision.claim_id))
        .where(Claim.debate_id == debate_id)
        .order_by(col(ClaimRevision.id))
    )
    return list(session.execute(statement).scalars())


def _shown(value: str | None, *, multiline: bool = True) -> str | None:
    return None if value is None else displayable(value, multiline=multiline)


# JSON ---------------------------------------------------------------------------------------------------------


def to_json(export: DebateExport) -> str:
    """The export as indented JSON (UTF-8 text; ids as strings, times in ISO 8601 with their UTC offset)."""
    return export.model_dump_json(indent=2) + "\n"


# Markdown -----------------------------------------------------------------------------------------------------


# User text is made literal CommonMark text: every character that can open inline markup anywhere (emphasis, code,
# links, autolinks and HTML, entities, strikethrough, tables, an ATX heading's closing #) is backslash-escaped, and so
# is every character that opens a block at the start of a line (quotes, lists, setext underlines, thematic breaks).
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&~|#])")
_MD_LINE_START = re.compile(r"^(\d*)((?<=\d)[.)]|(?<!\d)[>\-+=])")


def _md(value: str) -> str:
    """User text as literal Markdown on one line."""
    return _md_line(" ".join(value.split()))


def _md_line(line: str) -> str:
    return _MD_LINE_START.sub(r"\1\\\2", _MD_INLINE.sub(r"\\\1", line))


def _md_block(value: str, indent: str) -> str:
    """User text as literal Markdown, its lines kept as hard line breaks indented to stay inside a list item."""
    lines = [_md_line(" ".join(line.split())) for line in value.splitlines() if line.strip()]
    return f"  \n{indent}".join(lines)


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _kind_phrase(claim: ClaimExport) -> str:
    if claim.kind is ClaimKind.REBUTTAL:
        return f"rebuts #{claim.answers}"
    if claim.kind is ClaimKind.SUPPORT:
        return f"supports #{claim.answers}"
    return "claim"


def to_markdown(export: DebateExport) -> str:
    """The debate as a readable Markdown document: users by name (:meth:`DebateExport.label`), and everything users
    wrote escaped."""

    def user(user_id: int) -> str:
        return _md(export.label(user_id))

    info = export.debate
    lines = [f"# Debate #{info.number}: {_md(info.topic)}", ""]
    facts = [f"**Status:** {info.status.value}", f"**Format:** {info.format.value}"]
    if info.agenda:
        facts.append(f"**Agenda:** {_md(info.agenda)}")
    facts.append(f"**Started:** {_time(info.created_at)} by {user(info.creator_id)}")
    if info.ended_at:
        facts.append(f"**Ended:** {_time(info.ended_at)}")
    lines += [" · ".join(facts), ""]
    if info.outcome:
        lines += ["## Outcome", "", _md_block(info.outcome, ""), ""]

    lines += ["## Sides", ""]
    members: dict[str, list[int]] = defaultdict(list)
    for participant in export.participants:
        members[participant.side].append(participant.user_id)
    for side in info.sides:
        who = ", ".join(user(uid) for uid in members.get(side, [])) or "no one yet"
        lines.append(f"- **{_md(side)}**: {who}")
    lines.append("")

    lines += ["## Claims", ""]
    replies = export.replies()
    if not export.claims:
        lines += ["No claims yet.", ""]
    else:
        lines += _markdown_tree(replies, None, 0, user)
        lines.append("")

    lines += ["## Cruxes", ""]
    if not export.cruxes:
        lines += ["No cruxes yet.", ""]
    for crux in export.cruxes:
        lines += _markdown_crux(export, crux, user)
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown_tree(
    replies: dict[int | None, list[ClaimExport]], parent: int | None, depth: int, user: UserLabel
) -> list[str]:
    lines: list[str] = []
    indent = "  " * depth
    for claim in replies.get(parent, []):
        side = f"{_md(claim.side)}, " if claim.side else ""
        by = user(claim.author_id) if claim.author_id is not None else _md(claim.speaker or "unknown")
        if claim.logged_by_id != claim.author_id:
            by += f", logged by {user(claim.logged_by_id)}"
        head = f"**#{claim.number}** ({side}{_kind_phrase(claim)} by {by})"
        body = _md_block(claim.text, indent + "  ")
        if claim.status is ClaimStatus.WITHDRAWN:
            head = f"~~{head}~~ *withdrawn*"
        if claim.revisions:
            head += f" *{EDITED}*"
        source = f" ([source]({_url(claim.source_url)}))" if claim.source_url else ""
        lines.append(f"{indent}- {head}: {body}{source}")
        lines += _markdown_revisions(claim, indent + "  ", user)
        lines += _markdown_tree(replies, claim.number, depth + 1, user)
    return lines


def _markdown_revisions(claim: ClaimExport, indent: str, user: UserLabel) -> list[str]:
    """The earlier texts of an edited entry, as a list nested in its item, each with when it was replaced."""
    return [
        f"{indent}- *Earlier text, replaced {_time(revision.replaced_at)} by {user(revision.replaced_by_id)}:* "
        + _md_block(revision.text, indent + "  ")
        for revision in claim.revisions
    ]


def _url(url: str) -> str:
    """A link target that cannot close the Markdown link around it."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def _markdown_crux(export: DebateExport, crux: CruxExport, user: UserLabel) -> list[str]:
    state = "resolved" if crux.status is CruxStatus.RESOLVED else "open"
    lines = [f"### Crux #{crux.number} ({state})", "", f"> {_md_block(crux.question, '> ')}", ""]
    if crux.claims:
        lines += ["Bears on " + ", ".join(f"claim #{number}" for number in crux.claims) + ".", ""]
    sides = {participant.user_id: participant.side for participant in export.participants}
    history = export.history(crux)
    if history:
        lines.append("Credences (oldest → latest):")
        lines.append("")
        for user_id, credences in history.items():
            side = f" ({_md(sides[user_id])})" if user_id in sides else ""
            path = " → ".join(str(credence.value) for credence in credences)
            reason = credences[-1].reason
            why = f" — “{_md(reason)}”" if reason else ""
            lines.append(f"- {user(user_id)}{side}: **{path}**{why}")
        lines.append("")
    else:
        lines += ["No credences yet.", ""]
    if crux.resolution is not None:
        by = f" by {user(crux.resolved_by_id)}" if crux.resolved_by_id is not None else ""
        lines += [f"**Resolved**{by} on {_time(crux.resolved_at)}: {_md_block(crux.resolution, '')}", ""]
        if crux.outcome is not None:
            lines += [f"Outcome: **{crux.outcome.value}**.", ""]
        if crux.resolution_url:
            lines += [f"Source: <{_url(crux.resolution_url)}>", ""]
        for score in crux.scores:
            lines.append(
                f"- {user(score.user_id)}: baseline {score.baseline:.1f} · peer "
                f"{'—' if score.peer is None else f'{score.peer:.1f}'} · Brier {score.brier:.2f} · "
                f"coverage {score.coverage:.0%}"
            )
        if crux.scores:
            lines.append("")
    return lines


# Argdown ------------------------------------------------------------------------------------------------------
#
# A closed debate's outcome, if one was given, comes first as the statement [Outcome], tagged #outcome.
# Every claim is a statement titled [C<number>]; a rebuttal is an attack (-) and a support a support (+) of the
# claim it answers, indented under it. Each statement is tagged with its side, #(<side>), #withdrawn and #edited if
# so. Cruxes follow under a "Cruxes" heading as statements titled [Crux <number>], tagged #crux and #open/#resolved;
# a crux is a question, not a reason for or against a claim, so it is linked to its claims by statement mentions
# (@[C3]) in its text rather than by a support or attack relation. Credences and the resolution are part of the
# crux's text. User text is flattened to one line and every character that can start Argdown markup is
# backslash-escaped (Argdown's escape), so it cannot open a comment, a tag, a reference, a relation or a heading.

_ARGDOWN_SPECIAL = re.compile(r"[\\@#*_\[\]{}<>/=]|[.:](?=\S)")
_RESERVED_TAGS = {"crux", "open", "resolved", "withdrawn", "edited", "outcome"}


def argdown_escape(value: str) -> str:
    """User text as literal Argdown text on one line."""
    return _ARGDOWN_SPECIAL.sub(lambda match: "\\" + match.group(0), " ".join(value.split()))


def _side_tags(sides: list[str]) -> dict[str, str]:
    """A tag for each side: ``#(name)`` with the name made tag-safe, ``#(side 2)`` when that is empty or taken."""
    tags: dict[str, str] = {}
    seen = set(_RESERVED_TAGS)
    for position, side in enumerate(sides, start=1):
        name = " ".join(re.sub(r"[^\w '’-]", " ", side).split())
        if not name or name.casefold() in seen:
            name = f"side {position}"
        seen.add(name.casefold())
        tags[side] = f"#({name})"
    return tags


def to_argdown(export: DebateExport) -> str:
    """The debate as an Argdown document (https://argdown.org): its argument map and its cruxes, users by name."""
    info = export.debate
    tags = _side_tags(info.sides)
    lines = [f"# Debate {info.number}: {argdown_escape(info.topic)}", ""]
    if info.outcome:
        lines += [f"[Outcome]: {argdown_escape(info.outcome)} #outcome", ""]
    replies = export.replies()
    for claim in replies.get(None, []):
        lines += list(_argdown_tree(replies, claim, 0, "", tags))
        lines.append("")
    if export.cruxes:
        lines += ["## Cruxes", ""]
        for crux in export.cruxes:
            lines += [_argdown_crux(export, crux), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _argdown_tree(
    replies: dict[int | None, list[ClaimExport]], claim: ClaimExport, depth: int, sign: str, tags: dict[str, str]
) -> Iterator[str]:
    labels = [tags[claim.side]] if claim.side in tags else []
    if claim.status is ClaimStatus.WITHDRAWN:
        labels.append("#withdrawn")
    if claim.revisions:
        labels.append("#edited")
    relation = f"{'  ' * depth}{sign} " if depth else ""
    yield f"{relation}[C{claim.number}]: {argdown_escape(claim.text)} {' '.join(labels)}".rstrip()
    for reply in replies.get(claim.number, []):
        yield from _argdown_tree(replies, reply, depth + 1, "-" if reply.kind is ClaimKind.REBUTTAL else "+", tags)


def _argdown_crux(export: DebateExport, crux: CruxExport) -> str:
    parts = [argdown_escape(crux.question)]
    if crux.claims:
        parts.append("Bears on " + ", ".join(f"@[C{number}]" for number in crux.claims) + ".")
    history = export.history(crux)
    if history:
        stances = [
            f"{argdown_escape(export.label(uid))} {' → '.join(str(c.value) for c in credences)}"
            for uid, credences in history.items()
        ]
        parts.append("Credences: " + "; ".join(stances) + ".")
    if crux.resolution is not None:
        parts.append(f"Resolved: {argdown_escape(crux.resolution)}")
    if crux.outcome is not None:
        parts.append(f"Outcome: {crux.outcome.value}.")
    if crux.resolution_url:
        parts.append(f"[Source]({_url(crux.resolution_url)})")
    state = "#resolved" if crux.status is CruxStatus.RESOLVED else "#open"
    return f"[Crux {crux.number}]: {' '.join(parts)} #crux {state}"


EXPORT_FORMATS: dict[str, str] = {"markdown": "md", "json": "json", "argdown": "argdown"}


def export_file(export: DebateExport, format: str) -> tuple[str, bytes]:
    """The export rendered in ``format`` (a key of :data:`EXPORT_FORMATS`) as a file name and its bytes."""
    render = {"markdown": to_markdown, "argdown": to_argdown, "json": to_json}
    text = render[format](export)
    return f"debate-{export.debate.number}.{EXPORT_FORMATS[format]}", text.encode()
