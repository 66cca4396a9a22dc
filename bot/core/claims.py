"""Claims, rebuttals and supports: logging them (by command or from a chat message), editing, withdrawing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core import text as t
from bot.core.debates import Actor, can_moderate, next_number, side_named, side_of
from bot.core.errors import InvalidInput, NotAllowed, NotFound
from bot.core.formats import Action, require_allowed
from schema import Claim, ClaimKind, ClaimRevision, ClaimStatus, Debate, Side, id_of

RECENT_CLAIMS = 25


@dataclass(frozen=True, slots=True)
class Logged:
    """A claim, rebuttal or support just logged, with its side and the claim it answers (if any)."""

    claim: Claim
    side: Side | None
    answers: Claim | None = None


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A chat message someone wants to log: what the core needs of it, without Discord."""

    id: int
    author_id: int
    content: str
    jump_url: str
    reply_to_id: int | None = None


def describe(kind: ClaimKind) -> str:
    """ "Claim", "Rebuttal" or "Support", as records are named to users."""
    return kind.value.capitalize()


async def add_claim(
    session: AsyncSession, debate: Debate, actor: Actor, text: str, side_name: str | None = None
) -> Logged:
    """Log a claim for ``side_name``, or for the side the author joined."""
    require_allowed(debate, Action.CLAIM)
    body = t.clean_text(text, "The claim", t.CLAIM_MAX)
    if side_name and side_name.strip():
        side = await side_named(session, debate, side_name)
    else:
        side = await joined_side(session, debate, actor.user_id, "log a claim")
    return await _insert(session, debate, body, kind=ClaimKind.CLAIM, side=side, author_id=actor.user_id, by=actor)


async def add_reply(
    session: AsyncSession, debate: Debate, actor: Actor, parent_id: int, text: str, kind: ClaimKind
) -> Logged:
    """Log a rebuttal or support of a standing claim, for the side the author joined."""
    require_allowed(debate, Action.of(kind))
    body = t.clean_text(text, f"The {kind.value}", t.CLAIM_MAX)
    parent = await _answerable(session, debate, parent_id)
    side = await joined_side(session, debate, actor.user_id, f"log a {kind.value}")
    return await _insert(session, debate, body, kind=kind, side=side, author_id=actor.user_id, by=actor, parent=parent)


