"""A language model's second opinion on an import draft (``bot.core.importing.drafts``): each item's kind and the
earlier item it answers, set beside the rule-based draft — never instead of it. Where the two differ the person
choosing sees both (:func:`differences`); the draft itself is changed only by their choice.

Sent: the draft's items in message order — item number, the speaker's alias, the item it replies to when the
conversation says so, the text with its mentions as aliases (as ``material`` does); never the rule-based kinds, ids
or names. Past the token budget the first items are sent, in order, and the rest get no opinion.

The answer is checked like any other: an opinion on an item not sent, an "answers" that is not an earlier item sent,
a rebuttal or support answering nothing, or a second opinion on one item is dropped, with its reason."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core.debates.lifecycle import Actor
from bot.core.errors import InvalidInput
from bot.core.importing.chat import Shown, apply_to_import
from bot.core.importing.drafts import Draft, Item, ItemKind, text_refusal
from bot.core.suggest.material import ENTRY_TOKENS, Aliases, Person, tokens
from bot.core.suggest.prompts.import_kinds_v1 import ImportKinds, ItemOpinion
from schema import Debate


@dataclass(frozen=True, slots=True)
class DraftMaterial:
    """The document sent about a draft, the items it holds, and who its aliases are."""

    document: str
    items: frozenset[int]
    people: Mapping[str, Person]
    left_out: int = 0


@dataclass(frozen=True, slots=True)
class Opinion:
    """The model's kind for an item, and the item it answers (``None``: none)."""

    kind: ItemKind
    answers: int | None


@dataclass(frozen=True, slots=True)
class Opinions:
    """The opinions kept, by item number, and a line for each one dropped."""

    kept: Mapping[int, Opinion]
    dropped: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Difference:
    """An item where the rules and the model disagree: what each says."""

    item: int
    rules: Opinion
    model: Opinion


def draft_material(draft: Draft, budget: int, replies: Mapping[int, int] | None = None) -> DraftMaterial:
    """What is sent about ``draft`` (see the module's docstring); ``replies``: item → the item its message replies
    to, as the conversation says (default: the parents the rules found, which come from replies)."""
    aliases = Aliases()
    linked = dict(replies) if replies is not None else {i.number: i.parent for i in draft.items if i.parent}
    entries: list[dict[str, object]] = []
    spent = 0
    for item in draft.items:
        spent += tokens(item.text) + ENTRY_TOKENS
        if spent > budget:
            break
        entries.append(_entry(item, linked.get(item.number), aliases))
    document = {"items": entries}
    left_out = len(draft.items) - len(entries)
    return DraftMaterial(
        document=json.dumps(document, ensure_ascii=False, indent=1),
        items=frozenset(int(str(entry["item"])) for entry in entries),
        people=aliases.by_alias(),
        left_out=left_out,
    )


def _entry(item: Item, replies_to: int | None, aliases: Aliases) -> dict[str, object]:
    entry: dict[str, object] = {"item": item.number}
    by = aliases.speaker(item.author_id, item.speaker)
    if by is not None:
        entry["by"] = by
    if replies_to is not None:
        entry["replies_to"] = replies_to
    entry["text"] = aliases.text(item.text)
    return entry


def check_opinions(answer: ImportKinds, material: DraftMaterial) -> Opinions:
    """The opinions of ``answer`` that name only what was sent (see the module's docstring)."""
    kept: dict[int, Opinion] = {}
    dropped: list[str] = []
    for opinion in answer.items:
        reason = _refusal(opinion, material, kept)
        if reason is not None:
            dropped.append(f"The model's opinion on item #{opinion.item} was dropped: {reason}.")
            continue
        kept[opinion.item] = Opinion(ItemKind(opinion.kind), opinion.answers if _answering(opinion) else None)
    return Opinions(kept, tuple(dropped))


def _answering(opinion: ItemOpinion) -> bool:
    return opinion.kind in (ItemKind.REBUTTAL, ItemKind.SUPPORT, ItemKind.CRUX)


def _refusal(opinion: ItemOpinion, material: DraftMaterial, kept: Mapping[int, Opinion]) -> str | None:
    if opinion.item not in material.items:
        return "no such item was sent"
    if opinion.item in kept:
        return "it came twice"
    if opinion.answers is not None and _answering(opinion):
        if opinion.answers not in material.items:
            return f"it answers item #{opinion.answers}, which was not sent"
        if opinion.answers >= opinion.item:
            return f"it answers item #{opinion.answers}, which is not an earlier item"
    if opinion.kind in (ItemKind.REBUTTAL, ItemKind.SUPPORT) and opinion.answers is None:
        return f"a {opinion.kind} must answer an item"
    return None


def differences(draft: Draft, opinions: Opinions) -> list[Difference]:
    """The items (not recorded yet) whose kind or answered item the model sees otherwise than the rules. An item the
    rules link to a claim already in the debate (which the model was not shown) is compared by kind alone."""
    found: list[Difference] = []
    for item in draft.pending:
        model = opinions.kept.get(item.number)
        rules = rules_opinion(item)
        if model is None:
            continue
        if model.kind != rules.kind or (item.parent_claim is None and model.answers != rules.answers):
            found.append(Difference(item.number, rules, model))
    return found


def rules_opinion(item: Item) -> Opinion:
    """What the rule-based draft says of ``item``, in the model's terms (a claim's similarity pre-link is no answer)."""
    answers = item.parent if item.kind is not ItemKind.CLAIM else None
    return Opinion(item.kind, answers)


def choose_model(draft: Draft, difference: Difference) -> Item:
    """Take the model's opinion for ``difference``'s item, the person having chosen it: its kind, and the item it
    answers (a crux bears on it). Returns the item changed."""
    item = draft.item(difference.item)
    refusal = text_refusal(difference.model.kind, item.text)
    if refusal is not None:
        raise InvalidInput(f"Item #{item.number} cannot be a {difference.model.kind.value}: {refusal}.")
    item.kind, item.held = difference.model.kind, None
    if difference.model.answers is not None or item.parent_claim is None:
        item.parent = difference.model.answers
    return item


def describe(opinion: Opinion) -> str:
    """ "rebuttal of #2", "crux on #1", "claim"."""
    if opinion.answers is None:
        return opinion.kind.value
    link = "on" if opinion.kind is ItemKind.CRUX else "of"
    return f"{opinion.kind.value} {link} #{opinion.answers}"


def take_opinion(session: Session, debate: Debate, actor: Actor, draft_id: int, number: int, opinion: Opinion) -> Shown:
    """The importer chose the model's ``opinion`` for item ``number`` of their draft: it is applied and kept. The
    opinion comes back in a button's custom_id, so it is checked again here: an earlier item, a kind its text fits."""

    def take(draft: Draft) -> None:
        item = draft.item(number)
        if item.recorded is not None:
            raise InvalidInput(f"Item #{number} is recorded already.")
        if opinion.answers is not None and not 0 < opinion.answers < number:
            raise InvalidInput(f"Item #{number} can only answer an earlier item, not #{opinion.answers}.")
        if opinion.kind in (ItemKind.REBUTTAL, ItemKind.SUPPORT) and opinion.answers is None:
            raise InvalidInput(f"A {opinion.kind.value} must answer an item.")
        choose_model(draft, Difference(number, rules_opinion(item), opinion))

    return apply_to_import(session, debate, actor, draft_id, take)
