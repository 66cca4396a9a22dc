"""Transcripts from elsewhere, read as the messages of a draft (:mod:`bot.core.drafts`).

Two formats: CSV with the columns ``id``, ``interview`` and ``comment`` (Talk to the City's: the speaker and what
they said; an optional ``reply_to`` column), or JSON lines, one object a line with ``id``, ``author``, ``text`` and
an optional ``reply_to`` naming an earlier row's id. A speaker written as a Discord mention (``<@123>``) is that
Discord user; any other is kept by name. Every bad row is reported, one line each naming it; a file with any bad
row gives no messages at all.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.core import text as t
from bot.core.drafts import SPEAKER_MAX, Message
from bot.core.errors import InvalidInput

ROWS_MAX = 10_000
CSV_COLUMNS = ("id", "interview", "comment")
ID_MAX = 100
_MENTION = re.compile(r"<@!?(\d{1,19})>")
SNOWFLAKE_MAX = 2**63 - 1
"""The largest Discord id a database column holds (64-bit signed): a larger "mention" is kept as a name."""


@dataclass(slots=True)
class Transcript:
    """The messages of a transcript, or (when any row is bad) the problems, one line each."""

    messages: list[Message] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Row:
    label: str
    key: Any
    speaker: Any
    text: Any
    reply_to: Any = None


def read_transcript(data: bytes, name: str = "") -> Transcript:
    """Parse a transcript file's bytes; ``name`` (the file's name) tells CSV from JSON lines by its extension, and
    otherwise the first character does (``{``: JSON lines)."""
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Transcript(problems=[f"the file is not UTF-8 text (line {line} is not): save it as UTF-8"])
    lowered = name.lower()
    is_json = lowered.endswith((".jsonl", ".ndjson", ".json")) or (
        not lowered.endswith(".csv") and content.lstrip().startswith("{")
    )
    transcript = Transcript()
    try:
        rows = list(_json_rows(content) if is_json else _csv_rows(content))
    except InvalidInput as error:
        return Transcript(problems=[str(error)])
    if len(rows) > ROWS_MAX:
        return Transcript(problems=[f"the file has {len(rows):,} rows; at most {ROWS_MAX:,} can be imported at once"])
    if not rows:
        return Transcript(problems=["the file has no rows"])
    seen: dict[str, str] = {}
    for row in rows:
        if isinstance(row, str):
            transcript.problems.append(row)
            continue
        try:
            message = _message(row, seen)
        except InvalidInput as error:
            transcript.problems.append(f"{row.label}: {error}")
            continue
        seen[message.key] = row.label
        transcript.messages.append(message)
    if transcript.problems:
        transcript.messages = []
    return transcript


def _csv_rows(content: str) -> Iterator[_Row | str]:
    reader = csv.DictReader(io.StringIO(content, newline=""), skipinitialspace=True)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise InvalidInput(
            f"the CSV has no column {', '.join(missing)}: it needs the columns {', '.join(CSV_COLUMNS)} "
            "(and may have reply_to)"
        )
    reader.fieldnames = header
    for number, record in enumerate(reader, start=1):
        label = f"row {number} (line {reader.line_num})"
        if None in record:
            yield f"{label}: more fields than the header has columns"
            continue
        yield _Row(label, record["id"], record["interview"], record["comment"], record.get("reply_to"))


def _json_rows(content: str) -> Iterator[_Row | str]:
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        label = f"line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield f"{label}: not JSON ({error.msg} at column {error.colno})"
            continue
        if not isinstance(record, dict):
            yield f"{label}: not a JSON object (it needs id, author and text)"
            continue
        yield _Row(label, record.get("id"), record.get("author"), record.get("text"), record.get("reply_to"))


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
    if mention is not None and int(mention[1]) <= SNOWFLAKE_MAX:
        return int(mention[1]), None
    return None, name
