"""Language-model help in Discord (``bot.runtime.llm``), when the operator enabled it.

/crux suggest: up to three cruxes a language model suggests for this debate, as a private draft whose asker Accepts
one (then it is an ordinary crux they named), Edits it first (the crux form, prefilled) or Dismisses it. Nothing is
posted or stored without that click. The command joins the /crux group of ``cogs.cruxes``.

/debate import: once the rule-based draft is shown (``cogs.imports`` dispatches ``import_drafted``), the model's
opinion of each item follows privately where it differs, both shown, each with a button to take the model's."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial
from typing import Any, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import MODAL_PREFIX, DebateBot, handle
from bot.core import text as t
from bot.core.errors import DomainError
from bot.core.importing import chat
from bot.core.importing.drafts import ItemKind
from bot.core.suggest import answers, drafting
from bot.core.suggest.answers import Checked, Suggestion
from bot.core.suggest.material import Material, Person, crux_material
from bot.core.suggest.prompts import CRUX_SUGGEST
from bot.core.suggest.prompts.crux_suggest_v1 import CruxSuggestions
from bot.runtime.llm import LanguageModel, draft_opinions
from cogs import render
from cogs.common import Interaction, actor, check_logging_rate, defer, read_debate, respond, write_debate
from cogs.cruxes import name_crux
from cogs.imports import draft_embed, draft_view
from cogs.views import TEXT, DebateButton, ask

DRAFT_MINUTES = 15
"""How long a draft's buttons work (an interaction's token lasts 15 minutes; the draft is kept nowhere else)."""
EXPIRED = f"This draft has expired (its buttons work for {DRAFT_MINUTES} minutes): run /crux suggest again."
FOOTER = "Only you see this draft. Accept posts it as your crux; Edit lets you change it first; nothing is kept."


class SuggestCog(commands.Cog):
    """Holds the bot's language model (``bot.runtime.llm``) for /crux suggest."""

    def __init__(self, bot: DebateBot) -> None:
        self.model = LanguageModel(bot.settings)

    async def cog_unload(self) -> None:
        await self.model.close()

    @commands.Cog.listener()
    async def on_import_drafted(self, interaction: Interaction, shown: chat.Shown) -> None:
        """The model's opinion of a new import draft, privately, where it differs from the rules'."""
        if self.model.enabled and shown.draft.pending:
            await second_opinion(interaction, self.model, shown)


async def suggest(interaction: Interaction) -> None:
    """Ask the model for cruxes and show them privately as a draft (see the module's docstring)."""
    cog = interaction.client.get_cog(SuggestCog.__cog_name__)
    assert isinstance(cog, SuggestCog)
    cog.model.require()
    await defer(interaction, private=True)
    material = await read_debate(interaction, crux_material, cog.model.budget)
    answer = await cog.model.ask(interaction.guild_id or 0, CRUX_SUGGEST, material.document, CruxSuggestions)
    checked = answers.check_suggestions(answer, material)
    if not checked.kept:
        reasons = render.escape("\n".join(checked.dropped), 1900) if checked.dropped else "It suggested nothing."
        await respond(interaction, f"No usable suggestion came back; nothing was stored.\n{reasons}", ephemeral=True)
        return
    draft = SuggestionDraft(interaction, checked, material)
    await respond(interaction, embed=draft.embed(), view=draft, ephemeral=True)


