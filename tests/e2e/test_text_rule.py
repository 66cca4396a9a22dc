"""Text that breaks things, through Discord: every entry point applies the one text rule (``bot/core/text.py``),
the map and the exports survive any text already stored, and echoed text is shown as typed."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import update

from bot.client import DebateBot
from bot.core import text as t
from bot.core.exports.argmap import png_size
from schema import Claim, Crux, Side
from sim import InteractionResult, SimChannel
from tests.e2e.conftest import World, start_debate
from tests.programs import needs_dot
from tests.snapshot import snapshot

NONCHARACTER = "\uffff"
OPTIONAL = {"agenda", "reason", "outcome"}
"""Texts one may leave out: only blanks there means none."""
MARKUPS = ["<@&1234>", "<#5678>", "</debate start:42>", "<t:1700000000:R>", "<:blob:99>"]
MARKUP = " ".join(MARKUPS)
LIVE_MARKUP = re.compile("|".join(rf"(?<!\\){re.escape(markup)}" for markup in MARKUPS))
"""``MARKUP`` as Discord would draw it (a role mention, a channel or command link, a timestamp, a custom emoji)
rather than show it as typed, which takes a backslash before the ``<``."""


async def _joined_thread(world: World) -> SimChannel:
    thread = await start_debate(world)
    await world.sim.invoke(world.alice, thread, "debate join", side="for")
    return thread


async def _value(world: World, thread: SimChannel, command: str, option: str) -> object:
    return (await world.sim.autocomplete(world.alice, thread, command, option))[0]["value"]


def _entry_points(world: World, thread: SimChannel, text: str) -> dict[str, Callable[[], Awaitable[InteractionResult]]]:
    sim, alice = world.sim, world.alice

    async def in_modal() -> InteractionResult:
        opened = await sim.invoke(alice, thread, "claim")
        assert opened.modal is not None, opened.text
        return await sim.submit_modal(alice, thread, opened.modal["custom_id"], {"text": text})

    async def from_chat() -> InteractionResult:
        return await sim.context_menu(alice, await sim.post_message(alice, thread, text), "Log as claim")

    async def on(command: str, option: str, **options: object) -> InteractionResult:
        for name in ("claim", "crux"):
            if options.get(name) == "?":
                options[name] = await _value(world, thread, command, name)
        return await sim.invoke(alice, thread, command, **{option: text, **options})

    return {
        "topic": lambda: sim.invoke(alice, world.channel, "debate start", topic=text),
        "side": lambda: sim.invoke(alice, world.channel, "debate start", topic="t", sides=f"{text}, b"),
        "agenda": lambda: sim.invoke(alice, world.channel, "debate start", topic="t", agenda=text),
        "claim": lambda: on("claim", "text"),
        "claim in a modal": in_modal,
        "claim from chat": from_chat,
        "rebuttal": lambda: on("rebut", "text", claim="?"),
        "edit": lambda: on("edit", "text", claim="?"),
        "question": lambda: on("crux add", "question"),
        "reason": lambda: on("crux credence", "reason", crux="?", value=50),
        "resolution": lambda: on("crux resolve", "resolution", crux="?"),
        "outcome": lambda: on("debate end", "outcome"),
    }


async def _prepared(world: World) -> SimChannel:
    thread = await _joined_thread(world)
    await world.sim.invoke(world.alice, thread, "claim", text="A standing claim")
    await world.sim.invoke(world.alice, thread, "crux add", question="A question?")
    return thread


async def test_every_entry_point_refuses_noncharacters_and_surrogates_by_name(world: World, bot: DebateBot) -> None:
    thread = await _prepared(world)
    wrong: dict[str, str] = {}
    for character in (NONCHARACTER, "\ufffe", "\ud800"):
        for name, act in _entry_points(world, thread, f"Looks fine{character} but is not").items():
            before = await snapshot(bot.db)
            result = await act()
            expected = f"contains U+{ord(character):04X}, which is not a character"
            if not (result.ephemeral and expected in result.text and await snapshot(bot.db) == before):
                wrong[f"{name} U+{ord(character):04X}"] = result.text
    assert wrong == {}


async def test_every_entry_point_refuses_text_of_only_invisible_or_blank_looking_characters(
    world: World, bot: DebateBot
) -> None:
    thread = await _prepared(world)
    wrong: dict[str, str] = {}
    for name, act in _entry_points(world, thread, "\u034f\ufe0e\ufe0f\u3164\u2800 \u2800").items():
        if name in OPTIONAL:
            continue
        before = await snapshot(bot.db)
        result = await act()
        answer = "has no text to log" if name == "claim from chat" else "is empty: write some text"
        if not (result.ephemeral and answer in result.text and await snapshot(bot.db) == before):
            wrong[name] = result.text
    assert wrong == {}


async def test_emoji_sequences_keep_their_joiners(world: World, bot: DebateBot) -> None:
    thread = await _joined_thread(world)
    family = "👩\u200d👩\u200d👧 \u200bfamilies\u00ad ❤\ufe0f"
    logged = await world.sim.invoke(world.alice, thread, "claim", text=family)
    assert not logged.ephemeral and "👩\u200d👩\u200d👧 families ❤\ufe0f" in logged.text


async def _text_stored_before_the_rule(world: World, bot: DebateBot) -> SimChannel:
    """A debate whose claim, crux and side hold text the rule would refuse, as an earlier version let it in."""
    thread = await _joined_thread(world)
    await world.sim.invoke(world.alice, thread, "claim", text="A claim")
    await world.sim.invoke(world.alice, thread, "crux add", question="A question?")
    stored = f"Stored{NONCHARACTER} before\ufffe the\x01 rule\x0b"
    async with bot.db.write() as session:
        await session.execute(update(Claim).values(text=stored))
        await session.execute(update(Crux).values(question=stored))
        await session.execute(update(Side).where(Side.name == "for").values(name=f"for{NONCHARACTER}"))
    return thread


@needs_dot
async def test_the_map_survives_any_text_already_stored(world: World, bot: DebateBot) -> None:
    thread = await _text_stored_before_the_rule(world, bot)
    mapped = await world.sim.invoke(world.bob, thread, "debate map")
    assert mapped.message is not None and mapped.message.attachments, mapped.text
    assert png_size(mapped.message.attachments[0].data)[0] > 100


async def test_the_exports_and_summary_survive_any_text_already_stored(world: World, bot: DebateBot) -> None:
    thread = await _text_stored_before_the_rule(world, bot)
    for format in ("json", "markdown", "argdown"):
        exported = await world.sim.invoke(world.bob, thread, "debate export", format=format)
        assert exported.message is not None and exported.message.attachments, exported.text
        data = exported.message.attachments[0].data.decode()
        assert "Stored before the rule" in data and NONCHARACTER not in data and "\x01" not in data
    assert json.loads(data if format == "json" else "{}") == {}
    summary = await world.sim.invoke(world.bob, thread, "debate summary")
    assert "Stored before the rule" in summary.text and NONCHARACTER not in summary.text


async def test_echoed_text_is_shown_as_typed_never_as_live_mentions(world: World, bot: DebateBot) -> None:
    sim = world.sim
    started = await sim.invoke(
        world.alice, world.channel, "debate start", topic=f"Topic {MARKUP}", sides=", ".join(MARKUPS), agenda=MARKUP
    )
    assert "started" in started.text, started.text
    thread = sim.threads(world.channel)[-1]
    shown = [started, await sim.invoke(world.alice, thread, "debate join", side="<@&1234>")]
    shown.append(await sim.invoke(world.alice, thread, "claim", text=f"**Claim** {MARKUP}\n# heading"))
    shown.append(await sim.invoke(world.alice, thread, "crux add", question=f"Question {MARKUP}?"))
    crux = await _value(world, thread, "crux credence", "crux")
    shown.append(await sim.invoke(world.alice, thread, "crux credence", crux=crux, value=40, reason=MARKUP))
    shown.append(await sim.invoke(world.alice, thread, "debate status"))
    shown.append(await sim.invoke(world.alice, thread, "debate summary"))
    shown.append(await sim.invoke(world.alice, world.channel, "debate list"))
    shown.append(await sim.invoke(world.alice, world.channel, "agenda list"))
    unknown = f"nothing {MARKUPS[0]} {MARKUPS[3]}"  # a side's name is at most 50 characters
    shown.append(await sim.invoke(world.alice, thread, "debate join", side=unknown))
    texts = [result.text for result in shown] + [message.text for message in sim.messages(thread)]
    assert all("\\<@&1234\\>" in result.text for result in shown[1:3])  # shown, escaped
    assert [text for text in texts if LIVE_MARKUP.search(text)] == []
    assert "nothing \\<@&1234\\>" in shown[-1].text


async def test_the_markdown_export_has_exactly_the_headings_it_means_to_have(world: World, bot: DebateBot) -> None:
    sim = world.sim
    tricky = "Title line\n===\nSub line\n---\n# hash\n1) one\n    code\n<h1>html</h1>\n&copy; [x]: http://y"
    await sim.invoke(world.alice, world.channel, "debate start", topic="Topic ends with #", sides="a #, ## b")
    thread = sim.threads(world.channel)[-1]
    await sim.invoke(world.alice, thread, "debate join", side="a #")
    await sim.invoke(world.alice, thread, "claim", text=tricky)
    claim = await _value(world, thread, "edit", "claim")
    await sim.invoke(world.alice, thread, "edit", claim=claim, text=f"{tricky}\nedited")
    await sim.invoke(world.alice, thread, "crux add", question=tricky, claim=claim)
    crux = await _value(world, thread, "crux credence", "crux")
    await sim.invoke(world.alice, thread, "crux credence", crux=crux, value=40, reason=tricky)
    await sim.invoke(world.alice, thread, "crux resolve", crux=crux, resolution=tricky)
    exported = await sim.invoke(world.bob, thread, "debate export", format="markdown")
    assert exported.message is not None and exported.message.attachments, exported.text
    tokens = MarkdownIt("commonmark").enable("strikethrough").parse(exported.message.attachments[0].data.decode())
    headings = [
        (token.tag, "".join(child.content for child in tokens[index + 1].children or []))
        for index, token in enumerate(tokens)
        if token.type == "heading_open"
    ]
    assert headings == [
        ("h1", "Debate #1: Topic ends with #"),
        ("h2", "Sides"),
        ("h2", "Claims"),
        ("h2", "Cruxes"),
        ("h3", "Crux #1 (resolved)"),
    ]
    kinds = {token.type for token in tokens}
    assert not kinds & {"html_block", "html_inline", "code_block", "fence", "hr", "link_open", "ordered_list_open"}


LONGEST = {
    "topic": t.TOPIC_MAX,
    "side": t.SIDE_MAX,
    "agenda": t.AGENDA_MAX,
    "claim": t.CLAIM_MAX,
    "claim in a modal": t.CLAIM_MAX,
    "claim from chat": 2000,  # a Discord message's longest
    "rebuttal": t.CLAIM_MAX,
    "edit": t.CLAIM_MAX,
    "question": t.QUESTION_MAX,
    "reason": t.REASON_MAX,
    "resolution": t.RESOLUTION_MAX,
    "outcome": t.RESOLUTION_MAX,
}
"""The longest text each entry point takes."""


@pytest.mark.parametrize("entry", list(LONGEST))
async def test_the_longest_text_all_markup_is_answered_within_discords_limits(
    world: World, bot: DebateBot, entry: str
) -> None:
    """Shown as typed, every ``*`` takes a backslash: twice as long, past Discord's limit on an embed's
    description, a field or a message, which Discord then refuses (the record kept, the answer lost)."""
    thread = await _prepared(world)
    answer = await _entry_points(world, thread, "*" * LONGEST[entry])[entry]()
    assert "Something went wrong" not in answer.text, answer.text[:300]
    assert world.sim.errors == []  # no answer, follow-up or post refused
