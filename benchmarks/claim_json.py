"""JSON per ``/claim``: the texts discord.py parses and writes for one claim, timed with the standard library's codec
and with the bot's (orjson through ``bot.runtime.json_codec``).

The real bot runs in this process (``bot.local.LocalBot``) on a fresh SQLite file, connected to the local server.
While one member logs one claim, discord.py's JSON functions are wrapped to keep what passes through them: the
gateway's INTERACTION_CREATE, the callback's body and the callback's ``with_response`` answer. Each is then parsed or
written ``--repeat`` times with each codec, five times over, keeping the least CPU time of this process: what the
codec saves per claim, whatever else runs on the machine (the only process measured is this one, on one core).

    python -m benchmarks.claim_json [--repeat 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import discord.utils

from benchmarks.common import add_members, positive, print_machine, print_table, sqlite_url, start_debate, write_results
from bot.db import Database
from bot.local import LocalBot
from bot.runtime import json_codec
from sim import DiscordSim

#: What discord.py does without orjson (``discord.utils``).
STANDARD = (json.loads, lambda value: json.dumps(value, separators=(",", ":"), ensure_ascii=True))
#: What the bot does: orjson with the standard library for what orjson refuses, or without orjson the standard library.
BOT = (json_codec.loads, json_codec.dumps) if json_codec.HAS_ORJSON else STANDARD
SETTLE_S = 0.5


async def one_claim_texts(folder: Path) -> dict[str, tuple[str, Any]]:
    """The JSON of one ``/claim``, by what it is: ``(direction, text or value)``, direction ``loads`` or ``dumps``."""
    seen: list[tuple[str, Any]] = []
    async with DiscordSim() as sim:
        guild = sim.add_guild("Bench")
        channel = sim.add_text_channel(guild, "debates")
        members = add_members(sim, guild, 2)
        db = Database(sqlite_url(folder / "claim.db"))
        await db.upgrade()
        runner = LocalBot(sim, db)
        await runner.start()
        loads, dumps = discord.utils._from_json, discord.utils._to_json
        try:
            thread = await start_debate(sim, channel, members)
            discord.utils._from_json = _recording(seen, "loads", loads)  # type: ignore[assignment, unused-ignore]
            discord.utils._to_json = _recording(seen, "dumps", dumps)  # type: ignore[assignment, unused-ignore]
            result = await sim.invoke(members[0], thread, "claim", text="Interpretability tools *compound* over time")
            if "Claim #1" not in result.text:
                raise RuntimeError(f"/claim was not answered with its embed: {result.text}")
            await asyncio.sleep(SETTLE_S)  # the bot parses the callback's answer after the sim has taken the callback
        finally:
            discord.utils._from_json, discord.utils._to_json = loads, dumps
            await runner.stop()
            await db.dispose()
    return _by_role(seen)


def _recording(seen: list[tuple[str, Any]], direction: str, codec: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def record(value: Any) -> Any:
        seen.append((direction, value))
        return codec(value)

    return record


def _by_role(seen: list[tuple[str, Any]]) -> dict[str, tuple[str, Any]]:
    def first(direction: str, test: Callable[[Any], bool]) -> tuple[str, Any]:
        return next((d, value) for d, value in seen if d == direction and test(value))

    def text(value: Any) -> str:
        return value if isinstance(value, str) else bytes(value).decode()

    return {
        "the gateway's INTERACTION_CREATE": first("loads", lambda v: '"INTERACTION_CREATE"' in text(v)),
        "the callback's body": first("dumps", lambda v: isinstance(v, dict) and "embeds" in v.get("data", {})),
        "the callback's with_response answer": first("loads", lambda v: text(v).startswith('{"interaction"')),
    }


def cpu_microseconds(work: Callable[[Any], object], value: Any, repeat: int) -> float:
    """The least CPU time of five rounds of ``repeat`` calls, per call, in microseconds."""
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(repeat):
            work(value)
        best = min(best, (time.process_time() - started) / repeat)
    return best * 1e6


async def main_async(args: argparse.Namespace) -> None:
    print_machine()
    codec = "orjson through bot.runtime.json_codec" if json_codec.HAS_ORJSON else "the standard library (no orjson)"
    print(f"the bot's codec: {codec}")
    with tempfile.TemporaryDirectory(prefix="bench-claim-json-") as folder:
        texts = await one_claim_texts(Path(folder))
    rows: list[list[object]] = []
    figures: dict[str, dict[str, Any]] = {}
    for name, (direction, value) in texts.items():
        index = 0 if direction == "loads" else 1
        size = len(value) if direction == "loads" else len(STANDARD[1](value))
        standard = cpu_microseconds(STANDARD[index], value, args.repeat)
        bot = cpu_microseconds(BOT[index], value, args.repeat)
        figures[name] = {
            "bytes": size,
            "direction": direction,
            "standard_us": round(standard, 2),
            "bot_us": round(bot, 2),
        }
        rows.append([name, direction, size, f"{standard:.1f}", f"{bot:.1f}"])
    standard_total = sum(f["standard_us"] for f in figures.values())
    bot_total = sum(f["bot_us"] for f in figures.values())
    rows.append(["per /claim", "", "", f"{standard_total:.1f}", f"{bot_total:.1f}"])
    print_table(
        f"JSON of one /claim, CPU µs per call of this process (least of 5 × {args.repeat:,})",
        ["text", "", "bytes", "standard library µs", "bot's codec µs"],
        rows,
    )
    print(f"saved per /claim: {standard_total - bot_total:.1f} µs of CPU")
    path = write_results("claim_json", vars(args), {"texts": figures, "orjson": json_codec.HAS_ORJSON})
    print(f"results: {path}")


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.claim_json", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=positive, default=20_000, help="calls per timed round (default 20,000)")
    asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
