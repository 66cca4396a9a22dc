"""What the benchmarks share: machine facts, result files, tables, latency statistics, a bot as a subprocess of the
benchmark, and simulated users issuing slash commands through the local Discord-compatible server (``sim``)."""

from __future__ import annotations

import argparse
import asyncio
import enum
import json
import os
import platform
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import asyncpg
import discord
import sqlalchemy
from sqlalchemy.engine import make_url

from bot.config import normalize_database_url
from bot.runtime import event_loop
from sim import DiscordSim, InteractionResult, SimChannel, SimGuild, SimMember, jsoncodec

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"

#: ``python -m bot``: the real bot, as an operator runs it.
DEBATE_BOT = ("-m", "bot")
#: ``python -m benchmarks.null_bot``: the same ``/claim`` signature, answering "ok" and doing nothing else.
NULL_BOT = ("-m", "benchmarks.null_bot")

READY_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0
SLOW_DOWN_MARKER = "Slow down"


# ----- machine facts and result files -------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_facts() -> dict[str, Any]:
    """Cores, CPU, OS and the versions that matter (Python, discord.py, SQLAlchemy, SQLite, aiohttp), and the date."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "discord.py": discord.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "aiohttp": aiohttp.__version__,
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        "sim_event_loop": sim_event_loop(),
        "sim_json": jsoncodec.CODEC,
    }


def run_benchmark(main: Coroutine[Any, Any, None]) -> None:
    """Run a benchmark's ``main`` on the event loop the bot serves on (uvloop when it is installed), which makes the
    sim in this process cheaper."""
    event_loop.run(main)


def sim_event_loop() -> str:
    """The event loop running in the benchmark's own process (its sim and users, if any), or that none is."""
    try:
        running = event_loop.running()
    except RuntimeError:
        return "no event loop (nothing asynchronous)"
    return f"uvloop {version('uvloop')}" if running == "uvloop" else "asyncio's own loop"


def write_results(name: str, settings: Mapping[str, Any], figures: Mapping[str, Any]) -> Path:
    """Write ``benchmarks/results/<name>.json`` (the latest run; earlier ones are overwritten) and return its path."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {"benchmark": name, "machine": machine_facts(), "settings": dict(settings), "figures": dict(figures)}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


BUSY_LOAD = 0.5


def print_machine() -> None:
    """One line of machine facts and the load average, printed before a benchmark's table, and a warning if the
    machine is busy."""
    facts = machine_facts()
    print(
        f"{facts['cores']} cores ({facts['cpu']}) · Python {facts['python']} · discord.py {facts['discord.py']} · "
        f"SQLAlchemy {facts['sqlalchemy']} · SQLite {facts['sqlite']} · {facts['date']}"
    )
    print("load average at start (1, 5, 15 min): " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    print(
        f"this process (the sim and its users, if any) runs on {facts['sim_event_loop']}, "
        f"with {facts['sim_json']} for JSON"
    )
    if facts["load_average_1m_at_start"] > BUSY_LOAD:
        print(
            f"warning: load average {facts['load_average_1m_at_start']} — other work on this machine will skew "
            "the figures; run again when it is idle"
        )


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    print(f"\n{title}")
    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))


def positive(value: str) -> int:
    """An ``argparse`` type: a whole number, at least 1."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def verdict(met: bool) -> str:
    """How a target is shown in tables."""
    return "met" if met else "MISSED"


# ----- statistics ---------------------------------------------------------------------------------------------------


WILSON_Z = 1.96
"""The normal quantile of a 95 % interval."""


def wilson(hits: int, count: int, z: float = WILSON_Z) -> tuple[float, float]:
    """The Wilson score interval (95 % by default) of a proportion ``hits``/``count``; (0, 1) when nothing was
    counted."""
    if count == 0:
        return 0.0, 1.0
    share = hits / count
    centre = share + z * z / (2 * count)
    spread = z * ((share * (1 - share) + z * z / (4 * count)) / count) ** 0.5
    scale = 1 + z * z / count
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def share_with_interval(hits: int, count: int) -> str:
    """ "0.71 [0.62, 0.79] (71/100)": a proportion with its 95 % Wilson interval and its counts."""
    if count == 0:
        return "– (0/0)"
    low, high = wilson(hits, count)
    return f"{hits / count:.2f} [{low:.2f}, {high:.2f}] ({hits}/{count})"


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values`` by linear interpolation; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True, slots=True)
class Latency:
    """Latency statistics in milliseconds."""

    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        """Statistics of latencies given in seconds."""
        ms = [s * 1000 for s in seconds]
        mean = sum(ms) / len(ms) if ms else float("nan")
        return cls(len(ms), percentile(ms, 50), percentile(ms, 99), max(ms, default=float("nan")), mean)

    def as_dict(self) -> dict[str, float]:
        """Rounded to 0.01 ms, for result files."""
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in asdict(self).items()}


