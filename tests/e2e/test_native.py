"""Discord's own rules on the synced commands: offered in servers only, and options bounded so that Discord's client
refuses input out of bounds before the bot sees it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.client import DebateBot
from bot.core import text as t
from bot.core.debates.lifecycle import KEY_MAX, MINUTES_MAX, SIDES_MAX
from bot.core.importing.chat import HISTORY_MAX
from sim import MANAGE_THREADS, ClientRefusal
from sim.models import JSON
from tests.e2e.conftest import World, start_debate
from tests.snapshot import snapshot

TEXT_LIMITS = {
    "debate start topic": t.TOPIC_MAX,
    "debate start agenda": t.AGENDA_MAX,
    "debate start sides": SIDES_MAX,
    "debate join side": t.SIDE_MAX,
    "debate end outcome": t.RESOLUTION_MAX,
    "debate position text": t.CLAIM_MAX,
    "claim text": t.CLAIM_MAX,
    "claim side": t.SIDE_MAX,
    "rebut text": t.CLAIM_MAX,
    "support text": t.CLAIM_MAX,
    "edit text": t.CLAIM_MAX,
    "crux add question": t.QUESTION_MAX,
    "crux credence reason": t.REASON_MAX,
    "crux resolve resolution": t.RESOLUTION_MAX,
    "crux resolve source": t.URL_MAX,
}
"""Every free-text option (not a choice among fixed values) and the core's limit on it."""
PERCENT, NUMBER, MINUTES = (0, 100), (1, KEY_MAX), (1, MINUTES_MAX)
NUMBER_RANGES = {
    "debate start minutes": MINUTES,
    "debate position credence": PERCENT,
    "debate import messages": (1, HISTORY_MAX),
    "crux credence value": PERCENT,
}
"""The ranges of number options other than record numbers, agenda ids and pages (1 to the largest id)."""
GROUPING = (1, 2)  # subcommand, subcommand group
CHANNEL = 7  # the option type
TEXT, NEWS, NEWS_THREAD, PUBLIC_THREAD, PRIVATE_THREAD = 0, 5, 10, 11, 12  # channel types


def options(commands: list[JSON]) -> Iterator[tuple[str, JSON]]:
    """Every option of every chat command, by "command sub option"."""

    def walk(node: JSON, path: str) -> Iterator[tuple[str, JSON]]:
        for option in node.get("options") or []:
            name = f"{path} {option['name']}"
            yield from walk(option, name) if option["type"] in GROUPING else [(name, option)]

    for command in commands:
        yield from walk(command, command["name"])


async def test_every_command_and_menu_is_offered_in_servers_only(world: World, bot: DebateBot) -> None:
    synced = world.sim.commands()
    assert len(synced) >= 12 and {c["type"] for c in synced} == {1, 3}  # slash commands and message menus
    assert [
        c["name"] for c in synced if (c["contexts"], c["integration_types"], c["dm_permission"]) != ([0], [0], False)
    ] == []
    for command in (c for c in synced if c["type"] == 1):
        with pytest.raises(PermissionError, match="not available in DMs"):
            await world.sim.invoke_dm(world.alice.user, command["name"])
    assert world.sim.messages(world.sim.dm_channel(world.alice.user)) == []


async def test_every_option_carries_the_bounds_of_the_core(world: World, bot: DebateBot) -> None:
    found = dict(options(world.sim.commands()))
    texts = {name: o.get("max_length") for name, o in found.items() if o["type"] == 3 and not o.get("choices")}
    assert texts == TEXT_LIMITS
    numbers = {name: (o.get("min_value"), o.get("max_value")) for name, o in found.items() if o["type"] == 4}
    assert numbers == {name: NUMBER_RANGES.get(name, NUMBER) for name in numbers}
    assert {"rebut claim", "crux credence crux", "agenda summary agenda", "debate list page"} <= set(numbers)


