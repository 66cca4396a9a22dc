"""``/debate import``: a channel's or thread's latest messages as a draft (:mod:`bot.core.importing.drafts`) kept in the
database for a day, shown to its importer a page at a time, changed item by item, and recorded in one transaction.

Synchronous use cases taking a ``Session`` and the debate of the thread first, each run as one job (the draft's
buttons are pressed in that thread). Nothing reaches the debate's record before :func:`record_import`.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from math import ceil

from sqlalchemy.orm import Session

from bot.core.debates.lifecycle import Actor, require_moderator
from bot.core.errors import InvalidInput, NotAllowed
from bot.core.importing.drafts import (
    Draft,
    Item,
    ItemKind,
    Message,
    Recorded,
    build_draft,
    change_kind,
    logged_messages,
    phase_reason,
    record_draft,
)
from bot.core.records import DebateSnapshot, ImportDraftSnapshot
from schema import Debate, ImportDraft, id_of, utcnow

HISTORY_MAX = 500
HISTORY_DEFAULT = 100
EXPIRY = timedelta(days=1)
PAGE_SIZE = 8
EXPIRED = "This import draft has expired or was recorded already: run /debate import again."
INTENT_OFF = (
    "Discord gave me these messages without their text: reading other people's messages needs the Message Content "
    "intent — in the developer portal, your application → Bot → Privileged Gateway Intents, switch on Message "
    "Content Intent (an admin of the application can), then import again."
)


def require_readable(where: str, *, readable: bool, can_view: bool, can_read_history: bool) -> None:
    """Refuse a source that is not a text channel or thread (``readable``), or a caller who may not read its
    messages there: the importer needs View Channel and Read Message History where the messages are, not just the
    bot."""
    if not readable:
        raise InvalidInput(f"I can import only from a text channel or a thread, and {where} is neither.")
    if not (can_view and can_read_history):
        raise NotAllowed(f"You need View Channel and Read Message History in {where} to import its messages.")


READING = {"view_channel": "View Channel", "read_message_history": "Read Message History"}
"""What reading a channel's messages takes, by discord.py's name: without the first Discord refuses (403 Missing
Access), without the second it answers no messages at all."""


def require_bot_reads(where: str, lacking: Sequence[str]) -> None:
    """:class:`NotAllowed` naming the permissions of :data:`READING` the bot ``lacking`` in ``where``, if any."""
    if lacking:
        names = " and ".join(READING[name] for name in READING if name in lacking)
        raise NotAllowed(
            f"I cannot read the messages of {where}: I lack {names} there. A server admin can give me "
            f"{' and '.join(READING.values())} in {where}."
        )


def refused_reading(where: str, refusal: str) -> NotAllowed:
    """Discord refused the bot the messages of ``where`` although it seemed allowed (its view of the permissions
    was out of date)."""
    return NotAllowed(
        f"Discord refused me the messages of {where} ({refusal}): I need {' and '.join(READING.values())} there."
    )


def require_text(messages: Sequence[Message]) -> None:
    """:class:`InvalidInput` saying how to switch the Message Content intent on, when Discord withheld people's
    text: every message of a person came without text, embeds or attachments."""
    people = [message for message in messages if not message.is_bot]
    if people and not any(message.text or message.media for message in people):
        raise InvalidInput(INTENT_OFF)


class Change(enum.StrEnum):
    """What a button of a draft does (the value is in its custom_id)."""

    ACCEPT = "accept"  # toggle item ``arg``
    KIND = "kind"  # the next kind item ``arg`` can be
    PAGE = "page"  # show page ``arg``
    ALL = "all"  # accept every item not held by the phase


@dataclass(frozen=True, slots=True)
class Shown:
    """A draft as its importer sees it: the debate, the stored row, the draft and the page shown."""

    debate: DebateSnapshot
    row: ImportDraftSnapshot
    draft: Draft

    @property
    def page(self) -> int:
        return min(self.row.page, self.pages - 1)

    @property
    def pages(self) -> int:
        return _pages(self.draft)

    @property
    def on_page(self) -> list[Item]:
        start = self.page * PAGE_SIZE
        return self.draft.items[start : start + PAGE_SIZE]


@dataclass(frozen=True, slots=True)
class Imported:
    """What Record did: the records stored, the items kept in the draft (accepted but held, or waiting for a phase
    that allows them) and the draft left (``None`` when nothing is left to record)."""

    debate: DebateSnapshot
    recorded: Recorded
    kept: list[Item]
    left: Shown | None


def check_importer(session: Session, debate: Debate, actor: Actor) -> None:
    """:class:`NotAllowed` unless ``actor`` moderates the debate (checked before any message is read)."""
    require_moderator(debate, actor, "import messages into it")


def _mark_phase(debate: Debate, draft: Draft) -> None:
    for item in draft.pending:
        item.held = phase_reason(debate, item)


def start_import(session: Session, debate: Debate, actor: Actor, source_id: int, messages: Sequence[Message]) -> Shown:
    """Draft ``messages`` (oldest first) for ``debate`` and keep the draft for a day (see
    :mod:`bot.core.privacy.retention`)."""
    check_importer(session, debate, actor)
    now = utcnow()
    ids = [message.message_id for message in messages if message.message_id is not None]
    draft = build_draft(messages, logged_messages(session, debate, ids))
    _mark_phase(debate, draft)
    row = ImportDraft(
        guild_id=debate.guild_id,
        debate_id=id_of(debate),
        importer_id=actor.user_id,
        source_id=source_id,
        data=json.dumps(draft.to_json()),
        expires_at=now + EXPIRY,
    )
    session.add(row)
    session.flush()
    return _shown(debate, row, draft)


def _pages(draft: Draft) -> int:
    return max(1, ceil(len(draft.items) / PAGE_SIZE))


def _shown(debate: Debate, row: ImportDraft, draft: Draft) -> Shown:
    return Shown(DebateSnapshot.of(debate), ImportDraftSnapshot.of(row), draft)


def _load(session: Session, debate: Debate, actor: Actor, draft_id: int) -> tuple[ImportDraft, Draft]:
    row = session.get(ImportDraft, draft_id, with_for_update=True)
    if row is None or row.debate_id != debate.id or row.expires_at <= utcnow():
        raise InvalidInput(EXPIRED)
    if row.importer_id != actor.user_id:
        raise NotAllowed(f"This draft is <@{row.importer_id}>'s: run /debate import for a draft of your own.")
    return row, Draft.from_json(json.loads(row.data))


def _save(session: Session, row: ImportDraft, draft: Draft) -> None:
    row.data = json.dumps(draft.to_json())
    session.add(row)
    session.flush()


def change_import(session: Session, debate: Debate, actor: Actor, draft_id: int, change: Change, arg: int) -> Shown:
    """Apply a button's ``change`` to the importer's draft and keep it."""
    row, draft = _load(session, debate, actor, draft_id)
    if change is Change.PAGE:
        row.page = min(max(arg, 0), _pages(draft) - 1)
    elif change is Change.ALL:
        for item in draft.pending:
            item.accepted = item.accepted or phase_reason(debate, item) is None
    else:
        item = draft.item(arg)
        if item.recorded is not None:
            raise InvalidInput(f"Item #{item.number} is recorded already.")
        if change is Change.ACCEPT:
            item.accepted = not item.accepted
        else:
            change_kind(item)
    _mark_phase(debate, draft)
    _save(session, row, draft)
    return _shown(debate, row, draft)


def apply_to_import(
    session: Session, debate: Debate, actor: Actor, draft_id: int, change: Callable[[Draft], object]
) -> Shown:
    """Apply ``change`` (a rule of another subject, such as taking a language model's opinion of an item) to the
    importer's draft and keep it, as :func:`change_import` does a button's."""
    row, draft = _load(session, debate, actor, draft_id)
    change(draft)
    _mark_phase(debate, draft)
    _save(session, row, draft)
    return _shown(debate, row, draft)


def unlinked(draft: Draft) -> list[Item]:
    """The draft's candidate claims that answer nothing: a similar earlier claim may be what they would rebut."""
    return [
        item
        for item in draft.pending
        if item.kind is ItemKind.CLAIM and item.parent is None and item.parent_claim is None
    ]


def suggest_parents(session: Session, debate: Debate, actor: Actor, draft_id: int, parents: Mapping[int, int]) -> None:
    """Pre-link claims of the draft to what they would answer if made rebuttals (item number → item number), for
    those still claims answering nothing; an expired or recorded draft is left alone."""
    try:
        row, draft = _load(session, debate, actor, draft_id)
    except InvalidInput:
        return
    for item in unlinked(draft):
        suggested = parents.get(item.number)
        if suggested is not None and suggested < item.number:
            item.parent = suggested
    _save(session, row, draft)


def record_import(session: Session, debate: Debate, actor: Actor, draft_id: int) -> Imported:
    """Record the accepted items of the importer's draft in one transaction (numbered in message order). What could
    not be recorded stays in the draft, and so does what the phase does not allow yet, accepted or not (it waits
    for its phase); the draft is deleted when nothing is left to record."""
    row, draft = _load(session, debate, actor, draft_id)
    if not any(item.accepted and item.recorded is None for item in draft.items):
        raise InvalidInput("Accept at least one item first (its ✓ button, or Accept all).")
    recorded = record_draft(session, debate, actor, draft)  # marks why each accepted item left is held
    for item in draft.pending:
        if not item.accepted:
            item.held = phase_reason(debate, item)
    kept = [item for item in draft.pending if item.held is not None]
    if kept:
        _save(session, row, draft)
        return Imported(DebateSnapshot.of(debate), recorded, kept, _shown(debate, row, draft))
    session.delete(row)
    session.flush()
    return Imported(DebateSnapshot.of(debate), recorded, [], None)