# ----- the bot as a subprocess --------------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    """The bot's ``DATABASE_URL`` for a SQLite file."""
    return f"sqlite+aiosqlite:///{path}"


def count_rows(database: Path, table: str) -> int:
    """Rows in ``table`` of a SQLite file (committed ones: a fresh connection sees nothing else)."""
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(count)


def add_database_flag(parser: argparse.ArgumentParser) -> None:
    """``--database URL``: a PostgreSQL database to run on instead of temporary SQLite files (its schema is wiped)."""
    parser.add_argument(
        "--database",
        type=postgres_url,
        metavar="URL",
        help="a PostgreSQL database to run on (postgresql://user@host/name); its public schema is dropped and "
        "created again, so give it a database of its own (default: temporary SQLite files)",
    )


def postgres_url(url: str) -> str:
    """A PostgreSQL URL with the bot's driver (``postgresql+asyncpg://``); anything else is refused."""
    if make_url(url).get_backend_name() != "postgresql":
        raise argparse.ArgumentTypeError(f"not a PostgreSQL URL: {url} (SQLite runs on temporary files by default)")
    return normalize_database_url(url)


def describe_database(url: str | None) -> str:
    """The database a benchmark runs on, password hidden."""
    return make_url(url).render_as_string(hide_password=True) if url else "temporary SQLite files"