class SuggestionDraft(discord.ui.View):
    """The private draft: a line per suggestion, and Accept / Edit / Dismiss for each."""

    def __init__(self, origin: Interaction, checked: Checked, material: Material) -> None:
        super().__init__(timeout=DRAFT_MINUTES * 60)
        self.origin = origin
        self.clock = origin.client.clock
        self.expires_at = origin.created_at + timedelta(minutes=DRAFT_MINUTES)
        self.checked = checked
        self.left_out = material.left_out
        self.done: dict[int, str] = {}
        for index in range(len(checked.kept)):
            for action, style in (
                ("Accept", discord.ButtonStyle.success),
                ("Edit", discord.ButtonStyle.secondary),
                ("Dismiss", discord.ButtonStyle.secondary),
            ):
                button: discord.ui.Button[SuggestionDraft] = discord.ui.Button(
                    label=f"{action} {index + 1}", style=style, custom_id=f"suggest:{origin.id}:{action}:{index}"
                )
                # discord.py declares an item's callback a method; a plain view's button may be given a function.
                button.callback = partial(self._pressed, action, index)  # type: ignore[method-assign]
                self.add_item(button)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Refuse a press once the draft cannot be edited any more (discord.py restarts a view's timeout at each
        press, but the asker's token lasts :data:`DRAFT_MINUTES` from /crux suggest), and stop the draft."""
        if self.clock.now() < self.expires_at:
            return True
        self.stop()
        await interaction.response.send_message(EXPIRED, ephemeral=True)
        return False

    def embed(self) -> discord.Embed:
        embed = discord.Embed(title="Suggested cruxes", colour=discord.Colour.gold())
        for index, suggestion in enumerate(self.checked.kept):
            status = self.done.get(index)
            embed.add_field(
                name=f"{index + 1}." + (f" ({status})" if status else ""),
                value=suggestion_text(suggestion),
                inline=False,
            )
        notes = [*self.checked.dropped]
        if self.left_out:
            notes.append(f"{t.plural(self.left_out, 'older record')} left out: more than the model is given to read.")
        embed.description = render.escape("\n".join(notes), render.DESCRIPTION_MAX) if notes else None
        embed.set_footer(text=FOOTER)
        return embed

    async def _pressed(self, action: str, index: int, interaction: Interaction) -> None:
        await handle(interaction, partial(getattr(self, action.lower()), interaction, index))

    async def accept(self, interaction: Interaction, index: int) -> None:
        suggestion = self.checked.kept[index]
        await check_logging_rate(interaction)
        await name_crux(interaction, suggestion.question, suggestion.claims[0])
        await self._settle(index, "accepted")

    async def edit(self, interaction: Interaction, index: int) -> None:
        suggestion = self.checked.kept[index]
        await ask(interaction, edit_modal(suggestion))

    async def dismiss(self, interaction: Interaction, index: int) -> None:
        await interaction.response.defer()
        await self._settle(index, "dismissed")

    async def _settle(self, index: int, status: str) -> None:
        self.done[index] = status
        for item in self.children:
            if isinstance(item, discord.ui.Button) and (item.custom_id or "").endswith(f":{index}"):
                item.disabled = True
        await self.origin.edit_original_response(embed=self.embed(), view=self)


def suggestion_text(suggestion: Suggestion) -> str:
    """A suggestion as the draft shows it: the question as written, the claims, who would likely say yes and no."""
    lines = [
        render.escape(suggestion.question, render.FIELD_MAX // 2),
        "Bears on " + ", ".join(f"#{number}" for number in suggestion.claims),
    ]
    for side, people in (("yes", suggestion.likely_yes), ("no", suggestion.likely_no)):
        if people:
            lines.append(f"Likely {side}: " + ", ".join(_who(person) for person in people))
    text = "\n".join(lines)
    return text if len(text) <= render.FIELD_MAX else text[: render.FIELD_MAX - 1] + "…"


def _who(person: Person) -> str:
    return render.author(person.user_id, person.speaker)


def edit_modal(suggestion: Suggestion) -> discord.ui.Modal:
    """The crux form (``cogs.cruxes``), prefilled with the suggestion and linked to its first claim."""
    modal = discord.ui.Modal(title="Your crux", custom_id=f"{MODAL_PREFIX}crux:{suggestion.claims[0]}")
    modal.add_item(
        discord.ui.TextInput[Any](
            label="What would change your mind?",
            style=discord.TextStyle.paragraph,
            max_length=t.QUESTION_MAX,
            default=suggestion.question,
            custom_id=TEXT,
        )
    )
    return modal


OPINIONS_SHOWN = 10
"""Differences shown with a button (two a row, five rows); the message counts the others."""


async def second_opinion(interaction: Interaction, model: LanguageModel, shown: chat.Shown) -> None:
    """Ask the model about the import draft ``shown`` and tell the importer, privately, where it differs."""
    try:
        opinions = await draft_opinions(model, interaction.guild_id or 0, shown.draft)
    except DomainError as error:
        note = f"No second opinion from the language model ({error}); the draft is the rules' alone."
        await interaction.followup.send(note[:2000], ephemeral=True)
        return
    found = drafting.differences(shown.draft, opinions)
    lines = [*opinions.dropped]
    view = discord.ui.View(timeout=None)
    for difference in found[:OPINIONS_SHOWN]:
        rules, model_says = drafting.describe(difference.rules), drafting.describe(difference.model)
        lines.append(f"#{difference.item}: the rules draft a {rules}; the language model, a {model_says}.")
        view.add_item(TakeOpinion(shown.row.id, difference.item, difference.model))
    if len(found) > OPINIONS_SHOWN:
        lines.append(f"… and {len(found) - OPINIONS_SHOWN} more, not shown.")
    heading = (
        "The language model sees these items otherwise. Take its opinion with a button; the draft stays the rules' "
        "where you do not."
        if found
        else "The language model sees every item as the draft does."
    )
    content = "\n".join([heading, *lines])
    await interaction.followup.send(content[:2000], view=view if found else discord.utils.MISSING, ephemeral=True)


OPINION_ID = r"import-model:(?P<draft>\d+):(?P<item>\d+):(?P<kind>claim|rebuttal|support|crux):(?P<answers>\d*)"


class TakeOpinion(DebateButton, template=OPINION_ID):
    """Takes the model's opinion of one item of an import draft; the opinion is in its custom_id (checked again by
    ``drafting.take_opinion``), so it works after a restart too, for the draft's importer alone."""

    def __init__(self, draft_id: int, number: int, opinion: drafting.Opinion) -> None:
        answers = "" if opinion.answers is None else str(opinion.answers)
        custom_id = f"import-model:{draft_id}:{number}:{opinion.kind.value}:{answers}"
        label = f"#{number}: take {drafting.describe(opinion)}"
        super().__init__(discord.ui.Button(label=label[:80], custom_id=custom_id))
        self.draft_id, self.number, self.opinion = draft_id, number, opinion

    @classmethod
    def restore(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> Self:
        answers = int(match["answers"]) if match["answers"] else None
        return cls(int(match["draft"]), int(match["item"]), drafting.Opinion(ItemKind(match["kind"]), answers))

    async def press(self, interaction: Interaction) -> None:
        shown = await write_debate(
            interaction, drafting.take_opinion, actor(interaction), self.draft_id, self.number, self.opinion
        )
        note = f"Item #{self.number} is now a {drafting.describe(self.opinion)}."
        await respond(interaction, note, embed=draft_embed(shown), view=draft_view(shown), ephemeral=True)


async def setup(bot: DebateBot) -> None:
    """Register the cog, and /crux suggest in the /crux group (loaded after ``cogs.cruxes``)."""
    crux = bot.tree.get_command("crux")
    assert isinstance(crux, app_commands.Group), "cogs.cruxes must load first"
    crux.add_command(
        app_commands.Command(
            name="suggest",
            description="Cruxes a language model suggests for this debate, as a private draft (if enabled)",
            callback=suggest,
        )
    )
    bot.add_dynamic_items(TakeOpinion)
    await bot.add_cog(SuggestCog(bot))
