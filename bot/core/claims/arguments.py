"""Claims, rebuttals and supports: logging them (by command or from a chat message), editing, withdrawing.

Synchronous, so that logging one runs whole as one job (``Database.transact``); see :mod:`bot.core.debates.lifecycle`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Exists, delete, exists, insert
from sqlalchemy.orm import Mapped, Session
from sqlmodel import col, select

from bot.core import text as t
from bot.core.debates.formats import Action, require_allowed
from bot.core.debates.lifecycle import (
    KEY_MAX,
    Actor,
    by_id,
    next_number,
    numbered,
    require_own_or_moderator,
    side_named,
    side_of,
)
from bot.core.errors import InvalidInput, NotAllowed, WrongPlace
from bot.core.records import ClaimSnapshot, RevisionSnapshot, SideSnapshot
from schema import (
    Claim,
    ClaimId,
    ClaimKind,
    ClaimNumber,
    ClaimRevision,
    ClaimStatus,
    ClaimVector,
    Debate,
    PendingRebuttal,
    id_of,
    table_of,
    utcnow,
)

RECENT_CLAIMS = 25
EDITED = "(edited)"
"""The mark of an entry whose text was edited, wherever it is shown."""
_INSERT = insert(Claim).returning(col(Claim.id))
"""Run on the Core connection: the ORM's flush (or its bulk insert) would cost a third of a whole claim."""
_INSERTED = [column.key for column in table_of(Claim).columns if column.key != "id"]
_FIELDS = {key: Claim.model_fields[key] for key in _INSERTED}
_DEFAULTS = {
    key: field.default for key, field in _FIELDS.items() if not field.is_required() and not field.default_factory
}
#: Columns whose default is made per row (``created_at``), by their factories, which all take no argument. Called
#: directly: pydantic's ``get_default`` inspects the factory's signature at every call.
_MADE_PER_ROW = {
    key: cast(Callable[[], Any], field.default_factory) for key, field in _FIELDS.items() if field.default_factory
}


@dataclass(frozen=True, slots=True)
class Logged:
    """A claim, rebuttal or support just logged, with its side and the claim it answers (if any)."""

    claim: ClaimSnapshot
    side: SideSnapshot | None
    answers: ClaimSnapshot | None = None


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A chat message someone wants to log: what the core needs of it, without Discord."""

    id: int
    author_id: int
    content: str
    jump_url: str
    channel_id: int
    reply_to_id: int | None = None
    by_this_bot: bool = False


@dataclass(frozen=True, slots=True)
class History:
    """An entry and the texts it had before its edits, oldest first."""

    claim: ClaimSnapshot
    revisions: list[RevisionSnapshot]


def edited(claim_id: ColumnElement[Any] | Mapped[Any]) -> Exists:
    """The SQL condition "the claim with this id was edited" (it has a revision)."""
    return exists().where(col(ClaimRevision.claim_id) == claim_id)


def describe(kind: ClaimKind) -> str:
    """ "Claim", "Rebuttal" or "Support", as records are named to users."""
    return kind.value.capitalize()


def add_claim(session: Session, debate: Debate, actor: Actor, text: str, side_name: str | None = None) -> Logged:
    """Log a claim for ``side_name``, or for the side the author joined."""
    side = claim_side(session, debate, actor, side_name)
    body = t.clean_text(text, "The claim", t.CLAIM_MAX)
    return _insert(session, debate, body, kind=ClaimKind.CLAIM, side=side, author_id=actor.user_id, by=actor)


def claim_side(session: Session, debate: Debate, actor: Actor, side_name: str | None) -> SideSnapshot:
    """The side a claim by ``actor`` would be for: ``side_name``'s, or the one they joined. Refuses what the phase does
    not allow, an unknown side, or no side joined — checked before a modal asks for the text, and again on logging."""
    require_allowed(debate, Action.CLAIM)
    if side_name and side_name.strip():
        return side_named(session, debate, side_name)
    return joined_side(session, debate, actor.user_id, "log a claim")


def add_reply(
    session: Session, debate: Debate, actor: Actor, parent: ClaimNumber, text: str, kind: ClaimKind
) -> Logged:
    """Log a rebuttal or support of standing claim #``parent``, for the side the author joined."""
    answered, side = reply_target(session, debate, actor, parent, kind)
    body = t.clean_text(text, f"The {kind.value}", t.CLAIM_MAX)
    return _insert(session, debate, body, kind=kind, side=side, author_id=actor.user_id, by=actor, parent=answered)