async def reset_postgres(url: str) -> None:
    """Drop and re-create the ``public`` schema of a PostgreSQL database: empty, ready for the migrations."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(plain)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


#: Flood control (``LOGGING_RATE`` records per user per ``LOGGING_WINDOW_SECONDS``) lifted, so the benchmarks measure
#: capacity: at the shipped 20 per 60 s, 64 users could log only about 21 claims/s between them.
UNLIMITED_LOGGING_RATE = 1_000_000


def bot_environment(
    sim: DiscordSim, database_url: str, logging_rate: int | None = None, settings: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment an operator would set, pointed at ``sim``; ``benchmarks`` importable for the null bot.

    ``logging_rate`` sets ``LOGGING_RATE`` (None: the bot's default flood control); ``settings`` are more variables
    (``SHARD_ID``…). Hints at similar records are off (``SIMILAR_RECORDS=false``) unless ``settings`` turn them on, so
    that the figures do not depend on whether the semantic extra happens to be installed.
    """
    dropped = {"DISCORD_TOKEN", "DATABASE_URL", "SYNC_GUILD_ID", "DISCORD_API_BASE", "DISCORD_GATEWAY_URL"}
    dropped |= {"LOGGING_RATE", "LOGGING_WINDOW_SECONDS", "SHARD_ID", "SHARD_IDS", "SHARD_COUNT", "SIMILAR_RECORDS"}
    dropped |= {"EVENT_LOOP"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    if logging_rate is not None:
        env["LOGGING_RATE"] = str(logging_rate)
    python_path = [str(REPO_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env.update(
        SIMILAR_RECORDS="false",
        DISCORD_TOKEN=sim.token,
        DATABASE_URL=database_url,
        DISCORD_API_BASE=sim.api_base,
        DISCORD_GATEWAY_URL=sim.gateway_url,
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(python_path),
    )
    env.update(settings or {})
    return env


class BotProcess:
    """A bot (``DEBATE_BOT`` or ``NULL_BOT``) running as its own process, connected to ``sim``.

    Its working directory is ``workdir`` (so no ``.env`` of the repository is read) and its stderr goes to a file
    there. Flood control is lifted unless ``logging_rate`` says otherwise (None: the bot's default); ``settings`` are
    more environment variables (``SHARD_ID``, ``SHARD_COUNT``).
    ``async with`` starts it, waits until it has identified and synced its commands, and stops it with SIGTERM.
    """

    def __init__(
        self,
        sim: DiscordSim,
        module: Sequence[str],
        database_url: str,
        workdir: Path,
        *,
        logging_rate: int | None = UNLIMITED_LOGGING_RATE,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.sim = sim
        self.logging_rate = logging_rate
        self.settings = dict(settings or {})
        self.module = tuple(module)
        self.database_url = database_url
        self.workdir = workdir
        name = "-".join([*self.module, *(f"{key}{value}" for key, value in self.settings.items())])
        self.stderr_path = workdir / f"{name.replace('.', '_').strip('-')}.stderr"
        self.process: asyncio.subprocess.Process | None = None
        self.started_at = 0.0
        self.ready_after = 0.0

    @property
    def pid(self) -> int:
        """The process id (after ``start``)."""
        assert self.process is not None, "not started"
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        """The exit status once it has stopped, else None."""
        return self.process.returncode if self.process is not None else None

    async def start(self) -> None:
        """Start the process and wait until the sim has sent it every guild and its commands are synced."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.stderr_path.open("wb") as stderr:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                *self.module,
                cwd=self.workdir,
                env=bot_environment(self.sim, self.database_url, self.logging_rate, self.settings),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=stderr,
            )
        self.started_at = time.perf_counter()
        try:
            await self.sim.wait_until_ready(timeout=READY_TIMEOUT)
            await self.sim.wait_for(lambda: bool(self.sim.commands()), READY_TIMEOUT, "the command sync")
        except BaseException:
            await self.stop()
            raise
        self.ready_after = time.perf_counter() - self.started_at

    async def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after ``STOP_TIMEOUT``; the exit status."""
        process = self.process
        if process is None or process.returncode is not None:
            return process.returncode if process else None
        process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            process.kill()
            return await process.wait()

    def stderr_tail(self, lines: int = 20) -> str:
        """The last lines the process wrote to stderr, without discord.py's start-up notes about voice support."""
        try:
            written = self.stderr_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join([line for line in written if "voice will NOT be supported" not in line][-lines:])

    def rss_mib(self) -> float:
        """Resident memory now (VmRSS), in MiB."""
        return self._status_kib("VmRSS") / 1024

    def peak_rss_mib(self) -> float:
        """The highest resident memory so far (VmHWM), in MiB."""
        return self._status_kib("VmHWM") / 1024

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process and its child processes (the embedding worker) have used."""
        return process_tree_cpu_seconds(self.pid)

    def _status_kib(self, key: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
        raise KeyError(key)

    async def __aenter__(self) -> BotProcess:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.stop()


def machine_busy_seconds() -> float:
    """CPU seconds the machine's cores have been busy since boot (``/proc/stat``: all but idle and iowait)."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int | str) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (field 3, the state, first)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used (``/proc/<pid>/stat``)."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its live descendants (a bot's embedding worker, say)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            children.setdefault(int(_stat_fields(stat.parent.name)[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError):  # the process ended meanwhile
            continue
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += process_cpu_seconds(current)
        except OSError:
            continue
        pending.extend(children.get(current, []))
    return total


def postgres_cpu_seconds() -> dict[int, float]:
    """CPU seconds of every local PostgreSQL server process (the server, its workers, a backend per connection)."""
    used = {}
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                used[int(comm.parent.name)] = process_cpu_seconds(int(comm.parent.name))
        except OSError:  # the process ended meanwhile
            continue
    return used


#: A process using this share of a core or more is saturated: it is what limits the rate.
SATURATED = 0.9
#: Other processes using this many cores or more in a window are said to have skewed it.
OTHERS_NOTICED = 0.2


class CpuMeter:
    """CPU use between ``start`` and ``stop``, in cores (1.0 = one core busy all the time): this process (the sim
    and its load generator), each bot process, with ``postgres`` the local PostgreSQL server's processes (serving
    every database on it), and the whole machine — whatever is left is other processes' work."""

    def __init__(self, *bots: BotProcess, postgres: bool = False) -> None:
        self.bots = bots
        self.postgres = postgres
        self._wall = self._sim = self._machine = 0.0
        self._bots: list[float] = []
        self._postgres: dict[int, float] = {}
        self.sim_share = self.machine_share = self.postgres_share = 0.0
        self.bot_shares: list[float] = []

    @property
    def bot_share(self) -> float:
        """All bot processes together."""
        return sum(self.bot_shares)

    @property
    def others_share(self) -> float:
        """Cores used by processes other than the benchmark's own (and PostgreSQL's, when measured)."""
        return max(0.0, self.machine_share - self.sim_share - self.bot_share - self.postgres_share)

    def start(self) -> None:
        self._wall, self._sim = time.perf_counter(), time.process_time()
        self._machine = machine_busy_seconds()
        self._bots = [bot.cpu_seconds() for bot in self.bots]
        self._postgres = postgres_cpu_seconds() if self.postgres else {}

    def stop(self) -> None:
        """Record each process's CPU use since ``start``."""
        wall = time.perf_counter() - self._wall
        self.sim_share = (time.process_time() - self._sim) / wall
        self.machine_share = (machine_busy_seconds() - self._machine) / wall
        used = [bot.cpu_seconds() - before for bot, before in zip(self.bots, self._bots, strict=True)]
        self.bot_shares = [seconds / wall for seconds in used]
        if self.postgres:
            now = postgres_cpu_seconds()
            self.postgres_share = sum(now[pid] - self._postgres.get(pid, 0.0) for pid in now) / wall

    @property
    def bot_saturated(self) -> bool:
        """Whether a bot process used at least ``SATURATED`` of a core: the figures then measure the bot."""
        return any(share >= SATURATED for share in self.bot_shares)

    @property
    def measures_the_bot(self) -> bool:
        """Whether nothing but the bot held the bot back: it was saturated, or neither the sim nor other work took
        the CPU it could have used (it waited on itself: its threads taking turns, its disk)."""
        contended = self.sim_share >= SATURATED or self.machine_share >= SATURATED * (os.cpu_count() or 1)
        return self.bot_saturated or not (contended or self.others_share >= OTHERS_NOTICED)

    def bottleneck(self) -> str:
        """Which process limited the rate, in words."""
        cores = os.cpu_count() or 1
        others = f"other processes used {self.others_share:.2f} of the {cores} cores"
        if self.bot_saturated:
            which = "the bot and the sim (both saturated)" if self.sim_share >= SATURATED else "the bot (saturated)"
            return which + (f"; {others}" if self.others_share >= OTHERS_NOTICED else "")
        if self.sim_share >= SATURATED:
            return "the sim and load generator (saturated): this measures the server, not the bot"
        if self.machine_share >= SATURATED * cores:
            return f"the machine: all {cores} cores busy, {others} (figures contaminated)"
        if self.others_share >= OTHERS_NOTICED:
            return f"no process saturated, and {others} (figures contaminated)"
        busiest = max(
            [("the sim", self.sim_share), *(("the bot", share) for share in self.bot_shares)], key=lambda x: x[1]
        )
        return (
            f"no process saturated (busiest: {busiest[0]} at {busiest[1]:.2f}): waiting set the rate — for the offered "
            "load (open loop), or inside the busiest process (its threads taking turns, its disk)"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "sim_process_cores": round(self.sim_share, 2),
            "bot_process_cores": round(self.bot_share, 2),
            "bot_processes_cores": [round(share, 2) for share in self.bot_shares],
            **({"postgres_cores": round(self.postgres_share, 2)} if self.postgres else {}),
            "machine_cores_busy": round(self.machine_share, 2),
            "other_processes_cores": round(self.others_share, 2),
            "bottleneck": self.bottleneck(),
            "bot_saturated": self.bot_saturated,
            "measures_the_bot": self.measures_the_bot,
        }


def add_logging_rate_flag(parser: Any) -> None:
    """``--logging-rate N``: the bot's ``LOGGING_RATE`` (default: lifted; 0: the bot's own default, 20 per 60 s)."""
    parser.add_argument(
        "--logging-rate",
        type=int,
        default=UNLIMITED_LOGGING_RATE,
        help="LOGGING_RATE for the bot (default: flood control lifted; 0: the bot's shipped default)",
    )


def add_similar_records_flag(parser: argparse.ArgumentParser) -> None:
    """``--similar-records``: the bot hints at similar records (needs the semantic extra and the official model's
    files, ``python -m bot models fetch``: the bots are started as an operator starts them; default off)."""
    parser.add_argument(
        "--similar-records",
        action="store_true",
        help="turn on hints at similar records, as an operator with the semantic extra and the model fetched has "
        "them (default: off)",
    )


def similar_records_settings(args: argparse.Namespace) -> dict[str, str]:
    """The bot's ``SIMILAR_RECORDS`` setting from ``--similar-records``."""
    return {"SIMILAR_RECORDS": "true" if args.similar_records else "false"}


def logging_rate_setting(value: int) -> int | None:
    """The ``--logging-rate`` flag as ``BotProcess`` takes it."""
    return value or None


# ----- simulated users ----------------------------------------------------------------------------------------------


class Outcome(enum.StrEnum):
    """How an interaction ended for the user."""

    OK = "ok"
    SLOW_DOWN = "slow_down"  # a per-user cooldown answer ("Slow down: …")
    ERROR = "error"  # any other answer only the user sees
    TIMEOUT = "timeout"  # no answer within the sim's answer timeout


def classify(result: InteractionResult) -> Outcome:
    """A public answer is OK; an ephemeral one is a cooldown ("Slow down") or an error."""
    if SLOW_DOWN_MARKER in result.text:
        return Outcome.SLOW_DOWN
    return Outcome.ERROR if result.ephemeral else Outcome.OK


@dataclass
class Tally:
    """Outcomes and latencies (seconds) of interactions; latencies of OK answers only."""

    outcomes: Counter[Outcome] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    samples: dict[Outcome, str] = field(default_factory=dict)

    def record(self, outcome: Outcome, latency: float, text: str = "") -> None:
        self.outcomes[outcome] += 1
        if outcome is Outcome.OK:
            self.latencies.append(latency)
        else:
            self.samples.setdefault(outcome, text[:200])

    def merge(self, other: Tally) -> None:
        self.outcomes.update(other.outcomes)
        self.latencies.extend(other.latencies)
        for outcome, text in other.samples.items():
            self.samples.setdefault(outcome, text)

    def counts(self) -> dict[str, int]:
        return {outcome.value: self.outcomes[outcome] for outcome in Outcome}


async def timed_invoke(
    sim: DiscordSim, member: SimMember, channel: SimChannel, command: str, /, **options: object
) -> tuple[Outcome, float, str]:
    """Run a slash command as ``member``: the outcome, seconds from dispatch to the answer the user sees, its text.

    The clock starts just before the sim sends INTERACTION_CREATE and stops when the sim has processed the bot's
    interaction callback (plus the sim's wake-up of the waiting user, a few tens of microseconds).
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        result = await sim.invoke(member, channel, command, **options)
    except AssertionError as error:  # the sim's "no user-visible answer within answer_timeout"
        return Outcome.TIMEOUT, loop.time() - started, str(error)
    return classify(result), loop.time() - started, result.text


def add_members(sim: DiscordSim, guild: SimGuild, count: int, prefix: str = "user") -> list[SimMember]:
    """``count`` members named ``<prefix>00``, ``<prefix>01``, …"""
    width = len(str(count - 1))
    return [sim.add_member(guild, f"{prefix}{i:0{width}d}") for i in range(count)]


TOPIC = "Should the marginal AI-safety hour go to interpretability or governance?"


async def start_debate(sim: DiscordSim, channel: SimChannel, members: Sequence[SimMember]) -> SimChannel:
    """``/debate start`` by the first member, then every member joins a side (alternating); the debate's thread."""
    result = await sim.invoke(members[0], channel, "debate start", topic=TOPIC)
    if "started" not in result.text:
        raise RuntimeError(f"/debate start failed: {result.text}")
    thread = sim.threads(channel)[-1]
    joins = [
        sim.invoke(member, thread, "debate join", side="for" if i % 2 == 0 else "against")
        for i, member in enumerate(members)
    ]
    for joined in await gather_limited(joins, 8):
        if "joined" not in joined.text:
            raise RuntimeError(f"/debate join failed: {joined.text}")
    return thread


def claim_text(user: int, n: int) -> str:
    """A claim of a realistic length (about 120 characters)."""
    return (
        f"Claim {n} by user {user}: interpretability research compounds, because every tool we build "
        "makes the next model easier to audit."
    )


async def gather_limited(coroutines: Sequence[Any], limit: int) -> list[Any]:
    """Await ``coroutines`` with at most ``limit`` running at once, results in order."""
    semaphore = asyncio.Semaphore(limit)

    async def one(coroutine: Any) -> Any:
        async with semaphore:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))
