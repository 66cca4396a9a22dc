"""The answer ``crux_suggest.v1.md`` asks for: up to three cruxes, each a question with the claims it bears on and
who would likely answer yes or no (by alias)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.core import text as t

NAME = "crux_suggest"
VERSION = 1
MAX_SUGGESTIONS = 3
MAX_CLAIMS = 10
MAX_PEOPLE = 50


class SuggestedCrux(BaseModel):
    """One suggested crux, as the model wrote it."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=t.QUESTION_MAX)
    claims: list[int] = Field(max_length=MAX_CLAIMS)
    likely_yes: list[str] = Field(max_length=MAX_PEOPLE)
    likely_no: list[str] = Field(max_length=MAX_PEOPLE)


class CruxSuggestions(BaseModel):
    """The whole answer."""

    model_config = ConfigDict(extra="forbid")

    suggestions: list[SuggestedCrux] = Field(max_length=MAX_SUGGESTIONS)
