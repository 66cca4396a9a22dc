"""Stances: each participant's credences on a crux reduced to what a summary shows, kept as credences are recorded.

``credence`` is the append-only record. ``crux_stance`` holds, per (crux, user), the first and the latest credence
(with its reason) and how many there were; ``crux.spread`` the distance between the participants' latest credences.
:func:`keep_stance` updates both in the transaction that appends a credence, so that a summary reads the widest
disagreements of a debate from an index (``ORDER BY spread DESC LIMIT n``) instead of every credence.

The stance upsert is a merge keyed on credence ids (the first is the lowest id, the latest the highest, the count
adds up), so concurrent credences give the same row in whatever order their transactions reach it, and the
migration's backfill (``migrations/versions/0005_…``) gives the same rows from the credence table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from schema import Credence, Crux, CruxStance, id_of, table_of

_STANCE: Table = table_of(CruxStance)
_CRUX: Table = table_of(Crux)


def _stance_upsert(insert: Any) -> Any:
    statement = insert(_STANCE)
    new, old = statement.excluded, _STANCE.c
    earlier = new.first_credence_id < old.first_credence_id
    later = new.latest_credence_id > old.latest_credence_id
    return statement.on_conflict_do_update(
        index_elements=[old.crux_id, old.user_id],
        set_={
            "first_credence_id": case((earlier, new.first_credence_id), else_=old.first_credence_id),
            "first_value": case((earlier, new.first_value), else_=old.first_value),
            "latest_credence_id": case((later, new.latest_credence_id), else_=old.latest_credence_id),
            "latest_value": case((later, new.latest_value), else_=old.latest_value),
            "latest_reason": case((later, new.latest_reason), else_=old.latest_reason),
            "updated_at": case((later, new.updated_at), else_=old.updated_at),
            "updates": old.updates + new.updates,
        },
    )


_UPSERT = {"sqlite": _stance_upsert(sqlite.insert), "postgresql": _stance_upsert(postgresql.insert)}
_SPREAD = (
    update(_CRUX)
    .where(_CRUX.c.id == bindparam("crux"))
    .values(
        spread=select(func.max(_STANCE.c.latest_value) - func.min(_STANCE.c.latest_value))
        .where(_STANCE.c.crux_id == bindparam("crux"))
        .scalar_subquery()
    )
)
"""Built once: building a statement costs more than running it."""


def keep_stance(session: Session, credence: Credence) -> None:
    """Fold a just-appended credence (flushed, so it has its id) into its stance row and its crux's spread."""
    session.execute(
        _UPSERT[session.get_bind().dialect.name],
        {
            "crux_id": credence.crux_id,
            "user_id": credence.user_id,
            "first_credence_id": id_of(credence),
            "first_value": credence.value,
            "latest_credence_id": id_of(credence),
            "latest_value": credence.value,
            "latest_reason": credence.reason,
            "updates": 1,
            "updated_at": credence.created_at,
        },
    )
    session.execute(_SPREAD, {"crux": credence.crux_id})
