"""Erasure: forget a member, forget a transcript's speaker, delete a debate, delete a server's data.

Each is a plan: steps, each ``step(session, batch) -> int`` changing at most about ``batch`` rows of what is left to
do and saying how many (fewer than ``batch``: this step is done). The runner (``bot.runtime.privacy.erase``) runs
the plan as small write jobs (:data:`BATCH`, :func:`run_steps`), so that live writes (a claim logged
meanwhile) are committed between two jobs rather than waiting for the whole erasure; erasing twice finds nothing
the second time.

What forgetting a member means for a shared record (``docs/privacy.md``, "What erasure keeps"):

- the texts they wrote (claims, rebuttals, supports, cruxes, resolutions, debate topics and outcomes) are replaced by
  :data:`~schema.types.REMOVED_TEXT`, with their earlier texts, their chat message links and their similarity
  vectors deleted, so that the replies to them and the debate's numbering stay;
- their id is replaced by :data:`~schema.types.FORGOTTEN_USER` (nobody) wherever a row names them as author, logger,
  editor, resolver, creator, ender or scheduler;
- their credences with reasons, their stances, scores, double-crux answers, sides, names, import drafts and pending
  picks are deleted, and the spread of each crux they held a credence on is recomputed from the others', as are the
  others' peer scores on it, which were measured against theirs (others' baseline and Brier scores and coverage
  depend on their own credences only; opinion groups and double cruxes are computed from what is left).

:data:`ERASED` says what happens to each personal column; ``tests/core/test_privacy.py`` fails on one it does not name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from bot.core.debates.formats import PHASE_END, PHASE_WARNING
from bot.core.errors import NotAllowed, NotFound
from bot.core.privacy.references import (
    CLAIM,
    CLAIM_VECTOR,
    CREDENCE,
    CRUX,
    CRUX_VECTOR,
    DEBATE,
    DIGEST,
    DRAFT,
    MARK,
    NAME,
    PARTICIPANT,
    PENDING,
    REFERENCES,
    REVISION,
    SCORE,
    SIDE,
    STANCE,
    Member,
)
from bot.core.scoring.scores import rescore_peers
from schema import Agenda, CommandSync, GuildState, Timer, table_of
from schema.types import FORGOTTEN_USER, REMOVED_TEXT

Step = Callable[[Session, int], int]
"""One step of a plan: change at most ``batch`` rows (a crux-keyed step: the rows of ``batch`` cruxes), and say how
many; fewer than ``batch`` when nothing is left."""
BATCH: Final = 500
"""Rows a step changes in one job, small enough that a live write waits a few milliseconds at most behind it; the
steps on crux-keyed rows take as many cruxes (with all the member's rows on them), and deleting debates as many claims
or cruxes with all that cascades from them."""

TOMBSTONED, PLACEHOLDER, DELETED = "replaced by the tombstone text", "replaced by the placeholder id", "deleted"
CLEARED, RENAMED, RECOMPUTED = "cleared", "renamed by its position", "recomputed from the others' data"

ERASED: dict[str, str] = {
    "member_name.user_id": DELETED,
    "member_name.name": DELETED,
    "debate.topic": TOMBSTONED,
    "debate.outcome": TOMBSTONED + " (whoever ended the debate; its creator, for one ended before that was recorded)",
    "debate.creator_id": PLACEHOLDER,
    "debate.ended_by_id": PLACEHOLDER,
    "side.name": RENAMED,
    "side.name_key": RENAMED,
    "participant.user_id": DELETED,
    "participant.side_id": DELETED,
    "participant.motion_credence": DELETED,
    "claim.author_id": PLACEHOLDER,
    "claim.speaker": CLEARED,
    "claim.logged_by_id": PLACEHOLDER,
    "claim.text": TOMBSTONED,
    "claim.source_message_id": CLEARED,
    "claim.source_url": CLEARED,
    "claim_revision.text": DELETED,
    "claim_revision.revised_by_id": PLACEHOLDER,
    "claim_vector.vector": DELETED,
    "crux.question": TOMBSTONED,
    "crux.author_id": PLACEHOLDER,
    "crux.speaker": CLEARED,
    "crux.logged_by_id": PLACEHOLDER,
    "crux.source_message_id": CLEARED,
    "crux.source_url": CLEARED,
    "crux.resolution": TOMBSTONED,
    "crux.resolved_by_id": PLACEHOLDER,
    "crux.resolution_url": CLEARED,
    "crux.spread": RECOMPUTED,
    "crux_vector.vector": DELETED,
    "credence.user_id": DELETED,
    "credence.value": DELETED,
    "credence.reason": DELETED,
    **{f"crux_stance.{name}": DELETED for name in ("user_id", "first_credence_id", "first_value")},
    **{f"crux_stance.{name}": DELETED for name in ("latest_credence_id", "latest_value", "latest_reason", "updates")},
    **{f"crux_score.{name}": DELETED for name in ("user_id", "baseline", "brier", "coverage")},
    "crux_score.peer": DELETED + "; the others' on the same cruxes " + RECOMPUTED,
    "crux_mark.user_id": DELETED,
    "crux_mark.changes_mind": DELETED,
    "digest.created_by_id": PLACEHOLDER,
    **{f"import_draft.{name}": DELETED for name in ("importer_id", "data")},
    **{
        f"pending_rebuttal.{name}": DELETED
        for name in ("logger_id", "message_id", "author_id", "reply_to_id", "content", "jump_url")
    },
}
"""What forgetting a member does to each personal column (``table.column``)."""


def _count(result: Any) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0


def _some_ids(session: Session, table: Table, where: ColumnElement[bool], batch: int) -> list[int]:
    return list(session.scalars(select(table.c.id).where(where).order_by(table.c.id).limit(batch)))


def _update_some(table: Table, where: ColumnElement[bool], values: dict[str, Any]) -> Step:
    """A step setting ``values`` on the rows ``where`` selects, ``batch`` at a time (``values`` must take a row out
    of ``where``, so that each batch is the next)."""

    def step(session: Session, batch: int) -> int:
        ids = _some_ids(session, table, where, batch)
        if ids:
            session.execute(update(table).where(table.c.id.in_(ids)).values(values))
        return len(ids)

    return step


def _delete_some(table: Table, where: ColumnElement[bool]) -> Step:
    """A step deleting the rows ``where`` selects (and what cascades from them), ``batch`` at a time."""

    def step(session: Session, batch: int) -> int:
        ids = _some_ids(session, table, where, batch)
        if ids:
            session.execute(delete(table).where(table.c.id.in_(ids)))
        return len(ids)

    return step


def _delete_all(table: Table, where: ColumnElement[bool]) -> Step:
    """A step deleting, in one go, rows that are few whatever the data's size (a member's names, a server's
    settings)."""
    return lambda session, _batch: _count(session.execute(delete(table).where(where)))


def _tombstone_records(table: Table, where: ColumnElement[bool], author: Any) -> Step:
    """A step replacing the records ``where`` selects by the tombstone: the text and its author's traces (earlier
    texts, chat message link, speaker, vector) gone, the author ``author`` (the placeholder, for a member)."""
    text_column, vectors = ("text", CLAIM_VECTOR.c.claim_id) if table is CLAIM else ("question", CRUX_VECTOR.c.crux_id)

    def step(session: Session, batch: int) -> int:
        ids = _some_ids(session, table, where, batch)
        if not ids:
            return 0
        session.execute(delete(vectors.table).where(vectors.in_(ids)))
        if table is CLAIM:
            session.execute(delete(REVISION).where(REVISION.c.claim_id.in_(ids)))
        cleared = {"speaker": None, "source_message_id": None, "source_url": None, "author_id": author}
        session.execute(update(table).where(table.c.id.in_(ids)).values({text_column: REMOVED_TEXT, **cleared}))
        return len(ids)

    return step


def _spread_of(crux_id: ColumnElement[int]) -> Any:
    gap = func.max(STANCE.c.latest_value) - func.min(STANCE.c.latest_value)
    return select(func.coalesce(gap, 0)).where(STANCE.c.crux_id == crux_id).scalar_subquery()


def _forget_on_cruxes(table: Table, member: Member) -> Step:
    """A step deleting the member's rows of a crux-keyed table (credences, stances, scores, marks), a batch of
    cruxes at a time; after credences, the peer scores kept on those cruxes are recomputed from the others'
    (:func:`bot.core.scoring.scores.rescore_peers`), and after stances their spread."""

    def step(session: Session, batch: int) -> int:
        mine = REFERENCES[table](member)
        cruxes = list(
            session.scalars(select(table.c.crux_id).where(mine).distinct().order_by(table.c.crux_id).limit(batch))
        )
        if not cruxes:
            return 0
        deleted = _count(session.execute(delete(table).where(mine, table.c.crux_id.in_(cruxes))))
        if table is CREDENCE:
            rescore_peers(session, cruxes)
        if table is STANCE:
            session.execute(update(CRUX).where(CRUX.c.id.in_(cruxes)).values(spread=_spread_of(CRUX.c.id)))
        return deleted

    return step


def _rename_sides(member: Member) -> Step:
    """A step renaming by position ("side 1", "side 2") the sides of the debates the member started: side names were
    theirs, as the topic was. A batch is first given keys no name has (upper case, "RENAMING <id>": a name's key is
    case-folded), so that a side already named as another's position ("Side 2", "Side 1") never meets a taken key."""

    def step(session: Session, batch: int) -> int:
        by_position = literal("side ") + cast(SIDE.c.position + 1, String)
        named = and_(SIDE.c.debate_id.in_(member.started_debates()), SIDE.c.name_key != by_position)
        sides = session.execute(select(SIDE.c.id, SIDE.c.position).where(named).order_by(SIDE.c.id).limit(batch)).all()
        for side_id, _ in sides:
            session.execute(update(SIDE).where(SIDE.c.id == side_id).values(name_key=f"RENAMING {side_id}"))
        for side_id, position in sides:
            name = f"side {position + 1}"
            session.execute(update(SIDE).where(SIDE.c.id == side_id).values(name=name, name_key=name))
        return len(sides)

    return step


