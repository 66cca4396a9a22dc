"""``python -m bot import --debate N FILE``: a transcript from elsewhere, drafted by the rules of
:mod:`bot.core.drafts`, printed, and recorded all or nothing once confirmed (``--yes``, or a prompt)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from bot.core import text as t
from bot.core.debates import Actor, debate_numbered, ensure_open
from bot.core.drafts import Draft, Item, ItemKind, Recorded, build_draft, item_line, record_draft, skipped_line
from bot.core.errors import NotFound
from bot.core.records import DebateSnapshot
from bot.core.transcripts import read_transcript
from bot.db import Database
from schema import Debate


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """What the command line asked for: the debate (``guild`` when several servers have that number), the file,
    who logs the records (``by``: the debate's creator when not given), and whether to store without asking."""

    debate: int
    path: Path
    guild: int | None = None
    by: int | None = None
    yes: bool = False


def speaker(item: Item) -> str:
    """Who said an item, on a terminal: a Discord user's mention, or the speaker's name."""
    return f"<@{item.author_id}>" if item.author_id is not None else item.speaker or "unknown"


async def import_transcript(
    db: Database, request: ImportRequest, out: TextIO, ask: Callable[[str], bool] | None
) -> int:
    """Draft the transcript, print the draft to ``out`` and record it once confirmed (``ask`` puts the question;
    ``None``: no one can answer). Problems go to standard error; returns the exit status."""
    try:
        data = request.path.read_bytes()
    except OSError as error:
        return _fail(f"cannot read {request.path}: {error.strerror or error}")
    transcript = read_transcript(data, request.path.name)
    if transcript.problems:
        for problem in transcript.problems:
            print(f"error: {request.path}: {problem}", file=sys.stderr)
        return _fail(f"nothing was stored: {len(transcript.problems)} bad row(s) in {request.path}")
    debate = await db.query(_debate_numbered, request.debate, request.guild)
    ensure_open(debate)
    draft = build_draft(transcript.messages)
    for item in draft.items:
        item.accepted = True
    _print_draft(out, debate, request.path, draft)
    if not draft.items:
        return _fail("nothing to record")
    question = f"Record these {len(draft.items)} items in debate #{debate.number}? [y/N] "
    if not request.yes:
        if ask is None:
            return _fail("not stored: standard input is not a terminal, so I cannot ask; add --yes to store it")
        if not ask(question):
            print("Nothing was stored.", file=out)
            return 1
    actor = Actor(debate.guild_id, request.by if request.by is not None else debate.creator_id)
    recorded = await db.transact(_record, debate.id, actor, draft)
    print(_recorded_line(debate, recorded), file=out)
    return 0


def _debate_numbered(session: Session, number: int, guild_id: int | None) -> DebateSnapshot:
    return DebateSnapshot.of(debate_numbered(session, number, guild_id))


def _record(session: Session, debate_id: int, actor: Actor, draft: Draft) -> Recorded:
    debate = session.get(Debate, debate_id, with_for_update=True)
    if debate is None:
        raise NotFound("The debate is gone.")
    ensure_open(debate)
    return record_draft(session, debate, actor, draft, all_or_nothing=True)


def _print_draft(out: TextIO, debate: DebateSnapshot, path: Path, draft: Draft) -> None:
    skipped = skipped_line(draft)
    print(f"Draft for debate #{debate.number} from {path}: {len(draft.items)} items", file=out)
    if skipped:
        print(f"({skipped})", file=out)
    for item in draft.items:
        print(item_line(item, speaker(item)), file=out)


def _recorded_line(debate: DebateSnapshot, recorded: Recorded) -> str:
    claims = [number for kind, number in recorded.records if kind is not ItemKind.CRUX]
    cruxes = [number for kind, number in recorded.records if kind is ItemKind.CRUX]
    parts = [_span("Claim", claims), _span("Crux", cruxes)]
    shown = ", ".join(part for part in parts if part)
    return f"Recorded {t.plural(len(recorded.records), 'item')} in debate #{debate.number}: {shown}."


def _span(name: str, numbers: list[int]) -> str:
    """ "Claim #4", "Claims #4–#9" (numbers given in one transaction follow each other), or ``""``."""
    if not numbers:
        return ""
    if len(numbers) == 1:
        return f"{name} #{numbers[0]}"
    return f"{name}{'es' if name.endswith('x') else 's'} #{numbers[0]}–#{numbers[-1]}"


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def ask_terminal(question: str) -> bool:
    """Ask on the terminal; yes only for "y" or "yes"."""
    return input(question).strip().lower() in ("y", "yes")
