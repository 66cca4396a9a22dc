"""What the reliability tests share: figures, simulated load and its outcomes, what the bot sent, the stored record's
integrity, and the bot as a separate process."""

from __future__ import annotations

import asyncio
import enum
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, text
from sqlalchemy.orm import Mapped
from sqlmodel import col, select

from bot.db import Database
from schema import Claim, Crux, Debate, Participant, Side
from sim import DiscordSim, InteractionResult, SimChannel, SimMember
from tests.e2e.conftest import World

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[2]
#: A token shaped like Discord's, so that a leak is unmistakable in logs.
TOKEN = "MTE4NDQ5NTY1NTM0MjYyNjg4MA.GsimRl.reliability-suite-token-never-logged"
#: How many interactions the in-process simulator + bot answer within Discord's 3 s deadline on a 2-core machine
#: (measured: 200 at once are answered in ≈ 2.8 s; 500 at once miss the deadline). Load beyond it is queued.
IN_FLIGHT = 64

# ----- figures ------------------------------------------------------------------------------------------------------

FIGURES: list[str] = []


def report(line: str) -> None:
    """A figure line: printed now and repeated in the terminal summary (see ``conftest.pytest_terminal_summary``)."""
    FIGURES.append(line)
    print(line)


class Stopwatch:
    """Seconds since creation."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start


# ----- the world ----------------------------------------------------------------------------------------------------


def add_users(world: World, count: int, prefix: str) -> list[SimMember]:
    """``count`` plain members of the debating server."""
    return [world.sim.add_member(world.guild, f"{prefix}{i}") for i in range(count)]


async def open_thread(sim: DiscordSim, member: SimMember, channel: SimChannel, **options: object) -> SimChannel:
    """Start a debate through /debate start as ``member`` and return its thread."""
    options.setdefault("topic", "Should the marginal AI-safety hour go to interpretability or governance?")
    result = await sim.invoke(member, channel, "debate start", **options)
    assert "started" in result.text and not result.ephemeral, result.text
    return sim.threads(channel)[-1]


async def seed_debate(
    sim: DiscordSim, member: SimMember, channel: SimChannel, tag: str, sides: str, **options: object
) -> SimChannel:
    """A debate whose creator joined its first side, logged a claim and named a crux, every text carrying ``tag``:
    topic "<tag> debate", claim "<tag> claim", crux "<tag> crux?". ``options`` go to /debate start."""
    thread = await open_thread(sim, member, channel, topic=f"{tag} debate", sides=sides, **options)
    for command, option, value in [
        ("debate join", "side", sides.split(",")[0].strip()),
        ("claim", "text", f"{tag} claim"),
        ("crux add", "question", f"{tag} crux?"),
    ]:
        result = await sim.invoke(member, thread, command, **{option: value})
        assert not result.ephemeral, result.text
    return thread


TextColumn = Mapped[str] | Mapped[str | None]


async def ids_where(db: Database, column: TextColumn, value: str) -> list[int]:
    """The ids of the rows whose ``column`` (``col(Model.field)``) equals ``value``."""
    model: Any = column.class_  # type: ignore[union-attr]  # an instrumented attribute knows its model
    async with db.read() as session:
        return list((await session.execute(select(model.id).where(column == value))).scalars())


async def record_id(db: Database, column: TextColumn, value: str) -> int:
    """The id of the one row whose ``column`` equals ``value``."""
    ids = await ids_where(db, column, value)
    assert len(ids) == 1, f"{len(ids)} rows have {column} == {value!r}"
    return ids[0]


async def record_number(db: Database, column: TextColumn, value: str) -> int:
    """The number in its debate (what users see and type) of the one claim or crux whose ``column`` equals ``value``."""
    model: Any = column.class_  # type: ignore[union-attr]
    async with db.read() as session:
        numbers = list((await session.execute(select(model.number).where(column == value))).scalars())
    assert len(numbers) == 1, f"{len(numbers)} rows have {column} == {value!r}"
    return numbers[0]


# ----- load and its outcomes ----------------------------------------------------------------------------------------


class Outcome(enum.Enum):
    """What one simulated user saw."""

    ACKNOWLEDGED = "acknowledged"  # a public answer: the record was taken
    REFUSED = "refused"  # an answer only the user sees: an error or a refusal
    UNANSWERED = "unanswered"  # delivered to the bot, but no answer within the sim's answer timeout
    UNDELIVERED = "undelivered"  # no bot session was connected to receive it (as on Discord during an outage)


NO_SESSION = "no bot session receives events"
NO_ANSWER = "got no user-visible answer"


def outcome_of(result: InteractionResult | BaseException) -> Outcome:
    """Classify an answer, or the sim's complaint that there was none; anything else is a test failure."""
    if isinstance(result, InteractionResult):
        return Outcome.REFUSED if result.ephemeral else Outcome.ACKNOWLEDGED
    if isinstance(result, AssertionError) and NO_SESSION in str(result):
        return Outcome.UNDELIVERED
    if isinstance(result, AssertionError) and NO_ANSWER in str(result):
        return Outcome.UNANSWERED
    raise result