_TOMBSTONED_OUTCOME = case((DEBATE.c.outcome.is_(None), None), else_=REMOVED_TEXT)
"""A debate's outcome erased: tombstoned where there is one."""


def forget_member(user_id: int, guild_id: int | None) -> list[Step]:
    """The plan forgetting a member in a server (in every server when ``guild_id`` is ``None``)."""
    m = Member(user_id, guild_id)
    me = m.user_id
    nobody = FORGOTTEN_USER
    return [
        _tombstone_records(CLAIM, CLAIM.c.id.in_(m.authored_claims()), nobody),
        _update_some(
            CLAIM, and_(CLAIM.c.logged_by_id == me, m.in_debates(CLAIM.c.debate_id)), {"logged_by_id": nobody}
        ),
        _update_some(REVISION, REFERENCES[REVISION](m), {"revised_by_id": nobody}),
        _tombstone_records(CRUX, CRUX.c.id.in_(m.authored_cruxes()), nobody),
        _update_some(CRUX, and_(CRUX.c.logged_by_id == me, m.in_debates(CRUX.c.debate_id)), {"logged_by_id": nobody}),
        _update_some(
            CRUX,
            and_(CRUX.c.resolved_by_id == me, m.in_debates(CRUX.c.debate_id)),
            {"resolution": REMOVED_TEXT, "resolution_url": None, "resolved_by_id": nobody},
        ),
        *(_forget_on_cruxes(table, m) for table in (CREDENCE, STANCE, SCORE, MARK)),
        _delete_some(PARTICIPANT, REFERENCES[PARTICIPANT](m)),
        _rename_sides(m),
        _update_some(DEBATE, m.ended_debates(), {"outcome": _TOMBSTONED_OUTCOME, "ended_by_id": nobody}),
        _update_some(
            DEBATE,
            DEBATE.c.id.in_(m.started_debates()),
            {
                "topic": REMOVED_TEXT,
                "outcome": case((DEBATE.c.ended_by_id.is_(None), _TOMBSTONED_OUTCOME), else_=DEBATE.c.outcome),
                "creator_id": nobody,
            },
        ),
        _update_some(DIGEST, REFERENCES[DIGEST](m), {"created_by_id": nobody}),
        _delete_some(DRAFT, REFERENCES[DRAFT](m)),
        _delete_some(PENDING, REFERENCES[PENDING](m)),
        _delete_all(NAME, REFERENCES[NAME](m)),
    ]


