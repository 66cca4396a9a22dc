"""A member's data export: every row that references them (``references.REFERENCES``), whole, as one versioned JSON
document (``docs/export-schema.md``, "The member data export"). One read, so the document is one consistent moment of
the database, and it never waits for the writer."""

from __future__ import annotations

import base64
import enum
import gzip
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Table, select
from sqlalchemy.orm import Session

from bot.core.privacy.references import DEBATE, DRAFT, REFERENCES, Member

EXPORT_VERSION = 1
"""The member data export's ``schema_version``: bumped on an incompatible change, as the debate export's."""


def _value(column: Column[Any], value: object) -> object:
    """A column's value as JSON: a Discord id as a decimal string, a time in ISO 8601 UTC, bytes in base64."""
    if value is None:
        return None
    if isinstance(column.type, BigInteger):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _rows(session: Session, table: Table, member: Member) -> list[dict[str, object]]:
    key = list(table.primary_key.columns)
    found = session.execute(select(table).where(REFERENCES[table](member)).order_by(*key)).all()
    rows = [{column.name: _value(column, row[index]) for index, column in enumerate(table.columns)} for row in found]
    return [_their_part_of_draft(row, member) for row in rows] if table is DRAFT else rows


def _their_part_of_draft(row: dict[str, object], member: Member) -> dict[str, object]:
    """A draft as the member's export holds it: whole when they imported it, else only the items of their messages
    (a moderator's draft holds others' messages too)."""
    if row["importer_id"] == str(member.user_id):
        return row
    assert isinstance(row["data"], str)
    items = json.loads(row["data"]).get("items", [])
    return {**row, "data": json.dumps({"items": [item for item in items if item.get("author_id") == member.user_id]})}


def _debates(session: Session, tables: dict[str, list[dict[str, object]]]) -> list[dict[str, object]]:
    """The debates the rows name by ``debate_id``, with their server and the number users know them by."""
    ids = {row["debate_id"] for rows in tables.values() for row in rows if row.get("debate_id") is not None}
    ids |= {row["id"] for row in tables.get(DEBATE.name, [])}
    found = session.execute(
        select(DEBATE.c.id, DEBATE.c.guild_id, DEBATE.c.number).where(DEBATE.c.id.in_(ids)).order_by(DEBATE.c.id)
    )
    return [{"id": id_, "guild_id": str(guild), "number": number} for id_, guild, number in found]


def export_member(session: Session, user_id: int, guild_id: int | None, now: datetime) -> dict[str, object]:
    """Everything the bot holds that references ``user_id`` in ``guild_id`` (in every server when ``None``)."""
    member = Member(user_id, guild_id)
    tables = {table.name: _rows(session, table, member) for table in REFERENCES}
    return {
        "schema_version": EXPORT_VERSION,
        "user_id": str(user_id),
        "guild_id": None if guild_id is None else str(guild_id),
        "exported_at": _value(DEBATE.c.created_at, now),
        "debates": _debates(session, tables),
        "tables": tables,
    }


def export_json(document: dict[str, object]) -> str:
    """The document as text (UTF-8 JSON, keys in the schema's order)."""
    return json.dumps(document, ensure_ascii=False, indent=1)


def export_files(document: dict[str, object], limit: int) -> list[tuple[str, bytes]]:
    """The export as files of ``limit`` bytes at most (an attachment's limit): ``mydata.json``; gzip-compressed when
    larger (``mydata.json.gz``); and that split in numbered parts when still larger (``mydata.json.gz.001``, …:
    joined back in order, ``cat mydata.json.gz.* > mydata.json.gz``)."""
    data = export_json(document).encode("utf-8")
    if len(data) <= limit:
        return [("mydata.json", data)]
    packed = gzip.compress(data, mtime=0)
    if len(packed) <= limit:
        return [("mydata.json.gz", packed)]
    return [
        (f"mydata.json.gz.{number:03}", packed[start : start + limit])
        for number, start in enumerate(range(0, len(packed), limit), start=1)
    ]


def rows_held(document: dict[str, object]) -> int:
    """How many rows an export holds."""
    tables = document["tables"]
    assert isinstance(tables, dict)
    return sum(len(rows) for rows in tables.values())
