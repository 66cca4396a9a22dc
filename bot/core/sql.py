"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import SQLModel


def upsert(
    session: Session,
    model: type[SQLModel],
    values: Mapping[str, Any],
    *,
    conflict: Sequence[str],
    update: Sequence[str] = (),
) -> None:
    """``INSERT … ON CONFLICT (conflict) DO UPDATE SET update`` (or ``DO NOTHING`` when ``update`` is empty)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(**values)
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=list(conflict), set_={name: statement.excluded[name] for name in update}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
    session.execute(statement)
