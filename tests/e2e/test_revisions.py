"""Edits keep their history, and it is shown: "(edited)" wherever an entry is shown, its earlier texts with their
times in the exports and, privately, in Discord (/history)."""

from __future__ import annotations

from bot.client import DebateBot
from bot.core.exports.record import DebateExport
from sim import InteractionResult, SimChannel
from tests.e2e.conftest import World, start_debate

FIRST, SECOND, THIRD = "Interp tools generalise", "Interp tools generalise to larger models", "They do, per 2024 work"


def _file(result: InteractionResult) -> bytes:
    assert result.message is not None and len(result.message.attachments) == 1, result.text
    return result.message.attachments[0].data


async def _edited_debate(world: World) -> tuple[SimChannel, int]:
    """A debate whose Claim #1 was edited twice and is linked to a crux; Claim #2 was never edited."""
    sim = world.sim
    thread = await start_debate(world)
    await sim.invoke(world.alice, thread, "debate join", side="for")
    await sim.invoke(world.alice, thread, "claim", text=FIRST)
    await sim.invoke(world.alice, thread, "claim", text="Never edited")
    claim = next(c["value"] for c in await sim.autocomplete(world.alice, thread, "edit", "claim", value="1"))
    for text in (SECOND, THIRD):
        edited = await sim.invoke(world.alice, thread, "edit", claim=claim, text=text)
        assert "Claim #1 edited" in edited.text and "/history" in edited.text
    await sim.invoke(world.alice, thread, "crux add", question="Do circuits transfer?", claim=claim)
    return thread, claim


async def test_history_shows_every_earlier_text_with_its_time_privately(world: World, bot: DebateBot) -> None:
    thread, claim = await _edited_debate(world)
    seen = len(world.sim.messages(thread))
    history = await world.sim.invoke(world.bob, thread, "history", claim=claim)
    assert history.ephemeral and len(world.sim.messages(thread)) == seen
    text = history.text
    assert "Claim #1 (edited): its texts" in text
    assert text.index(FIRST) < text.index(SECOND) < text.index("Current text") < text.index(THIRD)
    assert text.count("replaced <t:") == 2 and text.count(world.alice.mention) == 2
    never = await world.sim.invoke(world.bob, thread, "history", claim=claim + 1)
    assert never.ephemeral and "Never edited" in never.text and "(edited)" not in never.text


async def test_edited_entries_are_marked_wherever_they_are_shown(world: World, bot: DebateBot) -> None:
    thread, _ = await _edited_debate(world)
    sim = world.sim
    offered = [c["name"] for c in await sim.autocomplete(world.bob, thread, "rebut", "claim")]
    assert offered == ["#2 Never edited", f"#1 (edited) {THIRD}"]
    loose = await sim.post_message(world.alice, thread, "That is wrong.")
    asked = await sim.context_menu(world.alice, loose, "Log as rebuttal")
    assert asked.message is not None, asked.text
    picker = asked.message.components[0]["components"][0]
    assert [option["label"] for option in picker["options"]] == offered
    summary = await sim.invoke(world.bob, thread, "debate summary")
    assert f"↳ Claim #1 (stands) (edited): {THIRD}" in summary.text
    listed = await sim.invoke(world.bob, thread, "crux list")
    assert "↳ Claim #1 (stands) (edited)" in listed.text

    exported = await sim.invoke(world.bob, thread, "debate export", format="json")
    record = DebateExport.model_validate_json(_file(exported))
    first, second = record.claims
    assert (first.text, [r.text for r in first.revisions], second.revisions) == (THIRD, [FIRST, SECOND], [])
    assert first.created_at <= first.revisions[0].replaced_at <= first.revisions[1].replaced_at
    assert {r.replaced_by_id for r in first.revisions} == {world.alice.id}

    markdown = _file(await sim.invoke(world.bob, thread, "debate export", format="markdown")).decode()
    item = next(line for line in markdown.splitlines() if line.startswith("- **#1**"))
    assert item.endswith(f"*(edited)*: {THIRD}")
    earlier = [line for line in markdown.splitlines() if "Earlier text, replaced" in line]
    assert [line.rsplit(":* ", 1)[1] for line in earlier] == [FIRST, SECOND]
    assert all(line.startswith("  - *Earlier text, replaced 20") and " UTC by " in line for line in earlier)
    assert "(edited)" not in next(line for line in markdown.splitlines() if line.startswith("- **#2**"))
    argdown = _file(await sim.invoke(world.bob, thread, "debate export", format="argdown")).decode()
    assert "#edited" in next(line for line in argdown.splitlines() if line.startswith("[C1]"))
