"""Display names: each user's name in a server as last seen when they acted, so that exports read outside Discord.

The bot has no member intent, so it learns a name from the user's own interactions: a new nickname shows at their
next one. :func:`remember_name` writes a name only when it changed (the runtime's cache, ``bot.runtime.names``, calls it
only then); :func:`names_of` reads them for an export.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col, select

from bot.core.text import displayable
from schema import MemberName, table_of

NAME_MAX = 100
"""Discord's display names are at most 32 characters; anything longer is cut to this when stored."""
_NAME: Table = table_of(MemberName)


def _name_upsert(insert: object) -> object:
    statement = insert(_NAME)  # type: ignore[operator]
    return statement.on_conflict_do_update(
        index_elements=[_NAME.c.guild_id, _NAME.c.user_id],
        set_={"name": statement.excluded.name, "seen_at": statement.excluded.seen_at},
        where=_NAME.c.name != statement.excluded.name,
    )


_UPSERT = {"sqlite": _name_upsert(sqlite.insert), "postgresql": _name_upsert(postgresql.insert)}


def remember_name(session: Session, guild_id: int, user_id: int, name: str, at: datetime) -> None:
    """Keep ``name`` as the user's display name in the guild; a row holding the same name is left as it is."""
    statement = _UPSERT[session.get_bind().dialect.name]
    session.execute(statement, {"guild_id": guild_id, "user_id": user_id, "name": name[:NAME_MAX], "seen_at": at})  # type: ignore[call-overload]


def names_of(session: Session, guild_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    """The display names known for ``user_ids`` in the guild, as :func:`displayable` single lines."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(MemberName.user_id, MemberName.name).where(
            MemberName.guild_id == guild_id, col(MemberName.user_id).in_(wanted)
        )
    )
    shown = {user_id: displayable(name, multiline=False) for user_id, name in rows}
    return {user_id: name for user_id, name in shown.items() if name.strip()}
