"""Bad input, as a catalogue: every case gets a clear, specific answer only its author sees, and changes nothing.

``REFUSED`` is the catalogue (documented in ``docs/bad-input.md``, which a test keeps in step): add a row to cover a
new command or rule. ``ACCEPTED`` is hostile but valid text (mentions, Markdown, text at every limit) that must be
stored verbatim; whatever the bot echoes must never ping, and the summary's layout must survive Markdown.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from _pytest.mark import ParameterSet
from sqlalchemy import update
from sqlmodel import col

from schema import Agenda, Claim, Credence, Crux, Debate, ImportDraft, Side, utcnow
from sim import ClientRefusal, InteractionResult, SimChannel, SimMember
from tests.reliability.conftest import Stage
from tests.reliability.support import (
    TextColumn,
    assert_nothing_pings,
    ids_where,
    open_thread,
    record_id,
    record_number,
    report,
    seed_debate,
)
from tests.snapshot import snapshot

pytestmark = pytest.mark.asyncio(loop_scope="module")

DOC = Path(__file__).resolve().parents[2] / "docs" / "bad-input.md"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
MISSING_NUMBER = 987_654_321
OUTNUMBERED = 5
"""The other debates' claims and cruxes go up to this number: the home debate's stay below it."""
OUT_OF_RANGE = 2**40  # Discord allows integer options up to 2**53


class Place(enum.Enum):
    """Where the command is used."""

    THREAD = "in the debate's thread"
    CLOSED = "in the thread of a debate that was ended"
    CHANNEL = "in a channel, not a debate thread"
    DM = "in a DM with the bot"


class Ref(enum.Enum):
    """A record of the scene, resolved to its id when a case runs."""

    MISSING = "a number that does not exist"
    OUT_OF_RANGE = "a number beyond what the database holds"
    HOME_CLAIM = "a claim of this debate"
    WITHDRAWN_CLAIM = "a withdrawn claim of this debate"
    OPEN_CRUX = "an open crux of this debate"
    RESOLVED_CRUX = "a resolved crux of this debate"
    SIBLING_CLAIM = "the number of a claim of another debate in this server, not of this one"
    SIBLING_CRUX = "the number of a crux of another debate in this server, not of this one"
    SIBLING_SIDE = "the id of a side of another debate"
    FOREIGN_CLAIM = "the number of a claim of a debate in another server, not of this one"
    FOREIGN_CRUX = "the number of a crux of a debate in another server, not of this one"
    FRESH_CRUX = "a crux added just before"


@dataclass(frozen=True)
class Case:
    """One bad input: the command and options, where and by whom, and the phrase the answer must contain.

    ``bug`` names a known defect of the bot: the case is ``xfail(strict=True)`` until it is fixed. ``discord``: Discord
    itself refuses the input (an option out of its declared bounds, a command it does not offer there), so the bot
    never sees it; ``answer`` is then part of what the local server says Discord refuses.
    """

    what: str
    command: str
    options: Mapping[str, object]
    answer: str
    place: Place = Place.THREAD
    actor: str = "alice"
    bug: str | None = None
    discord: bool = False

    def param(self) -> ParameterSet:
        marks = [pytest.mark.xfail(strict=True, reason=self.bug)] if self.bug else []
        return pytest.param(self, id=re.sub(r"[^a-z0-9]+", "-", self.what.lower()).strip("-"), marks=marks)


def _over(limit: int) -> str:
    return "x" * (limit + 1)


EMPTY = "is empty: write some text"
NOT_A_THREAD = "This is not a debate thread"
IN_SERVERS = "Debates live in servers"
NO_CLAIM = "There is no Claim #"
NO_CRUX = "There is no Crux #"
NO_SIDE = "This debate has no side called"
CLOSED = "is closed: its record can be read, no longer changed"
NOT_IN_DMS = "is not available in DMs"
A_NUMBER = "must be within [1, 2147483647]"
A_PERCENTAGE = "must be within [0, 100]"


def _longer_than(limit: int) -> str:
    return f"must be 0–{limit} characters long (got {limit + 1})"


# fmt: off
REFUSED: list[Case] = [
    # /debate start
    Case("topic: whitespace only", "debate start", {"topic": "  \t  "}, f"The topic {EMPTY}", Place.CHANNEL),
    Case("topic: newlines only", "debate start", {"topic": "\n\n"}, f"The topic {EMPTY}", Place.CHANNEL),
    Case("topic: zero-width characters only", "debate start", {"topic": ZERO_WIDTH}, f"The topic {EMPTY}",
         Place.CHANNEL),
    Case("topic: 301 characters", "debate start", {"topic": _over(300)}, _longer_than(300), Place.CHANNEL,
         discord=True),
    Case("agenda: 101 characters", "debate start", {"topic": "t", "agenda": _over(100)}, _longer_than(100),
         Place.CHANNEL, discord=True),
    Case("sides: only one", "debate start", {"topic": "t", "sides": "only one"},
         "A debate needs 2 to 6 sides, separated by commas (got 1)", Place.CHANNEL),
    Case("sides: seven", "debate start", {"topic": "t", "sides": "a, b, c, d, e, f, g"},
         "A debate needs 2 to 6 sides, separated by commas (got 7)", Place.CHANNEL),
    Case("sides: commas only", "debate start", {"topic": "t", "sides": " , , "},
         "A debate needs 2 to 6 sides, separated by commas (got 0)", Place.CHANNEL),
    Case("sides: duplicate names (case and spacing differ)", "debate start", {"topic": "t", "sides": "For, for "},
         "Two sides have the same name", Place.CHANNEL),
    Case("sides: duplicate once zero-width characters are removed", "debate start",
         {"topic": "t", "sides": "for, f\u200bor"}, "Two sides have the same name", Place.CHANNEL),
    Case("sides: a zero-width name", "debate start", {"topic": "t", "sides": "for, \u200b\u200d"},
         f"A side's name {EMPTY}", Place.CHANNEL),
    Case("sides: a 51-character name", "debate start", {"topic": "t", "sides": f"for, {_over(50)}"},
         "A side's name is 51 characters long; the limit is 50", Place.CHANNEL),
    Case("start: inside a debate thread", "debate start", {"topic": "nested"},
         "Start a debate from a server text channel"),
    Case("start: in a DM", "debate start", {"topic": "t"}, NOT_IN_DMS, Place.DM, discord=True),
    # /debate join
    Case("join: a side that does not exist", "debate join", {"side": "both"}, f"{NO_SIDE} “both”"),
    Case("join: a blank side", "debate join", {"side": "   "}, NO_SIDE),
    Case("join: the id of another debate's side", "debate join", {"side": Ref.SIBLING_SIDE}, NO_SIDE),
    # /claim
    Case("claim: whitespace only", "claim", {"text": "   \t "}, f"The claim {EMPTY}"),
    Case("claim: zero-width characters only", "claim", {"text": ZERO_WIDTH}, f"The claim {EMPTY}"),
    Case("claim: soft hyphens and control characters only", "claim", {"text": "\u00ad\u00ad\x07"},
         f"The claim {EMPTY}"),
    Case("claim: blank-looking characters only", "claim", {"text": "\u3164\u2800"}, f"The claim {EMPTY}"),
    Case("claim: a grapheme joiner and variation selectors only", "claim", {"text": "\u034f\ufe0e\ufe0f \u2800"},
         f"The claim {EMPTY}"),
    Case("claim: a noncharacter (U+FFFF)", "claim", {"text": "Fine text\uffff"},
         "The claim contains U+FFFF, which is not a character: remove it."),
    Case("claim: a lone surrogate (a forged payload)", "claim", {"text": "Fine \ud800 text"},
         "The claim contains U+D800, which is not a character: remove it."),
    Case("claim: 4,001 characters", "claim", {"text": _over(4000)}, _longer_than(4000), discord=True),
    Case("claim: a side that does not exist", "claim", {"text": "x", "side": "both"}, f"{NO_SIDE} “both”"),
    Case("claim: by someone who joined no side", "claim", {"text": "x"},
         "Join a side with /debate join before you log a claim", actor="carol"),
    # /rebut
    Case("rebut: a claim number that does not exist", "rebut", {"claim": Ref.MISSING, "text": "x"}, NO_CLAIM),
    Case("rebut: a claim number beyond what the database holds", "rebut", {"claim": Ref.OUT_OF_RANGE, "text": "x"},
         A_NUMBER, discord=True),
    Case("rebut: claim number 0", "rebut", {"claim": 0, "text": "x"}, A_NUMBER, discord=True),
    Case("rebut: a claim of another debate", "rebut", {"claim": Ref.SIBLING_CLAIM, "text": "x"}, NO_CLAIM),
    Case("rebut: a claim of another server", "rebut", {"claim": Ref.FOREIGN_CLAIM, "text": "x"}, NO_CLAIM),
    Case("rebut: whitespace only", "rebut", {"claim": Ref.HOME_CLAIM, "text": " \n "}, f"The rebuttal {EMPTY}"),
    Case("rebut: 4,001 characters", "rebut", {"claim": Ref.HOME_CLAIM, "text": _over(4000)}, _longer_than(4000),
         discord=True),
    Case("rebut: a withdrawn claim", "rebut", {"claim": Ref.WITHDRAWN_CLAIM, "text": "x"},
         "was withdrawn: there is nothing left to answer"),
    # /support, /edit, /withdraw
    Case("support: a claim of another server", "support", {"claim": Ref.FOREIGN_CLAIM, "text": "x"}, NO_CLAIM),
    Case("support: a withdrawn claim", "support", {"claim": Ref.WITHDRAWN_CLAIM, "text": "x"},
         "was withdrawn: there is nothing left to answer"),
    Case("edit: whitespace only", "edit", {"claim": Ref.HOME_CLAIM, "text": "   "}, f"The claim {EMPTY}"),
    Case("edit: the same text again", "edit", {"claim": Ref.HOME_CLAIM, "text": "home claim"}, "nothing to change"),
    Case("edit: a withdrawn claim", "edit", {"claim": Ref.WITHDRAWN_CLAIM, "text": "y"},
         "was withdrawn; it can no longer be edited"),
    Case("edit: a claim of another debate", "edit", {"claim": Ref.SIBLING_CLAIM, "text": "y"}, NO_CLAIM),
    Case("withdraw: a claim already withdrawn", "withdraw", {"claim": Ref.WITHDRAWN_CLAIM}, "is already withdrawn"),
    Case("withdraw: a claim of another server", "withdraw", {"claim": Ref.FOREIGN_CLAIM}, NO_CLAIM),
    # /crux add
    Case("crux add: whitespace only", "crux add", {"question": "    "}, f"The question {EMPTY}"),
    Case("crux add: zero-width characters only", "crux add", {"question": ZERO_WIDTH}, f"The question {EMPTY}"),
    Case("crux add: 1,001 characters", "crux add", {"question": _over(1000)}, _longer_than(1000), discord=True),
    Case("crux add: a claim number that does not exist", "crux add", {"question": "q?", "claim": Ref.MISSING},
         NO_CLAIM),
    Case("crux add: a claim of another server", "crux add", {"question": "q?", "claim": Ref.FOREIGN_CLAIM},
         NO_CLAIM),
    Case("crux suggest: language-model help not enabled", "crux suggest", {}, "its operator has not set an endpoint"),
    # /crux credence
    Case("credence: 101", "crux credence", {"crux": Ref.OPEN_CRUX, "value": 101}, A_PERCENTAGE, discord=True),
    Case("credence: -1", "crux credence", {"crux": Ref.OPEN_CRUX, "value": -1}, A_PERCENTAGE, discord=True),
    Case("credence: a billion", "crux credence", {"crux": Ref.OPEN_CRUX, "value": 10**9}, A_PERCENTAGE,
         discord=True),
    Case("credence: a crux number that does not exist", "crux credence", {"crux": Ref.MISSING, "value": 50}, NO_CRUX),
    Case("credence: a crux number beyond what the database holds", "crux credence",
         {"crux": Ref.OUT_OF_RANGE, "value": 50}, A_NUMBER, discord=True),
    Case("credence: crux number -1", "crux credence", {"crux": -1, "value": 50}, A_NUMBER, discord=True),
    Case("credence: a crux of another debate", "crux credence", {"crux": Ref.SIBLING_CRUX, "value": 50}, NO_CRUX),
    Case("credence: a crux of another server", "crux credence", {"crux": Ref.FOREIGN_CRUX, "value": 50}, NO_CRUX),
    Case("credence: a 1,001-character reason", "crux credence",
         {"crux": Ref.OPEN_CRUX, "value": 50, "reason": _over(1000)}, _longer_than(1000), discord=True),
    Case("credence: on a resolved crux", "crux credence", {"crux": Ref.RESOLVED_CRUX, "value": 50},
         "is resolved; credences are closed"),
    # /crux resolve
    Case("resolve: whitespace only", "crux resolve", {"crux": Ref.OPEN_CRUX, "resolution": "  "},
         f"The resolution {EMPTY}"),
    Case("resolve: 1,001 characters", "crux resolve", {"crux": Ref.OPEN_CRUX, "resolution": _over(1000)},
         _longer_than(1000), discord=True),
    Case("resolve: a crux already resolved", "crux resolve", {"crux": Ref.RESOLVED_CRUX, "resolution": "again"},
         "is already resolved"),
    Case("resolve: a crux number that does not exist", "crux resolve", {"crux": Ref.MISSING, "resolution": "r"},
         NO_CRUX),
    Case("resolve: a crux of another server", "crux resolve", {"crux": Ref.FOREIGN_CRUX, "resolution": "r"},
         NO_CRUX),
    Case("resolve: a source link that is not a web address", "crux resolve",
         {"crux": Ref.OPEN_CRUX, "resolution": "r", "outcome": "yes", "source": "javascript:alert(1)"},
         "The source link must be a web address starting with http:// or https:// (got “javascript:alert(1)”)"),
    Case("reopen: a crux that is open", "crux reopen", {"crux": Ref.OPEN_CRUX}, "is open already"),
    Case("reopen: a crux of another server", "crux reopen", {"crux": Ref.FOREIGN_CRUX}, NO_CRUX),
    # a debate that was ended
    Case("claim: in an ended debate", "claim", {"text": "x"}, CLOSED, Place.CLOSED),
    Case("join: an ended debate", "debate join", {"side": "against"}, CLOSED, Place.CLOSED),
    Case("crux add: in an ended debate", "crux add", {"question": "q?"}, CLOSED, Place.CLOSED),
    Case("end: a debate already ended", "debate end", {}, CLOSED, Place.CLOSED),
    Case("resolve: by a participant who is not a moderator", "crux resolve",
         {"crux": Ref.OPEN_CRUX, "resolution": "r"},
         "Only the debate's creator or a member with Manage Threads can resolve a crux", actor="bob"),
    # a member's data, a debate's deletion
    Case("delete: by a member who is not a moderator", "debate delete", {"number": 1},
         "Deleting a debate needs the Manage Threads permission", Place.CHANNEL),
    Case("delete: a debate this server does not have", "debate delete", {"number": 999},
         "There is no debate #999 in this server", Place.CHANNEL, actor="mod"),
    Case("/mydata export: in a DM", "mydata export", {}, NOT_IN_DMS, Place.DM, discord=True),
    Case("/mydata forget: in a DM", "mydata forget", {}, NOT_IN_DMS, Place.DM, discord=True),
]

#: Every debate command, with valid options: refused outside a debate thread, and not offered by Discord in DMs.
DEBATE_COMMANDS: dict[str, Mapping[str, object]] = {
    "debate join": {"side": "for"},
    "debate summary": {},
    "debate status": {},
    "debate end": {},
    "debate position": {"text": "x", "credence": 50},
    "debate export": {"format": "markdown"},
    "debate map": {},
    "debate groups": {},
    "debate import": {},
    "claim": {"text": "x"},
    "rebut": {"claim": Ref.SIBLING_CLAIM, "text": "x"},
    "support": {"claim": Ref.SIBLING_CLAIM, "text": "x"},
    "edit": {"claim": Ref.SIBLING_CLAIM, "text": "x"},
    "withdraw": {"claim": Ref.SIBLING_CLAIM},
    "crux add": {"question": "q?"},
    "crux credence": {"crux": Ref.SIBLING_CRUX, "value": 50},
    "crux resolve": {"crux": Ref.SIBLING_CRUX, "resolution": "r"},
    "crux reopen": {"crux": Ref.SIBLING_CRUX},
    "crux list": {},
    "crux mine": {"crux": Ref.SIBLING_CRUX, "changes_my_mind": True},
}
REFUSED += [Case(f"/{name}: outside a debate thread", name, options, NOT_A_THREAD, Place.CHANNEL)
            for name, options in DEBATE_COMMANDS.items()]
REFUSED += [Case(f"/{name}: in a DM", name, options, NOT_IN_DMS, Place.DM, discord=True)
            for name, options in DEBATE_COMMANDS.items()]
# fmt: on


# ----- the scene ----------------------------------------------------------------------------------------------------


@dataclass
class Scene:
    """The debate under test (alice created it; alice is for, bob against; carol joined nothing), another debate in
    the same server, and a debate in another server, with the ids of their records."""

    stage: Stage
    home: SimChannel
    closed: SimChannel
    ids: dict[Ref, int | str] = field(default_factory=dict)

    async def resolve(self, value: object) -> object:
        if value is Ref.FRESH_CRUX:
            return await self.add_crux("A crux to resolve?")
        return self.ids[value] if isinstance(value, Ref) else value

    async def add_crux(self, question: str) -> int:
        result = await self.stage.sim.invoke(self.stage.world.alice, self.home, "crux add", question=question)
        assert "Crux #" in result.text and not result.ephemeral, result.text
        return await record_number(self.stage.db, col(Crux.question), question)

    def member(self, name: str) -> SimMember:
        member = getattr(self.stage.world, name)
        assert isinstance(member, SimMember)
        return member

    async def run(self, command: str, options: Mapping[str, object], place: Place, actor: str) -> InteractionResult:
        resolved = {name: await self.resolve(value) for name, value in options.items()}
        sim, member = self.stage.sim, self.member(actor)
        if place is Place.DM:
            return await sim.invoke_dm(member.user, command, **resolved)
        channel = {Place.THREAD: self.home, Place.CLOSED: self.closed}.get(place, self.stage.world.channel)
        return await sim.invoke(member, channel, command, **resolved)

    def visible(self) -> tuple[int, ...]:
        """What everyone sees: threads, and messages in the channel and every thread."""
        sim = self.stage.sim
        threads = sim.threads()
        return len(threads), len(sim.messages(self.stage.world.channel)), *(len(sim.messages(t)) for t in threads)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(stage: Stage) -> Scene:
    world, sim = stage.world, stage.sim
    home = await seed_debate(sim, world.alice, world.channel, "home", "for, against")
    joined = await sim.invoke(world.bob, home, "debate join", side="against")
    assert "joined" in joined.text
    closed = await seed_debate(sim, world.alice, world.channel, "closed", "for, against")
    assert not (await sim.invoke(world.alice, closed, "debate end")).ephemeral
    scene = Scene(stage, home, closed)
    assert not (await sim.invoke(world.alice, home, "claim", text="home withdrawn claim")).ephemeral
    withdrawn = await record_number(stage.db, col(Claim.text), "home withdrawn claim")
    assert not (await sim.invoke(world.alice, home, "withdraw", claim=withdrawn)).ephemeral
    sibling = await seed_debate(sim, world.alice, world.channel, "sibling", "left, right")
    foreign = await seed_debate(sim, world.eve, world.other_channel, "foreign", "for, against")
    for tag, member, thread in (("sibling", world.alice, sibling), ("foreign", world.eve, foreign)):
        for number in range(2, OUTNUMBERED + 1):  # numbers this debate has and the home debate has not
            assert not (await sim.invoke(member, thread, "claim", text=f"{tag} claim {number}")).ephemeral
            assert not (await sim.invoke(member, thread, "crux add", question=f"{tag} crux {number}?")).ephemeral
    resolved = await scene.add_crux("home settled crux?")
    answer = await sim.invoke(world.alice, home, "crux resolve", crux=resolved, resolution="Settled: yes")
    assert "resolved" in answer.text and not answer.ephemeral, answer.text
    scene.ids |= {
        Ref.MISSING: MISSING_NUMBER,
        Ref.OUT_OF_RANGE: OUT_OF_RANGE,
        Ref.HOME_CLAIM: await record_number(stage.db, col(Claim.text), "home claim"),
        Ref.WITHDRAWN_CLAIM: withdrawn,
        Ref.OPEN_CRUX: await record_number(stage.db, col(Crux.question), "home crux?"),
        Ref.RESOLVED_CRUX: resolved,
        Ref.SIBLING_CLAIM: await record_number(stage.db, col(Claim.text), f"sibling claim {OUTNUMBERED}"),
        Ref.SIBLING_CRUX: await record_number(stage.db, col(Crux.question), f"sibling crux {OUTNUMBERED}?"),
        Ref.SIBLING_SIDE: str(await record_id(stage.db, col(Side.name), "left")),
        Ref.FOREIGN_CLAIM: await record_number(stage.db, col(Claim.text), f"foreign claim {OUTNUMBERED}"),
        Ref.FOREIGN_CRUX: await record_number(stage.db, col(Crux.question), f"foreign crux {OUTNUMBERED}?"),
    }
    return scene


# ----- refused ------------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    cases: int = 0
    refused: int = 0
    unchanged: int = 0


TALLY = Tally()


@pytest.mark.parametrize("case", [case.param() for case in REFUSED])
async def test_bad_input_is_refused_privately_and_changes_nothing(scene: Scene, case: Case) -> None:
    before, seen = await snapshot(scene.stage.db), scene.visible()
    if case.discord:
        with pytest.raises((ClientRefusal, PermissionError)) as refusal:  # Discord holds it back: no answer to check
            await scene.run(case.command, case.options, case.place, case.actor)
        answer, private = str(refusal.value), True
    else:
        result = await scene.run(case.command, case.options, case.place, case.actor)
        answer, private = result.text, result.ephemeral
    unchanged = await snapshot(scene.stage.db) == before and scene.visible() == seen
    TALLY.cases += 1
    TALLY.refused += private and case.answer in answer
    TALLY.unchanged += unchanged
    assert private and case.answer in answer, answer
    assert unchanged


# ----- accepted: hostile but valid text -----------------------------------------------------------------------------

EVERYONE = "@everyone @here <@&{role}> <@{user}>"
MARKDOWN_REASON = "*" * 1000


@dataclass(frozen=True)
class Accepted:
    """Valid input that must be acknowledged publicly and stored exactly as given in ``column``."""

    what: str
    command: str
    options: Mapping[str, object]
    column: TextColumn
    stored: str
    place: Place = Place.THREAD
    bug: str | None = None

    def param(self) -> ParameterSet:
        marks = [pytest.mark.xfail(strict=True, reason=self.bug)] if self.bug else []
        return pytest.param(self, id=re.sub(r"[^a-z0-9]+", "-", self.what.lower()).strip("-"), marks=marks)


def _text(field_name: str, length: int | None = None) -> str:
    """A text mentioning everyone, a role and a user, optionally padded to ``length``."""
    text = f"{field_name} {EVERYONE.format(role=1234, user=5678)}"
    return text if length is None else text.ljust(length, "·")


def _accepted(
    what: str,
    command: str,
    option: str,
    column: TextColumn,
    value: str,
    others: Mapping[str, object] | None = None,
    *,
    stored: str | None = None,
    bug: str | None = None,
) -> Accepted:
    place = Place.CHANNEL if command == "debate start" else Place.THREAD
    return Accepted(what, command, {option: value, **(others or {})}, column, stored or value, place, bug)


# fmt: off
ACCEPTED: list[Accepted] = [
    _accepted("topic with mentions", "debate start", "topic", col(Debate.topic), _text("topic")),
    _accepted("topic at 300 characters", "debate start", "topic", col(Debate.topic), _text("topic", 300)),
    _accepted("agenda with mentions at 100 characters", "debate start", "agenda", col(Agenda.name),
              _text("agenda", 100), {"topic": "agenda test"}),
    _accepted("side name with mentions at 50 characters", "debate start", "sides", col(Side.name),
              f"{_text('side', 50)}, other", {"topic": "sides test"}, stored=_text("side", 50)),
    _accepted("claim with mentions at 4,000 characters", "claim", "text", col(Claim.text), _text("claim", 4000)),
    _accepted("rebuttal with mentions at 4,000 characters", "rebut", "text", col(Claim.text), _text("rebuttal", 4000),
              {"claim": Ref.HOME_CLAIM}),
    _accepted("question with mentions at 1,000 characters", "crux add", "question", col(Crux.question),
              _text("question", 1000)),
    _accepted("reason with mentions at 1,000 characters", "crux credence", "reason", col(Credence.reason),
              _text("reason", 1000), {"crux": Ref.OPEN_CRUX, "value": 42}),
    _accepted("resolution with mentions at 1,000 characters", "crux resolve", "resolution", col(Crux.resolution),
              _text("resolution", 1000), {"crux": Ref.FRESH_CRUX}),
    _accepted("reason of 1,000 Markdown characters", "crux credence", "reason", col(Credence.reason), MARKDOWN_REASON,
              {"crux": Ref.OPEN_CRUX, "value": 43}),
]
# fmt: on


@pytest.mark.parametrize("case", [case.param() for case in ACCEPTED])
async def test_hostile_valid_text_is_acknowledged_and_stored_verbatim(scene: Scene, case: Accepted) -> None:
    result = await scene.run(case.command, case.options, case.place, "alice")
    assert not result.ephemeral, result.text
    assert len(await ids_where(scene.stage.db, case.column, case.stored)) == 1


async def test_the_summary_layout_survives_markdown(scene: Scene) -> None:
    stage, world = scene.stage, scene.stage.world
    sim, alice, bob = stage.sim, world.alice, world.bob
    thread = await open_thread(sim, alice, world.channel, topic="**PWNED** # PWNED\n> PWNED", sides="**a**, __b__")
    injected = ["**PWNED**", "__PWNED__", "~~PWNED~~", "||PWNED||", "`PWNED`", "[PWNED](https://example.com)"]
    steps: list[tuple[SimMember, str, dict[str, object]]] = [
        (alice, "debate join", {"side": "**a**"}),
        (bob, "debate join", {"side": "__b__"}),
        (alice, "claim", {"text": " ".join(injected) + "\n**Crux #99** · **double crux**"}),
    ]
    for member, command, options in steps:
        assert not (await sim.invoke(member, thread, command, **options)).ephemeral
    claim = await record_number(stage.db, col(Claim.text), " ".join(injected) + "\n**Crux #99** · **double crux**")
    questions = [f"{marker}\n# PWNED heading\n> PWNED quote?" for marker in injected[:3]]
    for question in questions:
        assert not (await sim.invoke(alice, thread, "crux add", question=question, claim=claim)).ephemeral
    first, _, third = [await record_number(stage.db, col(Crux.question), question) for question in questions]
    credences: list[tuple[SimMember, dict[str, object]]] = [
        (alice, {"value": 90}),
        (bob, {"value": 10}),
        (alice, {"value": 70, "reason": "||PWNED|| **PWNED**"}),
    ]
    for member, options in credences:
        assert not (await sim.invoke(member, thread, "crux credence", crux=first, **options)).ephemeral
    await sim.invoke(alice, thread, "crux resolve", crux=third, resolution="# PWNED\n**PWNED**")

    summary = await sim.invoke(alice, thread, "debate summary")
    text = summary.text
    lines = text.splitlines()
    assert lines[0].startswith("**Debate #") and lines[0].endswith("**")
    assert [line for line in lines if line.startswith("**Crux #")] == [
        "**Crux #1** · **double crux** · spread 60",
        "**Crux #2**",
        "**Crux #3**",
    ]
    assert sum(line.startswith("> ") for line in lines) == 3 and lines.count("**Resolved (1)**") == 1
    assert not [line for line in lines if re.match(r"\s*(#|-#|```|>>>)", line)]
    assert not [marker for marker in injected if marker in text]
    bold = re.findall(r"\*\*(.*?)\*\*", re.sub(r"\\.", "", text))
    vocabulary = (
        r"Debate #\d+: .*|Crux #\d+|double crux|Resolved \(\d+\)|\d+( → \d+)?|Who moved|Common ground|What divides us|"
        r"The main divide|"
        r"yes|no|annulled|Next ▶"
    )
    assert [inner for inner in bold if not re.fullmatch(vocabulary, inner)] == []


async def test_nothing_the_bot_sent_could_ping(scene: Scene) -> None:
    checked = assert_nothing_pings(scene.stage.sim)
    report(f"bad input: {checked} bot messages checked, 0 could ping")


async def test_the_catalogue_is_documented_and_counted() -> None:
    doc = DOC.read_text(encoding="utf-8")
    undocumented = [case.what for case in REFUSED if f"| {case.what} |" not in doc or case.answer not in doc]
    assert undocumented == [], "add these rows to docs/bad-input.md"
    assert len(REFUSED) >= 40
    known_bugs = sum(case.bug is not None for case in REFUSED)
    if TALLY.cases:
        report(
            f"bad input: {TALLY.cases} cases, {TALLY.refused} refused with the documented answer, database unchanged "
            f"in {TALLY.unchanged} ({known_bugs} known bugs, xfail)"
        )


# ----- buttons, selects, modals and context menus ---------------------------------------------------------------------

Action = Callable[[], Awaitable[InteractionResult]]


@dataclass(frozen=True)
class Component:
    """Bad input through a button, a select, a modal or a context menu. ``prepare`` sets the scene (posting a chat
    message, opening a picker) and returns the action whose answer is checked: private, containing ``answer``,
    and changing nothing of what ``prepare`` left."""

    what: str
    entry: str
    prepare: Callable[[Scene], Awaitable[Action]]
    answer: str
    place: Place = Place.THREAD

    def param(self) -> ParameterSet:
        return pytest.param(self, id=re.sub(r"[^a-z0-9]+", "-", self.what.lower()).strip("-"))


def _channel(scene: Scene, place: Place) -> SimChannel:
    return {Place.THREAD: scene.home, Place.CLOSED: scene.closed}.get(place, scene.stage.world.channel)


def _modal(custom_id: str, actor: str = "bob", place: Place = Place.THREAD, **values: str) -> Callable[..., Any]:
    """Submit modal ``custom_id`` with ``values`` (as action rows), whether the bot opened it before or not: a form
    opened before the scene changed, or forged."""

    async def prepare(scene: Scene) -> Action:
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]} for key, value in values.items()
        ]
        sim = scene.stage.sim
        if place is Place.DM:
            return lambda: sim.forge_modal(
                scene.member(actor).user, sim.dm_channel(scene.member(actor).user), custom_id, rows
            )
        return lambda: sim.forge_modal(scene.member(actor), _channel(scene, place), custom_id, rows)

    return prepare


def _button(question: str, action: str, actor: str, place: Place = Place.THREAD) -> Callable[..., Any]:
    """Press ``action`` ("credence", "resolve") on the message of the crux asking ``question``."""

    async def prepare(scene: Scene) -> Action:
        crux_id = await record_id(scene.stage.db, col(Crux.question), question)
        custom_id = f"crux:{action}:{crux_id}"
        message = next(m for m in scene.stage.sim.messages(_channel(scene, place)) if custom_id in m.custom_ids)
        return lambda: scene.stage.sim.click(scene.member(actor), message, custom_id)

    return prepare


def _quick(question: str, *values: str, place: Place = Place.THREAD) -> Callable[..., Any]:
    """Bob picks ``values`` in the credence menu on the message of the crux asking ``question`` (forged unless one
    offered value)."""

    async def prepare(scene: Scene) -> Action:
        crux_id = await record_id(scene.stage.db, col(Crux.question), question)
        custom_id = f"crux:quick:{crux_id}"
        message = next(m for m in scene.stage.sim.messages(_channel(scene, place)) if custom_id in m.custom_ids)
        data = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        return lambda: scene.stage.sim.forge_component(scene.member("bob"), message, data)

    return prepare


async def _join_ended(scene: Scene) -> Action:
    opening = scene.stage.sim.messages(scene.closed)[0]
    return lambda: scene.stage.sim.click(scene.member("carol"), opening, opening.custom_ids[0])


def _menu(
    menu: str, content: str, *, place: Place = Place.THREAD, used_in: Place | None = None, author: str = "bob"
) -> Callable[..., Any]:
    """``author`` posts ``content`` (in ``place``); alice uses ``menu`` on it (from ``used_in``, forged, if given)."""

    async def prepare(scene: Scene) -> Action:
        sim = scene.stage.sim
        message = await sim.post_message(scene.member(author), _channel(scene, place), content)
        channel = _channel(scene, used_in) if used_in else None
        return lambda: sim.context_menu(scene.member("alice"), message, menu, channel=channel)

    return prepare


async def _menu_on_own_message(scene: Scene) -> Action:
    own = scene.stage.sim.messages(scene.home)[0]
    return lambda: scene.stage.sim.context_menu(scene.member("alice"), own, "Log as claim")


def _pick(*values: str, delete_first: bool = False) -> Callable[..., Any]:
    """Bob logs a message of his as a rebuttal and picks ``values`` in the claim picker (forged unless offered)."""

    async def prepare(scene: Scene) -> Action:
        sim, bob = scene.stage.sim, scene.member("bob")
        said = await sim.post_message(bob, scene.home, "A point to pick a claim for.")
        asked = await sim.context_menu(bob, said, "Log as rebuttal")
        assert asked.message is not None, asked.text
        picker, (custom_id,) = asked.message, asked.message.custom_ids
        if delete_first:
            await sim.delete_message(bob, said)
        data = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        return lambda: sim.forge_component(bob, picker, data)

    return prepare


LONG_CLAIM = "A claim too long for a crux's question. " * 30
"""1,199 characters once trimmed: a claim, never a crux."""


def _draft(
    change: str, arg: int = 1, *, said: str = "A point made in chat.", expired: bool = False, actor: str = "alice"
) -> Callable[..., Any]:
    """Alice imports the latest message of the debate's thread (``said``, posted first) and ``actor`` presses
    ``change`` on item ``arg`` of her draft (forged: the button may be disabled), once the draft expired if
    ``expired``."""

    async def prepare(scene: Scene) -> Action:
        sim, alice = scene.stage.sim, scene.member("alice")
        await sim.post_message(scene.member("bob"), scene.home, said)
        sim.message_content_intent = True  # reading others' messages needs it
        result = await sim.invoke(alice, scene.home, "debate import", messages=1)
        sim.message_content_intent = False
        assert result.message is not None and "1 candidate" in result.text, result.text
        draft, draft_id = result.message, int(result.message.custom_ids[0].split(":")[1])
        if expired:
            async with scene.stage.db.write() as session:
                past = utcnow() - timedelta(seconds=1)
                await session.execute(
                    update(ImportDraft).where(col(ImportDraft.id) == draft_id).values(expires_at=past)
                )
        data = {"custom_id": f"import:{draft_id}:{change}:{arg}", "component_type": 2}
        return lambda: sim.forge_component(scene.member(actor), draft, data)

    return prepare


WHOLE_NUMBER = "A credence is a whole number from 0 to 100"
NOT_LISTED = "one of the claims offered"
MODERATORS_ONLY = "Only the debate's creator or a member with Manage Threads can resolve a crux"

# fmt: off
COMPONENTS: list[Component] = [
    # modals: what was typed, and what changed while the form was open
    Component("credence form: empty", "modal (Set my credence)", _modal("modal:credence:1", value=""), WHOLE_NUMBER),
    Component("credence form: blank-looking", "modal (Set my credence)", _modal("modal:credence:1", value="\u3164"),
              WHOLE_NUMBER),
    Component("credence form: words", "modal (Set my credence)", _modal("modal:credence:1", value="seventy"),
              WHOLE_NUMBER),
    Component("credence form: 101", "modal (Set my credence)", _modal("modal:credence:1", value="101"),
              "A credence is a percentage from 0 to 100 (got 101)"),
    Component("credence form: a 1,001-character reason", "modal (Set my credence)",
              _modal("modal:credence:1", value="50", reason=_over(1000)),
              "The reason is 1,001 characters long; the limit is 1,000"),
    Component("credence form: the crux was resolved while the form was open", "modal (Set my credence)",
              _modal("modal:credence:2", value="50"), "Crux #2 is resolved; credences are closed"),
    Component("credence form: the debate was ended while the form was open", "modal (Set my credence)",
              _modal("modal:credence:1", place=Place.CLOSED, value="50"), CLOSED, Place.CLOSED),
    Component("credence form: a crux number this debate does not have", "modal (Set my credence)",
              _modal(f"modal:credence:{MISSING_NUMBER}", value="50"), NO_CRUX),
    Component("resolution form: the moderator lost the right while the form was open", "modal (Resolve)",
              _modal("modal:resolve:1", resolution="Settled.", outcome="yes"), MODERATORS_ONLY),
    Component("resolution form: empty", "modal (Resolve)", _modal("modal:resolve:1", actor="alice", resolution=""),
              f"The resolution {EMPTY}"),
    Component("resolution form: an outcome the form does not offer", "modal (Resolve)",
              _modal("modal:resolve:1", actor="alice", resolution="Settled.", outcome="maybe"),
              "“maybe” is not an outcome: choose yes, no, annulled or none"),
    Component("claim form: empty", "modal (/claim)", _modal("modal:claim:", text=""), f"The claim {EMPTY}"),
    Component("claim form: zero-width characters only", "modal (/claim)", _modal("modal:claim:", text=ZERO_WIDTH),
              f"The claim {EMPTY}"),
    Component("claim form: 4,001 characters", "modal (/claim)", _modal("modal:claim:", text=_over(4000)),
              "The claim is 4,001 characters long; the limit is 4,000"),
    Component("claim form: by someone who joined no side", "modal (/claim)",
              _modal("modal:claim:", actor="carol", text="x"), "Join a side with /debate join before you log a claim"),
    Component("claim form: a side of another debate", "modal (/claim)", _modal("modal:claim:left", text="x"),
              f"{NO_SIDE} “left”"),
    Component("rebuttal form: the claim was withdrawn while the form was open", "modal (/rebut)",
              _modal("modal:rebuttal:2", text="x"), "Claim #2 was withdrawn: there is nothing left to answer"),
    Component("edit form: someone else's claim", "modal (/edit)", _modal("modal:edit:1", text="x"),
              "Claim #1 is not yours: only its author can edit it"),
    Component("crux form: the debate was ended while the form was open", "modal (/crux add)",
              _modal("modal:crux:", place=Place.CLOSED, text="q?"), CLOSED, Place.CLOSED),
    Component("crux form: a claim number this debate does not have", "modal (/crux add)",
              _modal(f"modal:crux:{MISSING_NUMBER}", text="q?"), NO_CLAIM),
    Component("a form of ours the bot does not know", "modal", _modal("modal:rebuttal:abc", text="x"),
              "I do not know that form"),
    Component("a form in a DM", "modal (/claim)", _modal("modal:claim:", place=Place.DM, text="x"), IN_SERVERS,
              Place.DM),
    # buttons
    Component("Set my credence: a resolved crux", "button Set my credence",
              _button("home settled crux?", "credence", "bob"), "Crux #2 is resolved; credences are closed"),
    Component("Set my credence: an ended debate", "button Set my credence",
              _button("closed crux?", "credence", "bob", Place.CLOSED), CLOSED, Place.CLOSED),
    Component("Resolve: by a participant who is not a moderator", "button Resolve",
              _button("home crux?", "resolve", "bob"), MODERATORS_ONLY),
    Component("Resolve: a crux already resolved", "button Resolve", _button("home settled crux?", "resolve", "mod"),
              "Crux #2 is already resolved"),
    Component("Join: an ended debate", "button Join", _join_ended, CLOSED, Place.CLOSED),
    # an import draft's buttons (/debate import)
    Component("import draft: Record with nothing accepted", "button Record", _draft("record", 0),
              "Accept at least one item first (its ✓ button, or Accept all)."),
    Component("import draft: change kind of a claim too long for a crux", "button change kind",
              _draft("kind", said=LONG_CLAIM),
              "Item #1 can only be a claim: its text is 1,199 characters long, and a crux may have 1,000 at most."),
    Component("import draft: someone else's draft", "button Accept all", _draft("all", 0, actor="bob"),
              "'s: run /debate import for a draft of your own."),
    Component("import draft: pressed after its day", "button accept", _draft("accept", expired=True),
              "This import draft has expired or was recorded already: run /debate import again."),
    # the credence menu on a crux's message
    Component("credence menu: a value it does not offer", "select (credence menu)", _quick("home crux?", "101"),
              "A credence is a percentage from 0 to 100 (got 101)"),
    Component("credence menu: not a number", "select (credence menu)", _quick("home crux?", "lots"), WHOLE_NUMBER),
    Component("credence menu: no value", "select (credence menu)", _quick("home crux?"),
              "Pick one credence from the menu"),
    Component("credence menu: a resolved crux", "select (credence menu)", _quick("home settled crux?", "50"),
              "Crux #2 is resolved; credences are closed"),
    Component("credence menu: an ended debate", "select (credence menu)",
              _quick("closed crux?", "50", place=Place.CLOSED), CLOSED, Place.CLOSED),
    # the claim picker of Log as rebuttal
    Component("claim picker: a value that is not a number", "select (claim picker)", _pick("abc"),
              f"“abc” is not a claim of the list: pick {NOT_LISTED}"),
    Component("claim picker: no value", "select (claim picker)", _pick(), NOT_LISTED),
    Component("claim picker: two values", "select (claim picker)", _pick("1", "1"), NOT_LISTED),
    Component("claim picker: a claim number this debate does not have", "select (claim picker)",
              _pick(str(MISSING_NUMBER)), NO_CLAIM),
    Component("claim picker: a claim withdrawn since it was offered", "select (claim picker)", _pick("2"),
              "Claim #2 was withdrawn: there is nothing left to answer"),
    Component("claim picker: the message was deleted meanwhile", "select (claim picker)",
              _pick("1", delete_first=True), "That message is no longer in this thread: there is nothing to log"),
    # context menus
    Component("Log as claim: a message of the bot", "menu Log as claim", _menu_on_own_message,
              "That message is mine: log what participants say"),
    Component("Log as crux: a message of another thread", "menu Log as crux",
              _menu("Log as crux", "Said elsewhere?", place=Place.CLOSED, used_in=Place.THREAD, author="mod"),
              "That message is not in this debate's thread"),
    Component("Log as claim: a message of the channel", "menu Log as claim",
              _menu("Log as claim", "Said in the channel.", place=Place.CHANNEL, used_in=Place.THREAD),
              "That message is not in this debate's thread"),
    Component("Log as crux: blank-looking characters only", "menu Log as crux", _menu("Log as crux", "\u3164\u2800"),
              "That message has no text to log"),
    Component("Log as crux: 1,001 characters", "menu Log as crux", _menu("Log as crux", _over(1000)),
              "The message is 1,001 characters long; the limit is 1,000"),
    Component("Log as rebuttal: in an ended debate", "menu Log as rebuttal",
              _menu("Log as rebuttal", "Too late.", place=Place.CLOSED, author="mod"), CLOSED, Place.CLOSED),
    Component("Log as claim: outside a debate thread", "menu Log as claim",
              _menu("Log as claim", "Said in the channel.", place=Place.CHANNEL), NOT_A_THREAD, Place.CHANNEL),
]
# fmt: on


@pytest.mark.parametrize("case", [case.param() for case in COMPONENTS])
async def test_bad_input_through_components_is_refused_privately_and_changes_nothing(
    scene: Scene, case: Component
) -> None:
    act = await case.prepare(scene)
    before, seen = await snapshot(scene.stage.db), scene.visible()
    result = await act()
    assert result.ephemeral and case.answer in result.text, result.text
    assert await snapshot(scene.stage.db) == before and scene.visible() == seen


async def test_the_component_catalogue_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    undocumented = [case.what for case in COMPONENTS if f"| {case.what} |" not in doc or case.answer not in doc]
    assert undocumented == [], "add these rows to docs/bad-input.md"
    entries = {case.entry.split(" (")[0].split(" ")[0] for case in COMPONENTS}
    assert entries == {"modal", "button", "select", "menu"}