def reply_target(
    session: Session, debate: Debate, actor: Actor, parent: ClaimNumber, kind: ClaimKind
) -> tuple[ClaimSnapshot, SideSnapshot]:
    """Claim #``parent``, which a rebuttal or support by ``actor`` would answer, and their side. Refuses what the phase
    does not allow, a withdrawn or unknown claim, or no side joined — before a modal asks for the text, and again on
    logging."""
    require_allowed(debate, Action.of(kind))
    answered = _answerable(session, debate, parent)
    return answered, joined_side(session, debate, actor.user_id, f"log a {kind.value}")


def log_message(
    session: Session,
    debate: Debate,
    actor: Actor,
    message: ChatMessage,
    kind: ClaimKind,
    parent_number: ClaimNumber | None = None,
) -> Logged:
    """Log a chat message as a claim, or as a rebuttal/support of claim #``parent_number``.

    The message's author stays the author (on the side they joined, if any); ``actor`` is who logged it.
    """
    body = ensure_loggable(session, debate, message, kind)
    return _log_loggable(session, debate, actor, message, body, kind, parent_number)


def _log_loggable(
    session: Session,
    debate: Debate,
    actor: Actor,
    message: ChatMessage,
    body: str,
    kind: ClaimKind,
    parent_number: ClaimNumber | None,
) -> Logged:
    """:func:`log_message` once :func:`ensure_loggable` has passed and given the message's ``body``."""
    parent = _answerable(session, debate, parent_number) if parent_number is not None else None
    if kind is not ClaimKind.CLAIM and parent is None:
        raise InvalidInput(f"Say which claim this {kind.value} answers.")
    side = side_of(session, debate, message.author_id)
    return _insert(
        session,
        debate,
        body,
        kind=kind,
        side=side,
        author_id=message.author_id,
        by=actor,
        parent=parent,
        source=message,
    )


def message_text(debate: Debate, message: ChatMessage, limit: int) -> str:
    """The text of a message to log in ``debate``: :class:`WrongPlace` when it is not in the debate's thread (a
    forged interaction: Discord sends a message's menu from its own channel), :class:`InvalidInput` when this bot
    wrote it (its answers are the record already), when it has no text (only an image, say) or too much."""
    if message.channel_id != debate.thread_id:
        raise WrongPlace("That message is not in this debate's thread: log messages from the thread they are in.")
    if message.by_this_bot:
        raise InvalidInput("That message is mine: log what participants say, not the bot's answers.")
    if t.is_blank(message.content):
        raise InvalidInput("That message has no text to log (only attachments or embeds?): log a message with text.")
    return t.clean_text(message.content, "The message", limit)


def ensure_loggable(session: Session, debate: Debate, message: ChatMessage, kind: ClaimKind) -> str:
    """The message's text: :class:`WrongPlace` if the phase does not allow ``kind``, :class:`InvalidInput` if the
    message has no text or is already logged as ``kind``."""
    require_allowed(debate, Action.of(kind))
    body = message_text(debate, message, t.CLAIM_MAX)
    statement = select(Claim).where(
        Claim.debate_id == debate.id, Claim.source_message_id == message.id, Claim.kind == kind
    )
    existing = session.execute(statement).scalar_one_or_none()
    if existing is not None:
        raise InvalidInput(f"That message is already logged as {describe(kind)} #{existing.number}.")
    return body


@dataclass(frozen=True, slots=True)
class RebuttalPick:
    """A chat message kept as pending rebuttal ``pending_id`` while its logger picks the claim it answers."""

    pending_id: int
    candidates: list[ClaimSnapshot]
    edited: frozenset[ClaimId] = frozenset()
    """The ids of the candidates that were edited."""

    def label(self, claim: ClaimSnapshot) -> str:
        """How a candidate is offered (see :func:`claim_label`)."""
        return claim_label(claim, edited=claim.id in self.edited)


PENDING_FOR = timedelta(days=1)
PICK_EXPIRED = "That choice has expired: use Log as rebuttal on the message again."


def log_chat_rebuttal(session: Session, debate: Debate, actor: Actor, message: ChatMessage) -> Logged | RebuttalPick:
    """“Log as rebuttal”: a chat message replying to a logged claim is logged as its rebuttal at once. Otherwise the
    message is kept (a day) while its logger picks among the recent claims, which come back; refused first is what
    logging it would refuse (the phase, no text, a repeat), and a debate with no claim to rebut yet."""
    body = ensure_loggable(session, debate, message, ClaimKind.REBUTTAL)
    replied = replied_claim(session, debate, message)
    if replied is not None:
        return _log_loggable(session, debate, actor, message, body, ClaimKind.REBUTTAL, replied.number)
    recent = recent_claims(session, debate)
    if not recent:
        raise InvalidInput("There is no claim in this debate to rebut yet: log one first.")
    edited_ids = frozenset(claim.id for claim, was_edited in recent if was_edited)
    candidates = [claim for claim, _ in recent]
    return RebuttalPick(_keep_pending(session, debate, actor, message), candidates, edited_ids)