def _spoken_as(name: str) -> str:
    """A transcript speaker's name as compared: spaces collapsed, case folded (any alphabet, "Straße" as "STRASSE")."""
    return " ".join(name.split()).casefold()


def _speaker_records(table: Table, name: str, member: Member) -> Step:
    """A step tombstoning the records of ``table`` spoken by ``name`` in the member's server. The database's own
    ``lower()`` folds ASCII only on SQLite and "ß" nowhere, so the server's distinct speakers are matched here."""
    in_server = member.in_debates(table.c.debate_id)

    def step(session: Session, batch: int) -> int:
        speakers = session.scalars(select(table.c.speaker).where(table.c.speaker.is_not(None), in_server).distinct())
        matches = [speaker for speaker in speakers if _spoken_as(speaker) == _spoken_as(name)]
        if not matches:
            return 0
        tombstone = _tombstone_records(
            table, and_(table.c.speaker.in_(matches), in_server), func.coalesce(table.c.author_id, FORGOTTEN_USER)
        )
        return tombstone(session, batch)

    return step


def forget_speaker(name: str, guild_id: int) -> list[Step]:
    """The plan forgetting a person named in an imported transcript (by name, any case and spacing) in a server: their
    records are tombstoned as a member's are."""
    m = Member(FORGOTTEN_USER, guild_id)
    return [_speaker_records(table, name, m) for table in (CLAIM, CRUX)]