async def gather_bounded(calls: Iterable[Awaitable[T]], limit: int = IN_FLIGHT) -> list[T | BaseException]:
    """Await every call (coroutines start only when awaited) with at most ``limit`` in flight; results or
    exceptions, in order."""
    slots = asyncio.Semaphore(limit)

    async def run(call: Awaitable[T]) -> T:
        async with slots:
            return await call

    return await asyncio.gather(*(run(call) for call in calls), return_exceptions=True)


_CLAIM_TITLE = re.compile(r"^Claim #(\d+)$", re.MULTILINE)


def claim_number(result: InteractionResult) -> int:
    """The number in a "Claim #N" acknowledgement."""
    match = _CLAIM_TITLE.search(result.text)
    assert match is not None and not result.ephemeral, result.text
    return int(match.group(1))


@dataclass
class ClaimLoad:
    """Simulated users each logging one claim (for a named side, so no join is needed) in one debate thread.

    ``acknowledged`` maps a claim's text to the number its author was shown; ``stop()`` lets in-flight claims end
    and sends no more.
    """

    sim: DiscordSim
    thread: SimChannel
    users: Sequence[SimMember]
    side: str = "for"
    limit: int = IN_FLIGHT
    acknowledged: dict[str, int] = field(default_factory=dict)
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    refusals: dict[str, str] = field(default_factory=dict)  # claim text → the private answer
    started: int = 0
    _stopped: bool = False

    @staticmethod
    def text(user: SimMember) -> str:
        return f"Claim logged by {user.user.username}: evidence {user.id}"

    def stop(self) -> None:
        self._stopped = True

    @property
    def in_flight(self) -> int:
        """Claims sent and not yet answered (or given up on)."""
        return self.started - self.outcomes.total()

    async def run(self) -> ClaimLoad:
        await gather_bounded((self._one(user) for user in self.users), self.limit)
        return self

    async def _one(self, user: SimMember) -> None:
        if self._stopped:
            return
        self.started += 1
        try:
            result: InteractionResult | BaseException = await self.sim.invoke(
                user, self.thread, "claim", text=self.text(user), side=self.side
            )
        except AssertionError as error:
            result = error
        outcome = outcome_of(result)
        self.outcomes[outcome] += 1
        if isinstance(result, InteractionResult):
            if outcome is Outcome.ACKNOWLEDGED:
                self.acknowledged[self.text(user)] = claim_number(result)
            else:
                self.refusals[self.text(user)] = result.text

    def summary(self) -> str:
        return ", ".join(f"{count} {outcome.value}" for outcome, count in sorted(self.outcomes.items(), key=str))


# ----- what the bot sent --------------------------------------------------------------------------------------------

_MESSAGE_PATHS = re.compile(r"^/(channels/\d+/messages(/\d+)?|webhooks/\d+/[^/]+(/messages/[^/]+)?)$")
_MESSAGE_CALLBACKS = {4, 7}  # CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE


def message_bodies(sim: DiscordSim) -> Iterator[dict[str, Any]]:
    """Every message body the bot sent or edited: channel messages, interaction answers, follow-ups, edits."""
    for request in sim.requests:
        body = request.json if isinstance(request.json, dict) else {}
        if request.path.endswith("/callback") and body.get("type") in _MESSAGE_CALLBACKS:
            yield body.get("data") or {}
        elif request.method in ("POST", "PATCH") and _MESSAGE_PATHS.match(request.path):
            yield body


def pinging_bodies(sim: DiscordSim) -> list[dict[str, Any]]:
    """Message bodies that could ping anyone: ``allowed_mentions`` missing, or not ``parse == []`` without lists."""
    risky = []
    for body in message_bodies(sim):
        if not (body.get("content") or body.get("embeds")):
            continue
        allowed = body.get("allowed_mentions")
        if not isinstance(allowed, dict) or allowed.get("parse") != [] or allowed.get("users") or allowed.get("roles"):
            risky.append(body)
    return risky


def assert_nothing_pings(sim: DiscordSim) -> int:
    """Every message the bot sent had mentions disabled; returns how many were checked."""
    assert pinging_bodies(sim) == []
    checked = sum(1 for body in message_bodies(sim) if body.get("content") or body.get("embeds"))
    assert checked > 0, "the bot sent no message at all"
    return checked


# ----- the stored record --------------------------------------------------------------------------------------------


async def claims_by_text(db: Database) -> dict[str, list[int]]:
    """Every stored claim's numbers, by text (a text stored twice has two numbers)."""
    async with db.read() as session:
        rows = (await session.execute(select(Claim.text, Claim.number))).all()
    stored: dict[str, list[int]] = {}
    for body, number in rows:
        stored.setdefault(body, []).append(number)
    return stored


def false_refusals(load: ClaimLoad, stored: dict[str, list[int]]) -> dict[str, str]:
    """Claims whose author was told nothing was recorded, but which were stored."""
    return {text: answer for text, answer in load.refusals.items() if text in stored}


def lost_or_duplicated(acknowledged: dict[str, int], stored: dict[str, list[int]]) -> dict[str, list[int]]:
    """Acknowledged claims not stored exactly once under the number their author was shown."""
    return {text: stored.get(text, []) for text, number in acknowledged.items() if stored.get(text) != [number]}


async def integrity_problems(db: Database) -> list[str]:
    """Half-written or inconsistent rows: what a crash or a race must never leave behind."""
    problems: list[str] = []
    async with db.read() as session:
        if db.is_sqlite:
            verdict = (await session.execute(text("PRAGMA integrity_check"))).scalar_one()
            problems += [] if verdict == "ok" else [f"SQLite integrity check: {verdict}"]
        side_counts: dict[int | None, int] = dict(
            (await session.execute(select(Side.debate_id, func.count()).group_by(col(Side.debate_id)))).all()
        )
        for debate in (await session.execute(select(Debate))).scalars():
            if side_counts.get(debate.id, 0) < 2:
                problems.append(f"debate #{debate.number} has {side_counts.get(debate.id, 0)} sides")
        side_debate: dict[int | None, int] = dict((await session.execute(select(Side.id, Side.debate_id))).all())
        seqs = {d.id: (d.claim_seq, d.crux_seq) for d in (await session.execute(select(Debate))).scalars()}
        claims = (await session.execute(select(Claim))).scalars().all()
        for claim in claims:
            if claim.side_id is None or side_debate.get(claim.side_id) != claim.debate_id:
                problems.append(f"claim #{claim.number} (debate {claim.debate_id}) has side {claim.side_id}")
            if claim.number > seqs[claim.debate_id][0]:
                problems.append(f"claim #{claim.number} is beyond its debate's counter {seqs[claim.debate_id][0]}")
        numbers = Counter((claim.debate_id, claim.number) for claim in claims)
        problems += [f"claim number {n} used {k} times in debate {d}" for (d, n), k in numbers.items() if k > 1]
        for crux in (await session.execute(select(Crux))).scalars():
            if crux.number > seqs[crux.debate_id][1]:
                problems.append(f"crux #{crux.number} is beyond its debate's counter {seqs[crux.debate_id][1]}")
        for participant in (await session.execute(select(Participant))).scalars():
            if side_debate.get(participant.side_id) != participant.debate_id:
                problems.append(f"participant {participant.user_id} is on a side of another debate")
    return problems


