"""Personal data: every column of the migrated schema is classified (``schema/tables.py``, column ``info``), so that
export and erasure can cover every personal one; ``/privacy`` says what is kept, as ``docs/privacy.md`` does."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from bot.core.claims.arguments import PENDING_FOR
from bot.core.importing.chat import EXPIRY
from bot.core.privacy.erasure import ERASED
from bot.core.privacy.references import REFERENCES
from bot.core.privacy.statement import statement
from bot.db import Database
from schema.tables import PERSONAL_KINDS

MIGRATIONS_OWN = {"alembic_version"}
"""Alembic's own table: the revision the schema is at."""


def _unclassified(connection: Connection) -> list[str]:
    """The migrated schema's columns, but timestamps (which go with their row), that the tables leave unclassified."""
    reflected = inspect(connection)
    missing = []
    for table in sorted(set(reflected.get_table_names()) - MIGRATIONS_OWN):
        declared = SQLModel.metadata.tables.get(table)
        for column in reflected.get_columns(table):
            found = declared.columns.get(column["name"]) if declared is not None else None
            if not isinstance(column["type"], DateTime) and (found is None or "personal" not in found.info):
                missing.append(f"{table}.{column['name']}")
    return missing


async def test_every_column_of_the_migrated_schema_is_classified(db: Database) -> None:
    async with db.engine.connect() as connection:
        unclassified = await connection.run_sync(_unclassified)
    assert unclassified == [], f"classify these columns in schema/tables.py (personal or not, and why): {unclassified}"


def _classifications() -> dict[str, dict[str, Any]]:
    return {
        f"{table.name}.{column.name}": column.info
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if "personal" in column.info
    }


def test_a_classification_is_a_kind_of_personal_data_or_not_personal_with_a_reason() -> None:
    wrong = {
        name: info
        for name, info in _classifications().items()
        if not (info["personal"] in PERSONAL_KINDS or (info["personal"] is None and info.get("why")))
    }
    assert wrong == {}


def test_the_people_the_bot_knows_are_classified_as_identities() -> None:
    identities = {name for name, info in _classifications().items() if info["personal"] == "identity"}
    assert {"claim.author_id", "claim.speaker", "credence.user_id", "member_name.name"} <= identities


def _personal_columns() -> set[str]:
    return {name for name, info in _classifications().items() if info["personal"] is not None}


def test_every_personal_column_is_exported_and_erased() -> None:
    """The export writes every column of each row that references the member (``REFERENCES``, by table); the erasure
    says what it does to each personal column (``ERASED``). A new personal column is in neither until its feature
    says how its data is exported and erased."""
    exported = {f"{table.name}.{column.name}" for table in REFERENCES for column in table.columns}
    personal = _personal_columns()
    assert personal - exported == set(), "export these columns: add their table to bot.core.privacy.references"
    assert personal - set(ERASED) == set(), "say (and do) what erasure does to these: bot.core.privacy.erasure.ERASED"
    assert set(ERASED) - personal == set(), "ERASED names columns that are not personal"


OPERATOR_CONTACT = "**[operator: how to reach you, e.g. an email address]**"
OPERATOR_RETENTION = "**[operator: until it is deleted, or your retention period]**"
OPERATOR_REMOVAL = "**[operator: is deleted N days later (`SERVER_RETENTION_DAYS`), or is kept until you act]**"


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_privacy_policy_in_the_docs_is_what_privacy_tells_a_member() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "privacy.md").read_text(encoding="utf-8")
    section = doc.split("\n## What the bot keeps about you\n", 1)[1].split("\n## ", 1)[0]
    published = statement(contact=OPERATOR_CONTACT, kept=OPERATOR_RETENTION, removed=OPERATOR_REMOVAL)
    assert _words(published) in _words(section), f"docs/privacy.md should say, wrapped as you like:\n{published}"


def test_what_is_kept_a_day_is_kept_a_day() -> None:
    assert EXPIRY == PENDING_FOR == timedelta(days=1)
    assert "a day at most" in statement()