async def log_message(
    session: AsyncSession,
    debate: Debate,
    actor: Actor,
    message: ChatMessage,
    kind: ClaimKind,
    parent_id: int | None = None,
) -> Logged:
    """Log a chat message as a claim, or as a rebuttal/support of ``parent_id``.

    The message's author stays the author (on the side they joined, if any); ``actor`` is who logged it.
    """
    body = await ensure_loggable(session, debate, message, kind)
    parent = await _answerable(session, debate, parent_id) if parent_id is not None else None
    if kind is not ClaimKind.CLAIM and parent is None:
        raise InvalidInput(f"Say which claim this {kind.value} answers.")
    side = await side_of(session, debate, message.author_id)
    return await _insert(
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


def message_text(message: ChatMessage, limit: int) -> str:
    """The message's text, or :class:`InvalidInput` when it has none (only an image, say) or too much."""
    if t.is_blank(message.content):
        raise InvalidInput("That message has no text to log (only attachments or embeds?): log a message with text.")
    return t.clean_text(message.content, "The message", limit)


async def ensure_loggable(session: AsyncSession, debate: Debate, message: ChatMessage, kind: ClaimKind) -> str:
    """The message's text: :class:`WrongPlace` if the phase does not allow ``kind``, :class:`InvalidInput` if the
    message has no text or is already logged as ``kind``."""
    require_allowed(debate, Action.of(kind))
    body = message_text(message, t.CLAIM_MAX)
    statement = select(Claim).where(
        Claim.debate_id == debate.id, Claim.source_message_id == message.id, Claim.kind == kind
    )
    existing = (await session.execute(statement)).scalar_one_or_none()
    if existing is not None:
        raise InvalidInput(f"That message is already logged as {describe(kind)} #{existing.number}.")
    return body


async def replied_claim(session: AsyncSession, debate: Debate, message: ChatMessage) -> Claim | None:
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
    return (await session.execute(statement)).scalar_one_or_none()


async def recent_claims(session: AsyncSession, debate: Debate) -> list[Claim]:
    """The debate's most recent standing claims (of any kind), newest first."""
    statement = (
        select(Claim)
        .where(Claim.debate_id == debate.id, Claim.status == ClaimStatus.STANDING)
        .order_by(col(Claim.number).desc())
        .limit(RECENT_CLAIMS)
    )
    return list((await session.execute(statement)).scalars())


async def joined_side(session: AsyncSession, debate: Debate, user_id: int, action: str) -> Side:
    """The side the user joined, or :class:`InvalidInput` telling them to join one before they ``action``."""
    side = await side_of(session, debate, user_id)
    if side is None:
        raise InvalidInput(f"Join a side with /debate join before you {action}.")
    return side


async def _answerable(session: AsyncSession, debate: Debate, claim_id: int) -> Claim:
    claim = await claim_in(session, debate, claim_id)
    if claim.status is ClaimStatus.WITHDRAWN:
        raise InvalidInput(f"{describe(claim.kind)} #{claim.number} was withdrawn: there is nothing left to answer.")
    return claim


async def _insert(
    session: AsyncSession,
    debate: Debate,
    body: str,
    *,
    kind: ClaimKind,
    side: Side | None,
    author_id: int,
    by: Actor,
    parent: Claim | None = None,
    source: ChatMessage | None = None,
) -> Logged:
    claim = Claim(
        debate_id=id_of(debate),
        number=await next_number(session, debate, "claim_seq"),
        kind=kind,
        parent_id=parent.id if parent else None,
        side_id=side.id if side else None,
        author_id=author_id,
        logged_by_id=by.user_id,
        text=body,
        source_message_id=source.id if source else None,
        source_url=source.jump_url if source else None,
    )
    session.add(claim)
    await session.flush()
    return Logged(claim=claim, side=side, answers=parent)


async def claim_in(session: AsyncSession, debate: Debate, claim_id: int) -> Claim:
    """The claim with this id in this debate, or :class:`NotFound`."""
    statement = select(Claim).where(Claim.id == claim_id, Claim.debate_id == debate.id)
    claim = (await session.execute(statement)).scalar_one_or_none()
    if claim is None:
        raise NotFound("No such claim in this debate: pick one from the list as you type.")
    return claim


async def edit_claim(session: AsyncSession, debate: Debate, actor: Actor, claim_id: int, text: str) -> Claim:
    """Replace the text of one's own standing claim; the old text is kept as a revision."""
    claim = await claim_in(session, debate, claim_id)
    label = f"{describe(claim.kind)} #{claim.number}"
    if claim.author_id != actor.user_id:
        raise NotAllowed(f"{label} is not yours: only its author can edit it.")
    if claim.status is ClaimStatus.WITHDRAWN:
        raise InvalidInput(f"{label} was withdrawn; it can no longer be edited.")
    body = t.clean_text(text, f"The {claim.kind.value}", t.CLAIM_MAX)
    if body == claim.text:
        raise InvalidInput(f"That is already the text of {label}: nothing to change.")
    session.add(ClaimRevision(claim_id=id_of(claim), text=claim.text, revised_by_id=actor.user_id))
    claim.text = body
    session.add(claim)
    await session.flush()
    return claim


async def withdraw_claim(session: AsyncSession, debate: Debate, actor: Actor, claim_id: int) -> Claim:
    """Withdraw a claim: its author, or a moderator, may. It stays in the record, marked withdrawn."""
    claim = await claim_in(session, debate, claim_id)
    label = f"{describe(claim.kind)} #{claim.number}"
    if claim.author_id != actor.user_id and not can_moderate(debate, actor):
        raise NotAllowed(
            f"{label} is not yours: only its author, the debate's creator "
            "or a member with Manage Threads can withdraw it."
        )
    if claim.status is ClaimStatus.WITHDRAWN:
        raise InvalidInput(f"{label} is already withdrawn.")
    claim.status = ClaimStatus.WITHDRAWN
    session.add(claim)
    await session.flush()
    return claim