async def test_a_channel_option_offers_only_channels_with_messages_to_read(world: World, bot: DebateBot) -> None:
    """Discord's client lists only the channels each option can use: text and announcement channels and threads for
    ``/debate import`` (not voice channels, stages, forums or categories, which it would only refuse), text and
    announcement channels for digests."""
    found = dict(options(world.sim.commands()))
    channels = {name: sorted(o.get("channel_types") or []) for name, o in found.items() if o["type"] == CHANNEL}
    assert channels == {
        "debate import channel": [TEXT, NEWS, NEWS_THREAD, PUBLIC_THREAD, PRIVATE_THREAD],
        "digest set channel": [TEXT, NEWS],
    }


async def test_digest_is_for_manage_threads_by_default_and_agenda_for_everyone(world: World, bot: DebateBot) -> None:
    by_name = {command["name"]: command for command in world.sim.commands()}
    assert int(by_name["digest"]["default_member_permissions"]) == MANAGE_THREADS
    assert [sub["name"] for sub in by_name["digest"]["options"]] == ["set", "stop"]
    assert by_name["agenda"]["default_member_permissions"] is None
    assert "digest" not in [sub["name"] for sub in by_name["agenda"]["options"]]
    assert [name for name, c in by_name.items() if c["default_member_permissions"] is not None] == ["digest"]
    with pytest.raises(PermissionError, match="lacks the permissions"):
        await world.sim.invoke(world.alice, world.channel, "digest stop", agenda=1)
    listed = await world.sim.invoke(world.alice, world.channel, "agenda list")
    assert listed.ephemeral and "No agendas yet" in listed.text
    stopped = await world.sim.invoke(world.mod, world.channel, "digest stop", agenda=1)
    assert stopped.ephemeral and "No such agenda in this server" in stopped.text, stopped.text


@pytest.mark.parametrize(
    ("command", "given"),
    [
        ("debate start", {"topic": "y" * (t.TOPIC_MAX + 1)}),
        ("debate start", {"topic": "t", "sides": "s" * (SIDES_MAX + 1)}),
        ("debate start", {"topic": "t", "minutes": 0}),
        ("debate list", {"page": 0}),
        ("claim", {"text": "z" * (t.CLAIM_MAX + 1)}),
        ("rebut", {"claim": 0, "text": "x"}),
        ("rebut", {"claim": KEY_MAX + 1, "text": "x"}),
        ("crux add", {"question": "q" * (t.QUESTION_MAX + 1)}),
        ("crux credence", {"crux": 1, "value": 101}),
        ("crux credence", {"crux": 1, "value": -1}),
        ("crux credence", {"crux": 1, "value": 50, "reason": "r" * (t.REASON_MAX + 1)}),
        ("crux resolve", {"crux": 1, "resolution": "r", "source": "https://" + "e" * t.URL_MAX}),
        ("crux mine", {"crux": -1, "changes_my_mind": True}),
    ],
)
async def test_discord_refuses_options_out_of_bounds_before_the_bot_sees_them(
    world: World, bot: DebateBot, command: str, given: dict[str, object]
) -> None:
    thread = await start_debate(world)
    where = world.channel if command.startswith("debate") else thread
    before, calls = await snapshot(bot.db), len(world.sim.requests)
    with pytest.raises(ClientRefusal):
        await world.sim.invoke(world.alice, where, command, **given)
    assert await snapshot(bot.db) == before and len(world.sim.requests) == calls  # the bot never answered


async def test_values_at_the_bounds_are_accepted(world: World, bot: DebateBot) -> None:
    thread = await start_debate(world, topic="y" * t.TOPIC_MAX, sides=", ".join(f"{n}" * t.SIDE_MAX for n in range(6)))
    await world.sim.invoke(world.alice, thread, "debate join", side="0" * t.SIDE_MAX)
    added = await world.sim.invoke(world.alice, thread, "crux add", question="q" * t.QUESTION_MAX)
    assert "Crux #1" in added.text
    for value in (0, 100):
        recorded = await world.sim.invoke(
            world.alice, thread, "crux credence", crux=1, value=value, reason="r" * t.REASON_MAX
        )
        assert not recorded.ephemeral and f"**{value}**" in recorded.text, recorded.text
