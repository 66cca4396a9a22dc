"""The rule for whatever spans debates (an agenda's summary, digest and scores, the debate and agenda lists, agenda
autocomplete): it shows a debate only where everyone who will see the answer can see the debate's channel (debates
run in public threads, which follow their parent channel's permissions). Which channels those are is Discord's to
tell (the cogs find them in its cache: ``cogs.common``); here they are applied, in Python or in SQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement

from bot.core.text import plural


class Placed(Protocol):
    """Anything in a channel: a debate, a debate's summary."""

    @property
    def channel_id(self) -> int: ...


Item = TypeVar("Item", bound=Placed)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who will see an answer: the channels (by id) whose debates every one of them can see, and whether the answer
    is posted for everyone in a channel (it then says how many debates it left out) or answered to one person (who
    is not told of what they cannot see)."""

    channel_ids: frozenset[int]
    public: bool = False

    def sees(self, channel_id: int) -> bool:
        """Whether the debates of ``channel_id`` may be shown."""
        return channel_id in self.channel_ids

    def condition(self, channel_column: Any) -> ColumnElement[bool]:
        """The same rule in SQL: ``channel_column`` (a debate's channel) is one these people can see."""
        return channel_column.in_(sorted(self.channel_ids))  # type: ignore[no-any-return]


def visible(items: Sequence[Item], audience: Audience) -> tuple[list[Item], int]:
    """The items whose channel ``audience`` can see, and how many of the rest a public answer tells of (none for a
    private one)."""
    kept = [item for item in items if audience.sees(item.channel_id)]
    return kept, (len(items) - len(kept) if audience.public else 0)


def left_out_note(hidden: int) -> str:
    """What a public answer says of the debates it left out ("" when none)."""
    if not hidden:
        return ""
    debates = plural(hidden, "debate")
    verb = "is" if hidden == 1 else "are"
    return f"{debates} in channels not everyone here can see {verb} not shown."
