"""The prompts sent to a language model, one versioned file each (``<name>.v<version>.md``), with the schema of the
answer it asks for beside it (``<name>_v<version>.py``). A changed prompt is a new version: answers recorded for an
older one stay comparable."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from pydantic import BaseModel

from bot.core.suggest.prompts import crux_suggest_v1, import_kinds_v1


@dataclass(frozen=True, slots=True)
class Prompt:
    """A prompt's text (the system message), its name and version, and the schema of the answer it asks for."""

    name: str
    version: int
    text: str
    answer: type[BaseModel]

    @property
    def label(self) -> str:
        """``name.vN``: how recordings and logs name it."""
        return f"{self.name}.v{self.version}"


def load(name: str, version: int, answer: type[BaseModel]) -> Prompt:
    """The prompt ``name.v<version>.md`` of this package."""
    text = resources.files(__package__).joinpath(f"{name}.v{version}.md").read_text(encoding="utf-8")
    return Prompt(name, version, text.strip(), answer)


CRUX_SUGGEST = load(crux_suggest_v1.NAME, crux_suggest_v1.VERSION, crux_suggest_v1.CruxSuggestions)
IMPORT_KINDS = load(import_kinds_v1.NAME, import_kinds_v1.VERSION, import_kinds_v1.ImportKinds)
