"""What a language model is sent about a debate, and nothing more.

Sent: the debate's topic; its standing claims (number, kind, the claim each answers, its speaker's alias, its text);
its open cruxes (number, question, linked claims, each participant's latest credence by alias). Never sent: Discord
ids, display or user names, withdrawn claims, resolved cruxes, reasons, anything of another debate or server.

Speakers are local aliases — ``P1``, ``P2`` … in order of first appearance — and so are the mentions inside texts:
``<@id>`` and ``<@!id>`` become the member's alias (a member mentioned but silent gets one too), ``<@&id>`` ``R1`` …,
``<#id>`` ``C1`` …. The aliases are mapped back to members only here, on the operator's machine.

Budget: a text costs ``ceil(characters / 4)`` tokens (about what English takes in common tokenizers). When the debate
exceeds the budget, items are taken in this order until the next one no longer fits, and the rest is left out whole
(never cut inside a text): the topic; the open cruxes, newest first; the top-level claims, newest first; the answers
to claims (rebuttals and supports), newest first. What is sent is then laid out in number order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from math import ceil

from sqlalchemy.orm import Session
from sqlmodel import col, select

from bot.core.debates.formats import Action, require_allowed
from bot.core.errors import InvalidInput
from schema import Claim, ClaimStatus, Crux, CruxClaim, CruxStance, CruxStatus, Debate

CHARS_PER_TOKEN = 4
ENTRY_TOKENS = 12
"""What an entry costs beside its text: its number, kind, links and keys in the JSON document."""
MENTION = re.compile(r"<(@!?|@&|#)(\d+)>")
NOTHING_TO_READ = "There is no standing claim in this debate yet: log a few claims first, then ask for suggestions."


def tokens(text: str) -> int:
    """The tokens ``text`` is counted as against the budget."""
    return ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True, slots=True)
class Person:
    """Someone an alias stands for: a member (``user_id``) or an imported transcript's speaker (``speaker``)."""

    alias: str
    user_id: int | None = None
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class Material:
    """The document sent (JSON text), and what its aliases and numbers mean here."""

    document: str
    people: Mapping[str, Person]
    claims: frozenset[int]
    cruxes: Mapping[int, str]
    left_out: int = 0


@dataclass
class Aliases:
    """Hands out ``P1``, ``R1``, ``C1`` … in order of first appearance, and rewrites the mentions inside texts."""

    people: dict[tuple[str, object], Person] = field(default_factory=dict)
    others: dict[tuple[str, int], str] = field(default_factory=dict)

    def member(self, user_id: int) -> str:
        return self._person(("member", user_id), user_id=user_id)

    def speaker(self, user_id: int | None, speaker: str | None) -> str | None:
        """The alias of whoever wrote a record: its member, else its imported speaker, else none."""
        if user_id is not None:
            return self.member(user_id)
        return self._person(("speaker", speaker), speaker=speaker) if speaker else None

    def text(self, text: str) -> str:
        """``text`` with every mention replaced by an alias."""
        return MENTION.sub(self._mention, text)

    def _mention(self, match: re.Match[str]) -> str:
        kind, number = match[1], int(match[2])
        if kind.startswith("@") and kind != "@&":
            return self.member(number)
        prefix = "R" if kind == "@&" else "C"
        return self.others.setdefault((prefix, number), f"{prefix}{sum(p == prefix for p, _ in self.others) + 1}")

    def _person(self, key: tuple[str, object], user_id: int | None = None, speaker: str | None = None) -> str:
        if key not in self.people:
            self.people[key] = Person(f"P{len(self.people) + 1}", user_id, speaker)
        return self.people[key].alias

    def by_alias(self) -> dict[str, Person]:
        return {person.alias: person for person in self.people.values()}


