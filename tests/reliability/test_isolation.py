"""Isolation: another debate's or another server's records never resolve and are never offered; who may do what;
nothing echoed can ping; the token never reaches the logs.

The id and autocomplete checks walk the commands the bot actually synced, so a new command with a ``claim``,
``crux`` or ``side`` option is covered without a new row; one with another required option needs a default in
``DEFAULTS``. The permission matrix is a table (``GUARDED``): add a row for each new moderated command.
"""

from __future__ import annotations

import enum
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from _pytest.mark import ParameterSet
from sqlmodel import col

from bot.core.text import as_typed
from schema import Agenda, Claim, Crux, Side
from sim import DiscordSim, SimChannel, SimMember
from tests.reliability.conftest import Stage
from tests.reliability.support import assert_nothing_pings, record_id, record_number, report, seed_debate
from tests.snapshot import snapshot

pytestmark = pytest.mark.asyncio(loop_scope="module")

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
#: Markers in the texts of the records that must never show up in the home debate.
STRANGERS = ("otherdebate", "foreign")


@dataclass
class Scene:
    """The home debate (alice created it; alice and the moderator are for, bob against; carol joined nothing),
    another debate in the same server and one in another server, with ids of their records."""

    stage: Stage
    home: SimChannel
    foreign: SimChannel
    author: SimMember  # a participant whose claim others may or may not touch
    ids: dict[str, int] = field(default_factory=dict)

    def member(self, name: str) -> SimMember:
        member = getattr(self.stage.world, name)
        assert isinstance(member, SimMember)
        return member


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(stage: Stage) -> Scene:
    sim, world, db = stage.sim, stage.world, stage.db
    home = await seed_debate(sim, world.alice, world.channel, "home", "for, against", agenda="home agenda")
    author = sim.add_member(world.guild, "author")
    for member, side in [(world.bob, "against"), (world.mod, "for"), (author, "for")]:
        assert "joined" in (await sim.invoke(member, home, "debate join", side=side)).text
    otherdebate = await seed_debate(sim, world.alice, world.channel, "otherdebate", "otherdebate-yes, otherdebate-no")
    foreign = await seed_debate(
        sim, world.eve, world.other_channel, "foreign", "foreign-yes, foreign-no", agenda="foreign agenda"
    )
    for tag, member, thread in (("otherdebate", world.alice, otherdebate), ("foreign", world.eve, foreign)):
        await _outnumber(sim, member, thread, tag)
    scene = Scene(stage, home, foreign, author)
    await _fresh_resolved_crux(scene)
    scene.ids = {
        "home claim": await record_number(db, col(Claim.text), "home claim"),
        "home crux": await record_number(db, col(Crux.question), "home crux?"),
        "home agenda": await record_id(db, col(Agenda.name), "home agenda"),
        "foreign agenda": await record_id(db, col(Agenda.name), "foreign agenda"),
        "otherdebate claim": await record_number(db, col(Claim.text), "otherdebate claim 3"),
        "otherdebate crux": await record_number(db, col(Crux.question), "otherdebate crux 3?"),
        "otherdebate side": await record_id(db, col(Side.name), "otherdebate-yes"),
        "foreign claim": await record_number(db, col(Claim.text), "foreign claim 3"),
        "foreign crux": await record_number(db, col(Crux.question), "foreign crux 3?"),
        "foreign side": await record_id(db, col(Side.name), "foreign-yes"),
    }
    return scene


async def _outnumber(sim: DiscordSim, member: SimMember, thread: SimChannel, tag: str) -> None:
    """Claims and cruxes #2 and #3 in another debate: numbers the home debate does not have (yet)."""
    for number in (2, 3):
        assert not (await sim.invoke(member, thread, "claim", text=f"{tag} claim {number}")).ephemeral
        assert not (await sim.invoke(member, thread, "crux add", question=f"{tag} crux {number}?")).ephemeral


# ----- the synced commands ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    path: str
    options: tuple[Mapping[str, Any], ...]