TIMER, AGENDA = table_of(Timer), table_of(Agenda)
DEBATE_TIMERS = (PHASE_END, PHASE_WARNING)
"""The timers keyed by a debate's id."""
GUILD_STATE, COMMAND_SYNC = table_of(GuildState), table_of(CommandSync)


def _delete_debates(debates: Select[tuple[int]]) -> list[Step]:
    """Steps deleting debates and all that hangs on them: their claims and cruxes a batch at a time (with what
    cascades from each: revisions, vectors, credences, stances, scores, marks, links), then the debates (sides,
    participants, drafts, pending picks cascade) and their timers."""

    def debate_rows(session: Session, batch: int) -> int:
        ids = list(session.scalars(debates.order_by(DEBATE.c.id).limit(batch)))
        if ids:
            session.execute(
                delete(TIMER).where(TIMER.c.key.in_([str(id_) for id_ in ids]), TIMER.c.event.in_(DEBATE_TIMERS))
            )
            session.execute(delete(DEBATE).where(DEBATE.c.id.in_(ids)))
        return len(ids)

    return [
        _delete_some(CLAIM, CLAIM.c.debate_id.in_(debates)),
        _delete_some(CRUX, CRUX.c.debate_id.in_(debates)),
        debate_rows,
    ]


@dataclass(frozen=True, slots=True)
class DebateToDelete:
    """A debate a moderator asked to delete: its id, and the number users know it by."""

    id: int
    number: int


def debate_to_delete(session: Session, guild_id: int, number: int, can_moderate: bool) -> DebateToDelete:
    """Debate ``number`` of the server, which the actor may delete (Manage Threads)."""
    return _deletable(
        session, guild_id, DEBATE.c.number == number, f"There is no debate #{number} in this server.", can_moderate
    )


def debate_to_delete_by_id(session: Session, guild_id: int, debate_id: int, can_moderate: bool) -> DebateToDelete:
    """The debate a confirmation button names, checked again at the press: still there, in this server, and the
    presser a moderator."""
    return _deletable(session, guild_id, DEBATE.c.id == debate_id, "That debate was already deleted.", can_moderate)


def _deletable(
    session: Session, guild_id: int, which: ColumnElement[bool], missing: str, can_moderate: bool
) -> DebateToDelete:
    if not can_moderate:
        raise NotAllowed("Deleting a debate needs the Manage Threads permission.")
    found = session.execute(select(DEBATE.c.id, DEBATE.c.number).where(DEBATE.c.guild_id == guild_id, which)).first()
    if found is None:
        raise NotFound(missing)
    return DebateToDelete(*found)


def check_confirmer(asked_by: int, pressed_by: int) -> None:
    """A confirmation button is pressed by whoever asked for it, never by another member (nor a forged one naming
    someone else: what it erases is always the presser's own, or needs their permission)."""
    if pressed_by != asked_by:
        raise NotAllowed("This confirmation is someone else's: run the command yourself to get your own.")


def delete_debate(debate_id: int) -> list[Step]:
    """The plan deleting one debate and everything derived from it."""
    return _delete_debates(select(DEBATE.c.id).where(DEBATE.c.id == debate_id))


def delete_server(guild_id: int) -> list[Step]:
    """The plan deleting everything the bot holds about a server: its debates, agendas and digests, timers, names,
    counters and synced commands' fingerprint."""
    return [
        *_delete_debates(select(DEBATE.c.id).where(DEBATE.c.guild_id == guild_id)),
        _delete_some(AGENDA, AGENDA.c.guild_id == guild_id),
        _delete_some(TIMER, TIMER.c.guild_id == guild_id),
        _delete_all(NAME, NAME.c.guild_id == guild_id),
        _delete_all(GUILD_STATE, GUILD_STATE.c.guild_id == guild_id),
        _delete_all(COMMAND_SYNC, COMMAND_SYNC.c.scope == str(guild_id)),
    ]


def run_steps(session: Session, plan: Sequence[Step], position: int, batch: int = BATCH) -> tuple[int, int]:
    """One job of a plan: its steps from ``position`` on, until ``batch`` rows are changed (a step that changes fewer
    rows than it was allowed has finished). Where the next job starts (``len(plan)``: done), and how many rows this
    one changed."""
    changed = 0
    while position < len(plan) and changed < batch:
        allowed = batch - changed
        done = plan[position](session, allowed)
        changed += done
        if done < allowed:
            position += 1
    return position, changed