def crux_material(session: Session, debate: Debate, budget: int) -> Material:
    """What ``/crux suggest`` sends about ``debate`` (see the module's docstring), within ``budget`` tokens.
    Refuses a debate whose phase takes no cruxes, or one without a standing claim."""
    require_allowed(debate, Action.CRUX)
    standing = select(Claim).where(Claim.debate_id == debate.id, Claim.status == ClaimStatus.STANDING)
    claims = list(session.execute(standing).scalars())
    if not claims:
        raise InvalidInput(NOTHING_TO_READ)
    still_open = select(Crux).where(Crux.debate_id == debate.id, Crux.status == CruxStatus.OPEN)
    open_cruxes = list(session.execute(still_open).scalars())
    chosen_cruxes, chosen_claims, left_out = _within_budget(debate.topic, open_cruxes, claims, budget)
    links, stances = _links(session, chosen_cruxes), _stances(session, chosen_cruxes)
    aliases = Aliases()
    numbers = {claim.id: claim.number for claim in claims}
    document = {
        "topic": aliases.text(debate.topic),
        "claims": [_claim_entry(claim, numbers, aliases) for claim in sorted(chosen_claims, key=_number)],
        "open_cruxes": [
            {
                "number": crux.number,
                "question": aliases.text(crux.question),
                "claims": sorted(numbers[claim] for claim in links.get(crux.id or 0, []) if claim in numbers),
                "credences": {aliases.member(user): value for user, value in stances.get(crux.id or 0, [])},
            }
            for crux in sorted(chosen_cruxes, key=_number)
        ],
    }
    if left_out:
        document["left_out"] = f"{left_out} older records, over the length limit"
    return Material(
        document=json.dumps(document, ensure_ascii=False, indent=1),
        people=aliases.by_alias(),
        claims=frozenset(claim.number for claim in chosen_claims),
        cruxes={crux.number: crux.question for crux in open_cruxes},
        left_out=left_out,
    )


def _number(record: Claim | Crux) -> int:
    return record.number


def _claim_entry(claim: Claim, numbers: Mapping[int | None, int], aliases: Aliases) -> dict[str, object]:
    entry: dict[str, object] = {"number": claim.number, "kind": claim.kind.value}
    if claim.parent_id is not None and claim.parent_id in numbers:
        entry["answers"] = numbers[claim.parent_id]
    by = aliases.speaker(claim.author_id, claim.speaker)
    if by is not None:
        entry["by"] = by
    entry["text"] = aliases.text(claim.text)
    return entry


def _within_budget(
    topic: str, cruxes: list[Crux], claims: list[Claim], budget: int
) -> tuple[list[Crux], list[Claim], int]:
    """The cruxes and claims sent, taken in the stated order while they fit; and how many were left out."""
    spent = tokens(topic)
    newest_first = sorted(cruxes, key=_number, reverse=True)
    top_level = sorted((c for c in claims if c.parent_id is None), key=_number, reverse=True)
    answers = sorted((c for c in claims if c.parent_id is not None), key=_number, reverse=True)
    queue: list[Crux | Claim] = [*newest_first, *top_level, *answers]
    fitting = 0
    for record in queue:
        spent += tokens(record.question if isinstance(record, Crux) else record.text) + ENTRY_TOKENS
        if spent > budget:
            break
        fitting += 1
    chosen = queue[:fitting]
    return (
        [r for r in chosen if isinstance(r, Crux)],
        [r for r in chosen if isinstance(r, Claim)],
        len(queue) - fitting,
    )


def _links(session: Session, cruxes: list[Crux]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    statement = select(CruxClaim).where(col(CruxClaim.crux_id).in_([crux.id for crux in cruxes]))
    for link in session.execute(statement).scalars():
        found.setdefault(link.crux_id, []).append(link.claim_id)
    return found


def _stances(session: Session, cruxes: list[Crux]) -> dict[int, list[tuple[int, int]]]:
    found: dict[int, list[tuple[int, int]]] = {}
    statement = (
        select(CruxStance)
        .where(col(CruxStance.crux_id).in_([crux.id for crux in cruxes]))
        .order_by(col(CruxStance.updated_at))
    )
    for stance in session.execute(statement).scalars():
        found.setdefault(stance.crux_id, []).append((stance.user_id, stance.latest_value))
    return found