def chat_commands(scene: Scene) -> Iterator[Command]:
    """Every slash command the bot synced, subcommands flattened ("crux add")."""

    def walk(prefix: str, node: Mapping[str, Any]) -> Iterator[Command]:
        options = node.get("options") or []
        groups = [option for option in options if option["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if not groups:
            yield Command(prefix, tuple(options))
        for group in groups:
            yield from walk(f"{prefix} {group['name']}", group)

    for command in scene.stage.sim.commands():
        if command["type"] == 1:
            yield from walk(command["name"], command)


#: Valid values for the other required options of a command under test, by option name.
DEFAULTS: dict[str, Callable[[Scene], object]] = {
    "text": lambda _: "isolation probe",
    "question": lambda _: "isolation probe?",
    "resolution": lambda _: "isolation probe",
    "value": lambda _: 50,
    "topic": lambda _: "isolation probe",
    "claim": lambda scene: scene.ids["home claim"],
    "crux": lambda scene: scene.ids["home crux"],
    "side": lambda _: "for",
    "agenda": lambda scene: scene.ids["home agenda"],
    "changes_my_mind": lambda _: True,
    "credence": lambda _: 50,
    "channel": lambda scene: scene.stage.world.channel,
    "every": lambda _: "weekly",
    "format": lambda _: "markdown",
}
#: Optional texts that, when left out, open a modal to type them in: given, so that the command runs at once.
TYPED_IN = {"text", "question"}
#: Commands that refuse, in an open-format debate, before looking anything up.
PRECONDITIONS = {"crux mine": "belong to double-crux debates"}


@dataclass(frozen=True)
class Strangers:
    """References from elsewhere to try in an option of this type, and the answer they must get."""

    option_type: int
    values: tuple[Callable[[Scene], object], ...]
    answer: str


STRING, INTEGER = 3, 4
STRANGE_VALUES: dict[str, Strangers] = {
    "claim": Strangers(
        INTEGER,
        (lambda s: s.ids["otherdebate claim"], lambda s: s.ids["foreign claim"]),
        "There is no Claim #3 in this debate",
    ),
    "crux": Strangers(
        INTEGER,
        (lambda s: s.ids["otherdebate crux"], lambda s: s.ids["foreign crux"]),
        "There is no Crux #3 in this debate",
    ),
    "side": Strangers(
        STRING,
        (
            lambda _: "otherdebate-yes",
            lambda s: str(s.ids["otherdebate side"]),
            lambda _: "foreign-yes",
            lambda s: str(s.ids["foreign side"]),
        ),
        "This debate has no side called",
    ),
    "agenda": Strangers(INTEGER, (lambda s: s.ids["foreign agenda"],), "No such agenda in this server"),
}
#: Options naming server-level records (offered outside debate threads too, but only this server's).
SERVER_LEVEL = {"agenda"}


def required_values(scene: Scene, command: Command, skip: str) -> dict[str, object]:
    values = {}
    for option in command.options:
        if (option.get("required") or option["name"] in TYPED_IN) and option["name"] != skip:
            default = DEFAULTS.get(option["name"])
            assert default is not None, f"add a default for option {option['name']!r} of /{command.path} to DEFAULTS"
            values[option["name"]] = default(scene)
    return values


async def test_records_of_other_debates_and_servers_never_resolve(scene: Scene) -> None:
    sim, db, mod = scene.stage.sim, scene.stage.db, scene.member("mod")
    tried, failures = 0, []
    for command in chat_commands(scene):
        for option in command.options:
            strangers = STRANGE_VALUES.get(option["name"])
            if strangers is None or strangers.option_type != option["type"]:
                continue
            expected = PRECONDITIONS.get(command.path, strangers.answer)
            for stranger in strangers.values:
                value = stranger(scene)
                before = await snapshot(db)
                options = required_values(scene, command, option["name"]) | {option["name"]: value}
                result = await sim.invoke(mod, scene.home, command.path, **options)
                tried += 1
                if not (result.ephemeral and expected in result.text) or await snapshot(db) != before:
                    failures.append((command.path, option["name"], value, result.text))
    assert tried >= 16 and failures == []
    report(f"isolation: {tried} references to other debates' and servers' records, {tried} refused, nothing changed")


def autocomplete_options(scene: Scene) -> Iterator[tuple[str, str]]:
    for command in chat_commands(scene):
        for option in command.options:
            if option.get("autocomplete"):
                yield command.path, option["name"]


async def test_autocomplete_offers_only_this_debates_records(scene: Scene) -> None:
    sim, world = scene.stage.sim, scene.stage.world
    typed_values = ["", "1", "#1", "2", "3", "foreign", "otherdebate", "yes", "claim", "crux"]
    offered, leaks, empty = 0, [], []
    for command, option in autocomplete_options(scene):
        first = await sim.autocomplete(world.alice, scene.home, command, option)
        if not first:
            empty.append((command, option))
        for typed in typed_values:
            for choice in await sim.autocomplete(world.alice, scene.home, command, option, value=typed):
                offered += 1
                if any(marker in choice["name"].lower() for marker in STRANGERS):
                    leaks.append((command, option, typed, choice))
            for choice in await sim.autocomplete(world.alice, world.channel, command, option, value=typed):
                if option not in SERVER_LEVEL or not choice["name"].startswith("home"):
                    leaks.append((command, option, typed, choice))
            for choice in await sim.autocomplete(world.eve, scene.foreign, command, option, value=typed):
                if "home" in choice["name"] or "otherdebate" in choice["name"] or choice["name"] in ("for", "against"):
                    leaks.append((command, option, typed, choice))
    options = list(autocomplete_options(scene))
    assert len(options) >= 6 and empty == [] and leaks == []
    report(f"isolation: {len(options)} autocomplete options × {len(typed_values)} inputs, {offered} choices, 0 foreign")


# ----- permissions --------------------------------------------------------------------------------------------------


class Role(enum.Enum):
    CREATOR = "alice"  # started the debate
    PARTICIPANT = "bob"  # joined a side
    BYSTANDER = "carol"  # joined nothing
    MODERATOR = "mod"  # holds Manage Threads


@dataclass(frozen=True)
class Target:
    """Where to act, and the options naming what to act on."""

    thread: SimChannel
    options: dict[str, object]


@dataclass(frozen=True)
class Guarded:
    """A command only some roles may use; ``target`` prepares a fresh record to act on."""

    command: str
    target: Callable[[Scene], Awaitable[Target]]
    allowed: frozenset[Role]
    refusal: str


_FRESH = itertools.count(1)


async def _act(scene: Scene, member: SimMember, thread: SimChannel, command: str, **options: object) -> None:
    result = await scene.stage.sim.invoke(member, thread, command, **options)
    assert not result.ephemeral, result.text


async def _fresh_crux(scene: Scene) -> int:
    question = f"crux number {next(_FRESH)} of the matrix?"
    await _act(scene, scene.member("alice"), scene.home, "crux add", question=question)
    return await record_number(scene.stage.db, col(Crux.question), question)


async def _fresh_resolved_crux(scene: Scene) -> int:
    crux = await _fresh_crux(scene)
    await _act(scene, scene.member("alice"), scene.home, "crux resolve", crux=crux, resolution="settled")
    return crux


async def _open_crux(scene: Scene) -> Target:
    return Target(scene.home, {"crux": await _fresh_crux(scene), "resolution": "resolved in the matrix"})


async def _resolved_crux(scene: Scene) -> Target:
    return Target(scene.home, {"crux": await _fresh_resolved_crux(scene)})


async def _someone_elses_claim(scene: Scene) -> Target:
    text = f"claim number {next(_FRESH)} by the author"
    await _act(scene, scene.author, scene.home, "claim", text=text)
    return Target(scene.home, {"claim": await record_number(scene.stage.db, col(Claim.text), text)})


async def _edit_someone_elses_claim(scene: Scene) -> Target:
    target = await _someone_elses_claim(scene)
    return Target(target.thread, target.options | {"text": "rewritten by someone else"})


async def _running_debate(scene: Scene) -> Target:
    world = scene.stage.world
    thread = await seed_debate(world.sim, world.alice, world.channel, f"matrix {next(_FRESH)}", "for, against")
    await _act(scene, world.bob, thread, "debate join", side="against")
    return Target(thread, {})


MODERATORS = frozenset({Role.CREATOR, Role.MODERATOR})
GUARDED = [
    Guarded("crux resolve", _open_crux, MODERATORS, "Only the debate's creator or a member with Manage Threads"),
    Guarded("crux reopen", _resolved_crux, MODERATORS, "Only the debate's creator or a member with Manage Threads"),
    Guarded("debate end", _running_debate, MODERATORS, "Only the debate's creator or a member with Manage Threads"),
    Guarded("withdraw", _someone_elses_claim, MODERATORS, "is not yours: only its author, the debate's creator"),
    Guarded("edit", _edit_someone_elses_claim, frozenset(), "is not yours: only its author can edit it"),
]


def _matrix() -> Iterator[ParameterSet]:
    for guarded in GUARDED:
        for role in Role:
            yield pytest.param(guarded, role, id=f"{guarded.command}-{role.name.lower()}")


@pytest.mark.parametrize(("guarded", "role"), list(_matrix()))
async def test_permission_matrix(scene: Scene, guarded: Guarded, role: Role) -> None:
    target = await guarded.target(scene)
    before = await snapshot(scene.stage.db)
    result = await scene.stage.sim.invoke(scene.member(role.value), target.thread, guarded.command, **target.options)
    changed = await snapshot(scene.stage.db) != before
    if role in guarded.allowed:
        assert not result.ephemeral and changed, result.text
    else:
        assert result.ephemeral and guarded.refusal in result.text and not changed, result.text


# ----- pings and secrets --------------------------------------------------------------------------------------------

PING = "@everyone @here <@&1234> <@5678>"


async def test_nothing_echoed_can_ping(scene: Scene) -> None:
    sim, world = scene.stage.sim, scene.stage.world
    thread = await seed_debate(sim, world.alice, world.channel, PING, f"{PING}, quiet")
    crux = await record_number(scene.stage.db, col(Crux.question), f"{PING} crux?")
    echoes = [
        await sim.invoke(world.bob, thread, "debate join", side=PING),
        await sim.invoke(world.bob, thread, "crux credence", crux=crux, value=10, reason=PING),
    ]
    for echo in echoes:
        assert not echo.ephemeral and "@everyone @here" in echo.text, echo.text
        assert echo.allowed_mentions == {"parse": []}
    said = await sim.post_message(world.bob, thread, f"{PING} said in chat")
    for menu in ("Log as claim", "Log as crux"):
        logged = await sim.context_menu(world.bob, said, menu)
        assert not logged.ephemeral and as_typed(PING) in logged.text, logged.text  # shown as typed
    checked = assert_nothing_pings(sim)
    report(f"isolation: {checked} bot messages checked, 0 could ping")


async def test_the_token_never_reaches_the_logs(scene: Scene, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    stage = scene.stage
    await stage.runner.restart()  # login and IDENTIFY are logged
    await stage.sim.request_reconnect()  # RESUME carries the token too
    await stage.sim.invoke(scene.member("bob"), scene.home, "claim", text="logged at DEBUG")
    await stage.sim.invoke(scene.member("bob"), scene.home, "crux credence", crux=999_999, value=5)
    assert len(caplog.records) > 20
    token = stage.sim.token
    leaks = [r for r in caplog.records if token in r.getMessage() or token in (r.exc_text or "")]
    assert token not in caplog.text and leaks == []
