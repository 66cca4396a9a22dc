"""The answer ``import_kinds.v1.md`` asks for: each draft item's kind and the earlier item it answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NAME = "import_kinds"
VERSION = 1
MAX_ITEMS = 500


class ItemOpinion(BaseModel):
    """The model's opinion of one item."""

    model_config = ConfigDict(extra="forbid")

    item: int
    kind: Literal["claim", "rebuttal", "support", "crux"]
    answers: int | None


class ImportKinds(BaseModel):
    """The whole answer."""

    model_config = ConfigDict(extra="forbid")

    items: list[ItemOpinion] = Field(max_length=MAX_ITEMS)
