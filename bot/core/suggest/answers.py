"""Reading a model's answer: a tolerant parse into the prompt's schema, then each suggestion checked against what
was sent. Nothing a model writes is trusted: a claim number or alias not in the material, a person on both sides, a
question that is no question or carries a mention or a link, a duplicate of an open crux — each drops its
suggestion, with the reason shown to the person who asked. What passes is only a private draft until they click."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.core import text as t
from bot.core.errors import DomainError, InvalidInput
from bot.core.suggest.material import Material, Person
from bot.core.suggest.prompts.crux_suggest_v1 import CruxSuggestions, SuggestedCrux
from schema import ClaimNumber

M = TypeVar("M", bound=BaseModel)
FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")
UNSAFE = re.compile(r"<[@#]|@everyone|@here|https?://|discord\.gg/", re.IGNORECASE)


class MalformedAnswer(DomainError):
    """The model's answer is not the JSON its prompt asks for; the message says what is wrong, in one line."""


class ModelUnavailable(DomainError):
    """The model could not be asked or did not answer (not enabled, over the limit, slow, failing, refusing)."""


def parse_answer(raw: str | None, schema: type[M]) -> M:
    """``raw`` read as ``schema``: the JSON object alone, or wrapped in a code fence or in prose around it.
    :class:`MalformedAnswer` otherwise."""
    text = FENCE.sub("", (raw or "").strip())
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise MalformedAnswer("the answer holds no JSON object")
    try:
        return schema.model_validate(json.loads(text[start : end + 1]))
    except json.JSONDecodeError as error:
        raise MalformedAnswer(f"the answer is not valid JSON ({error.msg})") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"])) or "the answer"
        raise MalformedAnswer(f"{where}: {first['msg']}") from None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A suggested crux that passed every check, its people mapped back from aliases."""

    question: str
    claims: tuple[ClaimNumber, ...]
    likely_yes: tuple[Person, ...]
    likely_no: tuple[Person, ...]


@dataclass(frozen=True, slots=True)
class Checked:
    """The suggestions kept, and a line for each one dropped."""

    kept: tuple[Suggestion, ...]
    dropped: tuple[str, ...]


def check_suggestions(answer: CruxSuggestions, material: Material) -> Checked:
    """Each suggestion of ``answer`` kept or dropped (see the module's docstring)."""
    kept: list[Suggestion] = []
    dropped: list[str] = []
    taken = {t.name_key(question) for question in material.cruxes.values()}
    for position, suggested in enumerate(answer.suggestions, 1):
        try:
            suggestion = _checked(suggested, material, taken)
        except InvalidInput as reason:
            dropped.append(f"Suggestion {position} was dropped: {reason}")
            continue
        taken.add(t.name_key(suggestion.question))
        kept.append(suggestion)
    return Checked(tuple(kept), tuple(dropped))


def _checked(suggested: SuggestedCrux, material: Material, taken: set[str]) -> Suggestion:
    question = t.clean_text(suggested.question, "Its question", t.QUESTION_MAX)
    if UNSAFE.search(question):
        raise InvalidInput("its question carries a mention or a link.")
    if not question.endswith("?"):
        raise InvalidInput("its question is not a question.")
    if t.name_key(question) in taken:
        raise InvalidInput("it repeats a crux already named.")
    unknown = sorted(set(suggested.claims) - material.claims)
    if unknown:
        raise InvalidInput(f"it names claim #{unknown[0]}, which was not in what the model was given.")
    if not suggested.claims:
        raise InvalidInput("it names no claim it bears on.")
    strangers = sorted(set(suggested.likely_yes + suggested.likely_no) - set(material.people))
    if strangers:
        raise InvalidInput(f"it names {t.one_line(strangers[0], 20)!r}, who is not in this debate.")
    both = sorted(set(suggested.likely_yes) & set(suggested.likely_no))
    if both:
        raise InvalidInput(f"it puts {both[0]} on both sides.")
    return Suggestion(
        question=question,
        claims=tuple(ClaimNumber(number) for number in sorted(set(suggested.claims))),
        likely_yes=tuple(material.people[alias] for alias in dict.fromkeys(suggested.likely_yes)),
        likely_no=tuple(material.people[alias] for alias in dict.fromkeys(suggested.likely_no)),
    )