def log_picked_rebuttal(session: Session, debate: Debate, actor: Actor, pending_id: int, parent: ClaimNumber) -> Logged:
    """Log the message kept as pending rebuttal ``pending_id`` as a rebuttal of claim #``parent``, picked by its
    logger; :class:`InvalidInput` once the pick has expired (or for an id never given)."""
    now = utcnow()
    pending = session.get(PendingRebuttal, pending_id) if 0 < pending_id <= KEY_MAX else None
    if pending is None or pending.debate_id != debate.id or pending.expires_at <= now:
        raise InvalidInput(PICK_EXPIRED)
    if pending.logger_id != actor.user_id:
        raise NotAllowed("Only who asked to log that message can pick the claim it rebuts.")
    message = ChatMessage(
        id=pending.message_id,
        author_id=pending.author_id,
        content=pending.content,
        jump_url=pending.jump_url,
        channel_id=pending.channel_id,
        reply_to_id=pending.reply_to_id,
    )
    return log_message(session, debate, actor, message, ClaimKind.REBUTTAL, parent)


def _keep_pending(session: Session, debate: Debate, actor: Actor, message: ChatMessage) -> int:
    """Keep ``message`` for its logger's pick, a day at most (see :mod:`bot.core.privacy.retention`); its id."""
    now = utcnow()
    pending = PendingRebuttal(
        debate_id=id_of(debate),
        logger_id=actor.user_id,
        message_id=message.id,
        author_id=message.author_id,
        channel_id=message.channel_id,
        reply_to_id=message.reply_to_id,
        content=message.content,
        jump_url=message.jump_url,
        created_at=now,
        expires_at=now + PENDING_FOR,
    )
    session.add(pending)
    session.flush()
    return id_of(pending)


LABEL_MAX = 100
"""Discord's limit on an autocomplete choice's or a select option's label."""


def claim_label(claim: Claim | ClaimSnapshot, *, edited: bool) -> str:
    """A claim as a list offers it, on one line: ``#3 (rebuttal) (edited) its text``, shortened to ``LABEL_MAX``."""
    kind = "" if claim.kind is ClaimKind.CLAIM else f"({claim.kind.value})"
    prefix = " ".join(f"#{claim.number} {kind} {EDITED if edited else ''}".split())
    return t.one_line(f"{prefix} {t.displayable(claim.text)}", LABEL_MAX)


def picked_claim(values: list[str]) -> ClaimNumber:
    """The claim number chosen in a claim picker, or :class:`InvalidInput` for anything the picker never offers (a
    forged value: none, several, not a number)."""
    if len(values) != 1:
        raise InvalidInput("Pick one of the claims offered.")
    value = values[0]
    if not (value.isdecimal() and 0 < int(value) <= KEY_MAX):
        raise InvalidInput(f"“{t.one_line(value, 20)}” is not a claim of the list: pick one of the claims offered.")
    return ClaimNumber(int(value))


def replied_claim(session: Session, debate: Debate, message: ChatMessage) -> ClaimSnapshot | None:
    """The standing claim logged from the message this one replies to, if any."""
    if message.reply_to_id is None:
        return None
    statement = (
        select(Claim)
        .where(
            Claim.debate_id == debate.id,
            Claim.source_message_id == message.reply_to_id,
            Claim.status == ClaimStatus.STANDING,
        )
        .order_by(col(Claim.number))
        .limit(1)
    )
    found = session.execute(statement).scalar_one_or_none()
    return ClaimSnapshot.of(found) if found is not None else None


def recent_claims(session: Session, debate: Debate) -> list[tuple[ClaimSnapshot, bool]]:
    """The debate's most recent standing claims (of any kind), newest first, each with whether it was edited."""
    statement = (
        select(Claim)
        .where(Claim.debate_id == debate.id, Claim.status == ClaimStatus.STANDING)
        .order_by(col(Claim.number).desc())
        .limit(RECENT_CLAIMS)
        .add_columns(edited(col(Claim.id)))
    )
    return [(ClaimSnapshot.of(claim), was_edited) for claim, was_edited in session.execute(statement).all()]


def joined_side(session: Session, debate: Debate, user_id: int, action: str) -> SideSnapshot:
    """The side the user joined, or :class:`InvalidInput` telling them to join one before they ``action``."""
    side = side_of(session, debate, user_id)
    if side is None:
        raise InvalidInput(f"Join a side with /debate join before you {action}.")
    return side


