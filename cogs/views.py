"""Generic pieces of persistent UI: the text modal, :func:`text_or_modal`, and :class:`Persistent`, the one typed base
of the buttons and selects that survive restarts (dynamic items carrying ids in their custom_id). Modals survive them
too: a submission is routed by a custom_id carrying what its handler needs (``bot.client.ModalRoutes``). Each
feature's own buttons and modals live beside its commands, in its cog."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Self, TypeVar, cast

import discord

from bot.client import MODAL_PREFIX, handle
from bot.core import text as t
from cogs.common import DebateCheck, Interaction, check_open_debate

ItemT = TypeVar("ItemT", bound="discord.ui.Item[Any]")
ClientT = TypeVar("ClientT", bound=discord.Client)
TextHandler = Callable[[Interaction, str], Awaitable[None]]
TEXT = "text"
"""The custom_id of a text modal's one input."""


async def ask(interaction: Interaction, modal: discord.ui.Modal) -> None:
    """Open ``modal``. It is stopped first, so discord.py keeps no copy in memory: its submission, before or after a
    restart, is routed by its custom_id (``bot.client.ModalRoutes``), which carries what its handler needs."""
    modal.stop()
    await interaction.response.send_modal(modal)


def text_modal(custom_id: str, *, title: str, label: str = "Text", max_length: int = t.CLAIM_MAX) -> discord.ui.Modal:
    """A modal asking for one long text (up to Discord's 4,000 characters), submitted as ``TEXT``."""
    modal = discord.ui.Modal(title=t.one_line(title, 45), custom_id=MODAL_PREFIX + custom_id)
    modal.add_item(
        discord.ui.TextInput(label=label, style=discord.TextStyle.paragraph, max_length=max_length, custom_id=TEXT)
    )
    return modal


async def text_or_modal(
    interaction: Interaction,
    text: str | None,
    handler: TextHandler,
    modal: Callable[[Any], discord.ui.Modal],
    check: DebateCheck | None = None,
) -> None:
    """Run ``handler`` with ``text``, or, when it was left out, ask for it in ``modal(checked)`` first — after
    ``check`` (on the open debate of the thread) has found nothing to refuse, so that nobody types a text only to see
    it refused; ``checked`` is what ``check`` returned."""
    if text is None:
        checked = await check_open_debate(interaction, check) if check is not None else None
        await ask(interaction, modal(checked))
    else:
        await handler(interaction, text)


class Persistent(discord.ui.DynamicItem[ItemT], template=r"never-matches^"):
    """A persistent button or select (``ItemT``): rebuilt from its custom_id by :meth:`restore` (matched against the
    subclass's ``template``), and its :meth:`press` run like a command (errors answered to the user, counted while
    it runs; see ``bot.client.handle``). Subclasses implement those two, with the types of this bot."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[ClientT], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls.restore(match, item)

    @classmethod
    def restore(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> Self:
        """The item described by ``match`` (its template on a pressed component's custom_id); ``item`` is that
        component as Discord sent it back (see :func:`label_of`)."""
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction[ClientT]) -> None:
        # discord.py types an item's interaction for any client; these items are added to a DebateBot only.
        ours = cast(Interaction, interaction)
        await handle(ours, partial(self.press, ours))

    async def press(self, interaction: Interaction) -> None:
        """What a press (or a pick, for a select) does."""
        raise NotImplementedError


DebateButton = Persistent[discord.ui.Button[Any]]
DebateSelect = Persistent[discord.ui.Select[Any]]


def label_of(item: discord.ui.Item[Any], default: str) -> str:
    """The label of a pressed button as Discord sent it back; ``default`` if it has none."""
    return (item.label if isinstance(item, discord.ui.Button) else None) or default
