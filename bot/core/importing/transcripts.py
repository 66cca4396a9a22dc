"""Transcripts from elsewhere, read as the messages of a draft (:mod:`bot.core.importing.drafts`).

Two formats: CSV with the columns ``id``, ``interview`` and ``comment`` (Talk to the City's: the speaker and what
they said; an optional ``reply_to`` column), or JSON lines, one object a line with ``id``, ``author``, ``text`` and
an optional ``reply_to`` naming an earlier row's id (a file without any is linked by quotation and adjacency: see
:func:`bot.core.importing.drafts.build_draft`). A speaker written as a Discord mention (``<@123>``) is that
Discord user; any other is kept by name. Every bad row is reported, one line each naming it; a file with any bad
row gives no messages at all. The file is read a line at a time, and no further than its :data:`ROWS_MAX` rows.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeVar

from sqlalchemy import CompoundSelect, literal, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.core import text as t
from bot.core.errors import InvalidInput
from bot.core.importing.drafts import SPEAKER_MAX, Message
from schema import SNOWFLAKE_MAX, Claim, Crux

ROWS_MAX = 10_000
CSV_COLUMNS = ("id", "interview", "comment")
ID_MAX = 100
LINE_MAX = 131_072
"""The longest line read, in bytes: a row at its limits (text 4,000 characters, id and speaker 100) takes well under
this even in JSON with every character escaped."""
T = TypeVar("T")
_MENTION = re.compile(r"<@!?(\d{1,19})>")


@dataclass(slots=True)
class Transcript:
    """The messages of a transcript, or (when any row is bad) the problems, one line each."""

    messages: list[Message] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def threaded(self) -> bool:
        """Whether any row names the row it replies to: a file that names none is drafted by adjacency (a row
        answers the one before it when someone else said that)."""
        return any(message.reply_to is not None for message in self.messages)


@dataclass(frozen=True, slots=True)
class _Row:
    label: str
    key: Any
    speaker: Any
    text: Any
    reply_to: Any = None


def read_transcript(source: bytes | BinaryIO, name: str = "") -> Transcript:
    """Read a transcript file (its bytes, or a binary stream read a line at a time); ``name`` (the file's name) tells
    CSV from JSON lines by its extension, and otherwise the first character does (``{``: JSON lines).

    Reading stops at the first problem that leaves the rest unreadable (a line not UTF-8 or longer than
    :data:`LINE_MAX` bytes, a quote never closed, more than :data:`ROWS_MAX` rows): the file is never read past it,
    so no file, however large, is held in memory whole."""
    transcript = Transcript()
    seen: dict[str, str] = {}
    try:
        for count, row in enumerate(_rows(io.BytesIO(source) if isinstance(source, bytes) else source, name), 1):
            if count > ROWS_MAX:
                raise InvalidInput(
                    f"the file has more than {ROWS_MAX:,} rows; at most {ROWS_MAX:,} can be imported at once"
                )
            _add_row(transcript, row, seen)
    except InvalidInput as error:
        transcript.problems.append(str(error))
    if not transcript.messages and not transcript.problems:
        transcript.problems.append("the file has no rows")
    if transcript.problems:
        transcript.messages = []
    return transcript


def _rows(stream: BinaryIO, name: str) -> Iterator[_Row | str]:
    """The rows of the file, or their problems, in order; CSV or JSON lines as :func:`read_transcript` tells."""
    lines = _lines(stream)
    head = list(_through_first_text(lines))
    lowered = name.lower()
    is_json = lowered.endswith((".jsonl", ".ndjson", ".json")) or (
        not lowered.endswith(".csv") and "".join(head).lstrip().startswith("{")
    )
    rows = itertools.chain(head, lines)
    return _json_rows(rows) if is_json else _csv_rows(rows)


def _add_row(transcript: Transcript, row: _Row | str, seen: dict[str, str]) -> None:
    """Add a row's message to ``transcript``, or its problem."""
    if isinstance(row, str):
        transcript.problems.append(row)
        return
    try:
        message = _message(row, seen)
    except InvalidInput as error:
        transcript.problems.append(f"{row.label}: {error}")
        return
    seen[message.key] = row.label
    transcript.messages.append(message)


def _lines(stream: BinaryIO) -> Iterator[str]:
    """The stream's lines, decoded (a byte-order mark at the start dropped); :class:`InvalidInput` at the first line
    that is not UTF-8 or is longer than :data:`LINE_MAX` bytes, before reading any further."""
    for number in itertools.count(1):
        raw = stream.readline(LINE_MAX + 1)
        if not raw:
            return
        if len(raw) > LINE_MAX and not raw.endswith(b"\n"):
            raise InvalidInput(f"line {number} is longer than {LINE_MAX:,} bytes (no row of a transcript is)")
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"the file is not UTF-8 text (line {number} is not): save it as UTF-8") from None


def _through_first_text(lines: Iterator[str]) -> Iterator[str]:
    """The lines up to the first that is not blank (included)."""
    for line in lines:
        yield line
        if line.strip():
            return


def _csv_rows(lines: Iterator[str]) -> Iterator[_Row | str]:
    reader = csv.DictReader(lines, skipinitialspace=True, strict=True)
    header = [name.strip().lower() for name in _csv_read(reader, lambda: reader.fieldnames, "the header") or []]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise InvalidInput(
            f"the CSV has no column {', '.join(missing)}: it needs the columns {', '.join(CSV_COLUMNS)} "
            "(and may have reply_to)"
        )
    reader.fieldnames = header
    for number in itertools.count(1):
        label = f"row {number} (line {reader.line_num + 1})"
        record = _csv_read(reader, lambda: next(reader, None), label)
        if record is None:
            return
        if None in record:
            yield f"{label}: more fields than the header has columns"
            continue
        yield _Row(label, record["id"], record["interview"], record["comment"], record.get("reply_to"))


def _csv_read(reader: csv.DictReader[str], read: Callable[[], T], label: str) -> T:
    """What ``read`` reads from ``reader``, or :class:`InvalidInput` naming ``label`` when the CSV is malformed
    there (nothing after it can be read reliably)."""
    try:
        return read()
    except csv.Error as error:
        raise InvalidInput(f"{label}: {_csv_problem(str(error))}") from None


def _csv_problem(error: str) -> str:
    if error.startswith("field larger than field limit"):
        return f"a field is longer than {csv.field_size_limit():,} characters (is a quote left open?)"
    if error == "unexpected end of data":
        return "a quoted field is never closed: the file ends inside its quotes"
    return f"the CSV is malformed here ({error})"


def _json_rows(lines: Iterator[str]) -> Iterator[_Row | str]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        label = f"line {number}"
        try:
            record = json.loads(line, parse_int=_json_int)
        except json.JSONDecodeError as error:
            yield f"{label}: not JSON ({error.msg} at column {error.colno})"
            continue
        except InvalidInput as error:
            yield f"{label}: {error}"
            continue
        except RecursionError:
            yield f"{label}: nested too deeply (a row is one object of id, author and text)"
            continue
        if not isinstance(record, dict):
            yield f"{label}: not a JSON object (it needs id, author and text)"
            continue
        yield _Row(label, record.get("id"), record.get("author"), record.get("text"), record.get("reply_to"))


def _json_int(digits: str) -> int:
    """A JSON integer, refused when longer than any id may be (Python would refuse one past 4,300 digits)."""
    if len(digits.lstrip("-")) > ID_MAX:
        raise InvalidInput(f"a number is longer than {ID_MAX} digits")
    return int(digits)


def _message(row: _Row, seen: dict[str, str]) -> Message:
    key = _key(row.key, "id")
    if key in seen:
        raise InvalidInput(f"the id “{t.as_typed(key)}” repeats {seen[key]}")
    reply_to = None if row.reply_to in (None, "") else _key(row.reply_to, "reply_to")
    if reply_to is not None and reply_to not in seen:
        raise InvalidInput(f"reply_to “{t.as_typed(reply_to)}” names no earlier row")
    if not isinstance(row.text, str):
        raise InvalidInput("no text" if row.text is None else "the text is not a string")
    body = t.clean_text(row.text, "the text", t.CLAIM_MAX)
    author_id, speaker = _speaker(row.speaker)
    return Message(key=key, text=body, author_id=author_id, speaker=speaker, reply_to=reply_to)


def _key(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidInput(f"no {what}" if value is None else f"the {what} is not a string or a number")
    key = t.displayable(str(value), multiline=False)
    if not key or len(key) > ID_MAX:
        raise InvalidInput(f"the {what} is empty" if not key else f"the {what} is longer than {ID_MAX} characters")
    return key


def _speaker(value: Any) -> tuple[int | None, str | None]:
    """A Discord user (``<@id>``) or a speaker's name."""
    if not isinstance(value, str):
        raise InvalidInput("no speaker" if value is None else "the speaker is not a string")
    name = t.clean_text(value, "the speaker", SPEAKER_MAX, multiline=False)
    mention = _MENTION.fullmatch(name)
    if mention is not None and int(mention[1]) <= SNOWFLAKE_MAX:  # a larger "mention" is kept as a name
        return int(mention[1]), None
    return None, name


def recorded_already(session: Session, debate_id: int, messages: Sequence[Message]) -> dict[str, int]:
    """Of ``messages``, those debate ``debate_id`` holds already — a claim or crux by the same speaker (or Discord
    user) with the same text, as an earlier run of the same import left it: their keys, each to the claim's number
    (0: a crux).
    Drafted with these as logged (:func:`bot.core.importing.drafts.build_draft`), a transcript imported again records
    only what is missing, and a reply to a stored claim rebuts it."""
    authors = {message.author_id for message in messages if message.author_id is not None}
    wanted = {(message.author_id, message.speaker, message.text): message.key for message in messages}
    found: dict[str, int] = {}
    for number, author_id, speaker, text in session.execute(_records_of(debate_id, authors)):
        key = wanted.get((author_id, speaker, text))
        if key is not None:
            found.setdefault(key, number)
    return found


def _records_of(debate_id: int, authors: set[int]) -> CompoundSelect[int, int | None, str | None, str]:
    """(number, author, speaker, text) of the debate's claims and cruxes that a speaker, or one of ``authors``, made
    (a crux's number given as 0: a reply to it answers no claim)."""
    claims = select(col(Claim.number), col(Claim.author_id), col(Claim.speaker), col(Claim.text)).where(
        col(Claim.debate_id) == debate_id, or_(col(Claim.speaker).is_not(None), col(Claim.author_id).in_(authors))
    )
    cruxes = select(literal(0), col(Crux.author_id), col(Crux.speaker), col(Crux.question)).where(
        col(Crux.debate_id) == debate_id, or_(col(Crux.speaker).is_not(None), col(Crux.author_id).in_(authors))
    )
    return claims.union_all(cruxes)