# ----- the bot as a process -----------------------------------------------------------------------------------------


class BotProcess:
    """``python -m bot`` configured by the environment, as an operator runs it, talking to ``sim``.

    It imports the code of this checkout (``PYTHONPATH``) and runs in ``workdir`` (so no ``.env`` is read); extra
    ``settings`` (``SHARD_ID="1"``) go to its environment.
    """

    def __init__(
        self, sim: DiscordSim, db: Database, workdir: Path, log_level: str = "WARNING", **settings: str
    ) -> None:
        self.sim = sim
        self.workdir = workdir
        dropped = ("DISCORD_TOKEN", "DATABASE_URL", "EVENT_LOOP")  # the bot's loop: its default unless ``settings`` say
        self.env = {key: value for key, value in os.environ.items() if key not in dropped}
        self.env |= {
            "DISCORD_TOKEN": sim.token,
            "DATABASE_URL": db.url.render_as_string(hide_password=False),
            "DISCORD_API_BASE": sim.api_base,
            "DISCORD_GATEWAY_URL": sim.gateway_url,
            "LOG_LEVEL": log_level,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
            **settings,
        }
        self.process: asyncio.subprocess.Process | None = None
        self.stderr = b""
        self._stderr_reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=self.workdir, env=self.env, stderr=asyncio.subprocess.PIPE
        )
        self._stderr_reader = asyncio.create_task(self._read_stderr(self.process))

    async def _read_stderr(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        while chunk := await process.stderr.read(65536):
            self.stderr += chunk

    async def wait_serving(self, member: SimMember, channel: SimChannel, within: float = 60.0) -> None:
        """Wait until the bot answers (an autocomplete probe): connected, identified, commands synced."""
        stopwatch = Stopwatch()
        probe_timeout = self.sim.answer_timeout
        self.sim.answer_timeout = 1.0
        try:
            while True:
                self._check_running()
                try:
                    if self.sim.commands():
                        await self.sim.autocomplete(member, channel, "claim", "side")
                        return
                except AssertionError:
                    pass  # not (yet) connected
                if stopwatch.elapsed > within:
                    raise TimeoutError(f"the bot did not serve within {within:.0f} s: {self.stderr.decode()[-2000:]}")
                await asyncio.sleep(0.2)
        finally:
            self.sim.answer_timeout = probe_timeout

    def _check_running(self) -> None:
        assert self.process is not None
        if self.process.returncode is not None:
            raise AssertionError(f"the bot exited with {self.process.returncode}: {self.stderr.decode()[-2000:]}")

    async def logged(self, text: str, within: float = 60.0) -> str:
        """The first line of the bot's log containing ``text``, waiting for it."""
        async with asyncio.timeout(within):
            while True:
                lines = [line for line in self.stderr.decode().splitlines() if text in line]
                if lines:
                    return lines[0]
                self._check_running()
                await asyncio.sleep(0.2)

    async def kill(self) -> None:
        """``kill -9``."""
        assert self.process is not None
        self.process.kill()
        await self.wait()

    async def terminate(self, within: float) -> float:
        """SIGTERM; the seconds until the process ended (``TimeoutError`` if it is still running after ``within``)."""
        assert self.process is not None
        stopwatch = Stopwatch()
        self.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.wait(), within)
        return stopwatch.elapsed

    async def wait(self) -> int:
        assert self.process is not None and self._stderr_reader is not None
        status = await self.process.wait()
        await self._stderr_reader
        return status

    @property
    def returncode(self) -> int | None:
        return self.process.returncode if self.process is not None else None

    async def ensure_stopped(self) -> None:
        """Kill the process if a failed test left it running."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.wait()