def _answerable(session: Session, debate: Debate, number: ClaimNumber) -> ClaimSnapshot:
    claim = numbered(session, debate, Claim, number)
    if claim.status is ClaimStatus.WITHDRAWN:
        raise InvalidInput(f"{describe(claim.kind)} #{claim.number} was withdrawn: there is nothing left to answer.")
    return ClaimSnapshot.of(claim)


def _insert(
    session: Session,
    debate: Debate,
    body: str,
    *,
    kind: ClaimKind,
    side: SideSnapshot | None,
    author_id: int,
    by: Actor,
    parent: ClaimSnapshot | None = None,
    source: ChatMessage | None = None,
) -> Logged:
    values = _claim_defaults() | {
        "debate_id": id_of(debate),
        "number": next_number(session, debate, "claim_seq"),
        "kind": kind,
        "parent_id": parent.id if parent else None,
        "side_id": side.id if side else None,
        "author_id": author_id,
        "logged_by_id": by.user_id,
        "text": body,
        "source_message_id": source.id if source else None,
        "source_url": source.jump_url if source else None,
    }
    values["id"] = session.connection().execute(_INSERT, {key: values[key] for key in _INSERTED}).scalar_one()
    return Logged(claim=ClaimSnapshot(**values), side=side, answers=parent)


def _claim_defaults() -> dict[str, Any]:
    """Every column's default (``created_at``: now)."""
    return _DEFAULTS | {key: make() for key, make in _MADE_PER_ROW.items()}


def edit_claim(session: Session, debate: Debate, actor: Actor, number: ClaimNumber, text: str) -> ClaimSnapshot:
    """Replace the text of one's own standing claim #``number``; the old text is kept as a revision."""
    claim = _editable(session, debate, actor, number)
    body = t.clean_text(text, f"The {claim.kind.value}", t.CLAIM_MAX)
    if body == claim.text:
        raise InvalidInput(f"That is already the text of {_label(claim)}: nothing to change.")
    session.add(ClaimRevision(claim_id=id_of(claim), text=claim.text, revised_by_id=actor.user_id))
    session.execute(delete(ClaimVector).where(col(ClaimVector.claim_id) == claim.id))  # made again from the new text
    claim.text = body
    session.add(claim)
    session.flush()
    return ClaimSnapshot.of(claim)


def claim_history(session: Session, debate: Debate, number: ClaimNumber) -> History:
    """Claim #``number`` and its earlier texts, oldest first (readable by anyone, in an open or closed debate)."""
    claim = numbered(session, debate, Claim, number)
    statement = select(ClaimRevision).where(ClaimRevision.claim_id == claim.id).order_by(col(ClaimRevision.id))
    return History(ClaimSnapshot.of(claim), RevisionSnapshot.each(session.execute(statement).scalars()))


def editable_claim(session: Session, debate: Debate, actor: Actor, number: ClaimNumber) -> ClaimSnapshot:
    """Claim #``number``, if ``actor`` may edit it: their own, not withdrawn (checked before a modal asks for the new
    text)."""
    return ClaimSnapshot.of(_editable(session, debate, actor, number))


def _editable(session: Session, debate: Debate, actor: Actor, number: ClaimNumber) -> Claim:
    claim = numbered(session, debate, Claim, number)
    if claim.author_id != actor.user_id:
        raise NotAllowed(f"{_label(claim)} is not yours: only its author can edit it.")
    if claim.status is ClaimStatus.WITHDRAWN:
        raise InvalidInput(f"{_label(claim)} was withdrawn; it can no longer be edited.")
    return claim


def _label(claim: Claim) -> str:
    return f"{describe(claim.kind)} #{claim.number}"


def withdraw_claim(session: Session, debate: Debate, actor: Actor, number: ClaimNumber) -> ClaimSnapshot:
    """Withdraw claim #``number``: its author, or a moderator, may. It stays in the record, marked withdrawn."""
    return _withdraw(session, debate, actor, numbered(session, debate, Claim, number))


def withdraw_claim_by_id(session: Session, debate: Debate, actor: Actor, claim_id: ClaimId) -> ClaimSnapshot:
    """:func:`withdraw_claim` for the claim a button names by its id."""
    return _withdraw(session, debate, actor, by_id(session, debate, Claim, claim_id))


def _withdraw(session: Session, debate: Debate, actor: Actor, claim: Claim) -> ClaimSnapshot:
    require_own_or_moderator(debate, actor, claim.author_id, _label(claim))
    if claim.status is ClaimStatus.WITHDRAWN:
        raise InvalidInput(f"{_label(claim)} is already withdrawn.")
    claim.status = ClaimStatus.WITHDRAWN
    session.add(claim)
    session.flush()
    return ClaimSnapshot.of(claim)
