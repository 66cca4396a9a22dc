"""``python -m bot import --debate N FILE``: a transcript from elsewhere, drafted by the rules of
:mod:`bot.core.importing.drafts`, printed, checked whole, and recorded once confirmed (``--yes``, or a prompt) in short
transactions that let live users write between them."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from bot.core import text as t
from bot.core.debates.lifecycle import Actor, debate_numbered, ensure_open, sides_of
from bot.core.errors import DomainError, InvalidInput, NotFound
from bot.core.importing.drafts import (
    Draft,
    HeldItems,
    Item,
    ItemKind,
    build_draft,
    item_line,
    phase_reason,
    record_draft,
    records_named,
    skipped_line,
    speaker_sides,
)
from bot.core.importing.transcripts import Transcript, read_transcript, recorded_already
from bot.core.records import DebateSnapshot
from bot.core.suggest.drafting import Opinions, choose_model, describe, differences
from bot.db import Database
from schema import Debate, DebateId, DebateNumber

BATCH_SECONDS = 0.25
"""How long one transaction of an import writes before it commits. SQLite has one writer at a time: a live user's
write waits at most about this long for the import, far below the busy timeout (``bot.db.SQLITE_PRAGMAS``)."""
CHUNK = 50
"""Items recorded between two looks at the clock."""
PAUSE_SECONDS = 0.15
"""The pause between two transactions of an import on SQLite: longer than the 100 ms SQLite's busy handler sleeps at
most between two tries, so a writer waiting for the lock (the bot's, in its own process) takes it before the import's
next transaction does."""
SecondOpinion = Callable[[int, Draft], Awaitable[Opinions]]
"""A language model's opinion of a draft's items, for a server (``bot.runtime.llm.draft_opinions``, bound)."""
Stored = tuple[ItemKind, int]
"""A record an import stored: its kind and its number in the debate."""


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """What the command line asked for: the debate (``guild`` when several servers have that number), the file,
    who logs the records (``by``: the debate's creator when not given), and whether to store without asking."""

    debate: DebateNumber
    path: Path
    guild: int | None = None
    by: int | None = None
    yes: bool = False
    sides: tuple[tuple[str, str], ...] = ()
    """(speaker, side) pairs, as ``--side SPEAKER=SIDE`` gives them."""


def speaker(item: Item) -> str:
    """Who said an item, on a terminal: a Discord user's mention, or the speaker's name."""
    return f"<@{item.author_id}>" if item.author_id is not None else item.speaker or "unknown"


async def import_transcript(
    db: Database,
    request: ImportRequest,
    out: TextIO,
    ask: Callable[[str], bool] | None,
    second_opinion: SecondOpinion | None = None,
) -> int:
    """Draft the transcript, print the draft to ``out`` and record it once confirmed (``ask`` puts the question;
    ``None``: no one can answer); returns the exit status. A refusal (a bad file, a debate that cannot take it) is
    raised as a :class:`DomainError`, nothing stored; each bad row is printed to standard error first.

    It records in short transactions (:data:`BATCH_SECONDS` each), so that live users' writes never wait long: the
    batches show in the debate as they are stored. Rows the debate holds already are skipped, so should the import
    stop halfway (the database failing, the process killed), running it again stores the rest.

    With ``second_opinion`` (language-model help enabled), each item the model sees otherwise than the rules is
    printed with both, and the model's is taken only where the person answers yes (with ``--yes``: the rules')."""
    transcript = _read(request.path)
    debate = await db.query(_debate_numbered, request.debate, request.guild)
    ensure_open(debate)
    logged = await db.query(recorded_already, debate.id, transcript.messages)
    speakers = {message.speaker for message in transcript.messages if message.speaker is not None}
    sides = await db.query(_speaker_sides, debate.id, speakers, request.sides)
    draft = build_draft(transcript.messages, logged, by_adjacency=not transcript.threaded)
    draft.sides = sides
    if second_opinion is not None and draft.items:
        await _weigh(out, draft, second_opinion(debate.guild_id, draft), None if request.yes else ask)
    _print_draft(out, debate, request.path, draft)
    if not draft.items:
        if logged:
            print(f"Every row is in debate #{debate.number} already: nothing to record.", file=out)
            return 0
        return _fail("nothing to record")
    _refuse_held(debate, draft)
    question = f"Record these {len(draft.items)} items in debate #{debate.number}? [y/N] "
    if not request.yes:
        if ask is None:
            return _fail("not stored: standard input is not a terminal, so I cannot ask; add --yes to store it")
        if not ask(question):
            print("Nothing was stored.", file=out)
            return 1
    actor = Actor(debate.guild_id, request.by if request.by is not None else debate.creator_id)
    records = await _record_in_batches(db, debate.id, actor, draft)
    print(f"Recorded {t.plural(len(records), 'item')} in debate #{debate.number}: {records_named(records)}.", file=out)
    return 0


async def _weigh(out: TextIO, draft: Draft, opinions: Awaitable[Opinions], ask: Callable[[str], bool] | None) -> None:
    """Print where the model and the rules differ, both, and take the model's where ``ask`` says yes."""
    try:
        found = await opinions
    except DomainError as error:
        print(f"No second opinion from the language model ({error}); the draft is the rules' alone.", file=out)
        return
    for line in found.dropped:
        print(line, file=out)
    for difference in differences(draft, found):
        rules, model = describe(difference.rules), describe(difference.model)
        print(f"Item #{difference.item}: the rules draft a {rules}; the language model, a {model}.", file=out)
        if ask is not None and ask(f"Take the language model's ({model}) for item #{difference.item}? [y/N] "):
            choose_model(draft, difference)


def _debate_numbered(session: Session, number: DebateNumber, guild_id: int | None) -> DebateSnapshot:
    return DebateSnapshot.of(debate_numbered(session, number, guild_id))


def _speaker_sides(
    session: Session, debate_id: DebateId, speakers: set[str], given: tuple[tuple[str, str], ...]
) -> dict[str, str]:
    debate = session.get(Debate, debate_id)
    if debate is None:
        raise NotFound("The debate is gone.")
    return speaker_sides(sides_of(session, debate), speakers, given)


def _read(path: Path) -> Transcript:
    """The transcript at ``path``, read a line at a time; :class:`InvalidInput` when it cannot be imported (each bad
    row printed to standard error first when there are several)."""
    try:
        with path.open("rb") as stream:
            transcript = read_transcript(stream, path.name)
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror or error}") from None
    if len(transcript.problems) == 1:
        raise InvalidInput(f"{path}: {transcript.problems[0]}; nothing was stored")
    if transcript.problems:
        for problem in transcript.problems:
            print(f"error: {path}: {problem}", file=sys.stderr)
        raise InvalidInput(f"nothing was stored: {t.plural(len(transcript.problems), 'problem')} in {path}")
    return transcript


def _refuse_held(debate: DebateSnapshot, draft: Draft) -> None:
    """Refuse the whole draft, before anything is stored, when the debate's phase does not allow an item of it."""
    held = [(item.number, reason) for item in draft.items if (reason := phase_reason(debate, item)) is not None]
    if held:
        raise HeldItems(held)


async def _record_in_batches(db: Database, debate_id: DebateId, actor: Actor, draft: Draft) -> list[Stored]:
    """Record the draft's items, a transaction at a time, pausing between them on SQLite; the records, in order.
    Should the debate refuse a transaction's items, the refusal says what the earlier ones stored; should a
    transaction fail otherwise, standard error says so (and that running the import again stores the rest) before
    the error is raised."""
    records: list[Stored] = []
    try:
        while len(records) < len(draft.items):
            batch = await db.transact(_record_batch, debate_id, actor, draft)
            for number, kind, recorded in batch:
                draft.item(number).recorded = recorded
                records.append((kind, recorded))
            if db.is_sqlite and len(records) < len(draft.items):
                await asyncio.sleep(PAUSE_SECONDS)
    except DomainError as refused:  # the debate changed meanwhile: a phase, a claim answered withdrawn, its end
        if not records:
            raise
        why = refused.reasons if isinstance(refused, HeldItems) else str(refused)
        stored = f"{len(records)} of {len(draft.items)} items ({records_named(records)})"
        raise InvalidInput(f"stopped after storing {stored}, as the debate no longer takes the rest: {why}") from None
    except BaseException:
        if records:
            print(
                f"error: stopped after storing {len(records)} of {len(draft.items)} items ({records_named(records)}); "
                "run the same command again to store the rest (rows stored already are skipped)",
                file=sys.stderr,
            )
        raise
    return records


def _record_batch(session: Session, debate_id: DebateId, actor: Actor, draft: Draft) -> list[tuple[int, ItemKind, int]]:
    """Record the draft's next items, :data:`CHUNK` at a time, until :data:`BATCH_SECONDS` have passed: (item number,
    kind, record number) of each. The draft is left as it is (a job may run more than once): what is recorded is
    marked on copies of its items."""
    debate = session.get(Debate, debate_id, with_for_update=True)
    if debate is None:
        raise NotFound("The debate is gone.")
    ensure_open(debate)
    items = list(draft.items)
    pending = [index for index, item in enumerate(items) if item.recorded is None]
    stored: list[tuple[int, ItemKind, int]] = []
    started = time.monotonic()
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start : start + CHUNK]
        for index in chunk:
            items[index] = replace(items[index], accepted=True)
        record_draft(session, debate, actor, replace(draft, items=items), all_or_nothing=True)
        stored += [(items[index].number, items[index].kind, items[index].recorded or 0) for index in chunk]
        if time.monotonic() - started >= BATCH_SECONDS:
            break
    return stored


def _print_draft(out: TextIO, debate: DebateSnapshot, path: Path, draft: Draft) -> None:
    skipped = skipped_line(draft)
    print(f"Draft for debate #{debate.number} from {path}: {len(draft.items)} items", file=out)
    if skipped:
        print(f"({skipped})", file=out)
    if draft.sides:
        print(f"Sides: {', '.join(f'{speaker} → {side}' for speaker, side in sorted(draft.sides.items()))}", file=out)
    for item in draft.items:
        print(item_line(item, speaker(item)), file=out)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def ask_terminal(question: str) -> bool:
    """Ask on the terminal; yes only for "y" or "yes"."""
    return input(question).strip().lower() in ("y", "yes")
