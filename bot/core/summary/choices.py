"""Autocomplete: the records of the current debate that match what a user typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, false
from sqlalchemy.orm import Session
from sqlmodel import col, func, select

from bot.core import text as t
from bot.core.claims.arguments import LABEL_MAX, claim_label, edited
from bot.core.debates.lifecycle import KEY_MAX, sides_of
from bot.core.visibility import Audience
from schema import Agenda, Claim, ClaimStatus, Crux, CruxStatus, Debate, id_of

CHOICES_MAX = 25


@dataclass(frozen=True, slots=True)
class Choice:
    """An autocomplete choice: a record's number in its debate (an agenda's id, a side's name) and how it is shown."""

    value: int | str
    label: str


def claim_choices(session: Session, debate: Debate, typed: str) -> list[Choice]:
    """Standing claims of this debate matching what was typed (number or words), newest first."""
    statement = select(Claim).where(Claim.debate_id == debate.id, Claim.status == ClaimStatus.STANDING)
    statement = _matching(statement, col(Claim.number), col(Claim.text), typed).order_by(col(Claim.number).desc())
    rows = session.execute(statement.add_columns(edited(col(Claim.id))).limit(CHOICES_MAX)).all()
    return [Choice(claim.number, claim_label(claim, edited=was_edited)) for claim, was_edited in rows]


def crux_choices(session: Session, debate: Debate, typed: str, status: CruxStatus = CruxStatus.OPEN) -> list[Choice]:
    """Cruxes of this debate with ``status`` matching what was typed, newest first."""
    statement = select(Crux).where(Crux.debate_id == debate.id, Crux.status == status)
    statement = _matching(statement, col(Crux.number), col(Crux.question), typed).order_by(col(Crux.number).desc())
    cruxes = session.execute(statement.limit(CHOICES_MAX)).scalars()
    return [Choice(crux.number, _label(f"#{crux.number}", crux.question)) for crux in cruxes]


def resolved_crux_choices(session: Session, debate: Debate, typed: str) -> list[Choice]:
    return crux_choices(session, debate, typed, CruxStatus.RESOLVED)


def side_choices(session: Session, debate: Debate, typed: str) -> list[Choice]:
    """The debate's sides whose names contain what was typed."""
    key = t.name_key(typed)
    return [Choice(side.name, side.name) for side in sides_of(session, debate) if key in side.name_key]


def agenda_choices(session: Session, guild_id: int, typed: str, audience: Audience) -> list[Choice]:
    """The guild's agendas whose names contain what was typed, by name: those with a debate ``audience`` may see, or
    with none yet."""
    debates = select(Debate.id).where(col(Debate.agenda_id) == col(Agenda.id))
    seen = debates.where(audience.condition(col(Debate.channel_id)))
    statement = (
        select(Agenda)
        .where(Agenda.guild_id == guild_id, exists(seen) | ~exists(debates))
        .order_by(col(Agenda.name_key))
    )
    if typed.strip():
        statement = statement.where(col(Agenda.name_key).contains(t.name_key(typed)))
    agendas = session.execute(statement.limit(CHOICES_MAX)).scalars()
    return [Choice(id_of(agenda), t.one_line(agenda.name, LABEL_MAX)) for agenda in agendas]


def _matching(statement: Any, number: Any, text: Any, typed: str) -> Any:
    """``statement`` narrowed to records whose number is ``typed`` ("3", "#3") or whose text contains it."""
    typed = typed.strip().lstrip("#")
    if not typed:
        return statement
    if typed.isdecimal():
        return statement.where(number == int(typed)) if int(typed) <= KEY_MAX else statement.where(false())
    return statement.where(func.lower(text).contains(typed.lower()))


def _label(prefix: str, body: str) -> str:
    return t.one_line(f"{prefix} {t.displayable(body)}", LABEL_MAX)
