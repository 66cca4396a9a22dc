"""Similar records in Discord: the hint that a claim or crux just logged looks like an earlier one (a follow-up to
the answer), and its button to withdraw the new record in favour of the earlier one. The rule is in
``bot.core.claims.similar``; the embedding in ``bot.runtime.similar``."""

from __future__ import annotations

import re
from typing import Any, Self

import discord

from bot.client import DebateBot
from bot.core.claims.similar import Hint, HintTarget, Record
from bot.core.cruxes.lifecycle import withdraw_in_favour
from bot.core.records import RecordId
from cogs.common import Interaction, actor, write_debate_in_place
from cogs.views import DebateButton, label_of


def hint_if_duplicate(interaction: Interaction, record: Record, record_id: RecordId) -> None:
    """After answering ``interaction`` with a new claim or crux: compare it with the debate's records in the background
    and, if one looks the same (or, a claim, says the opposite), follow the answer up with a hint."""

    async def follow_up(hint: Hint) -> None:
        if hint.offers_withdrawal:
            await interaction.followup.send(hint.text, view=hint_view(hint))
        else:  # an opposite: it answers the original, nothing to withdraw
            await interaction.followup.send(hint.text)

    interaction.client.similar.after_logged(record, record_id, follow_up)


def embed_later(interaction: Interaction, record: Record, record_id: RecordId) -> None:
    """After answering ``interaction`` with a new or edited record: store its vector in the background (no hint)."""
    interaction.client.similar.after_logged(record, record_id)


class WithdrawDuplicateButton(
    DebateButton, template=r"similar:withdraw:(?P<record>claim|crux):(?P<new>\d+):(?P<original>\d+)"
):
    """“Withdraw #new in favour of #original” on a hint; for the new record's author or a moderator."""

    def __init__(self, target: HintTarget, label: str = "Withdraw") -> None:
        custom_id = f"similar:withdraw:{target.record.value}:{target.new_id}:{target.original_number}"
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id))
        self.target = target

    @classmethod
    def restore(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> Self:
        target = HintTarget.of(Record(match["record"]), int(match["new"]), int(match["original"]))
        return cls(target, label_of(item, "Withdraw"))

    async def press(self, interaction: Interaction) -> None:
        done = await write_debate_in_place(interaction, withdraw_in_favour, actor(interaction), self.target)
        hint = interaction.message.content if interaction.message else ""
        await interaction.response.edit_message(content=f"{hint}\n**{done}** ({interaction.user.mention})", view=None)


def hint_view(hint: Hint) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(WithdrawDuplicateButton(hint.target, hint.button_label))
    return view


async def setup(bot: DebateBot) -> None:
    bot.add_dynamic_items(WithdrawDuplicateButton)
