"""Capture from a conversation: a 200-message ``/debate import`` through the local server, and a 1,000-row transcript.

Discord: the real bot in this process (``bot.local.LocalBot``) on a fresh SQLite file, connected to the local
Discord-compatible server; 10 members post ``--messages`` messages in a debate's thread (claims, replies, questions,
one-word messages, repeats), then the debate's creator runs ``/debate import messages:N``. Timed from the command to
the draft on screen (reading the history over REST in pages of 100, drafting, storing the draft) — the median and
the slowest of ``--runs`` imports — and then Accept all and Record (all items in one transaction).

Transcript: ``--rows`` rows of JSON lines written to a temporary file, then ``bot.cli.importer.import_transcript`` with
``--yes`` (read, check every row, draft, print, record all or nothing), timed on a fresh SQLite file each run.

Targets: each under 2 s.

    python -m benchmarks.imports [--messages 200] [--rows 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    add_members,
    print_machine,
    print_table,
    run_benchmark,
    sqlite_url,
    start_debate,
    verdict,
    write_results,
)
from bot.cli.importer import ImportRequest, import_transcript
from bot.core.debates import lifecycle as core
from bot.db import Database
from bot.local import LocalBot
from schema import DebateNumber
from sim import DiscordSim, SimMessage

TARGET_SECONDS = 2.0
MEMBERS = 10


def message_text(n: int) -> str:
    """The ``n``-th message of the conversation: mostly claims, every fifth a question, every ninth one word, every
    eleventh a repeat."""
    if n % 9 == 8:
        return "agreed"
    if n % 11 == 10:
        return message_text(n - 10)
    if n % 5 == 4:
        return f"Would evaluation number {n} change your mind about interpretability?"
    return f"Point {n}: interpretability tools compound, because each one makes the next model easier to audit."


async def discord_import(folder: Path, messages: int, runs: int) -> dict[str, float]:
    """Seconds for ``/debate import`` of ``messages`` messages (median, slowest) and for Accept all + Record."""
    async with DiscordSim() as sim:
        sim.message_content_intent = True  # reading others' messages needs it (README, "The Message Content intent")
        guild = sim.add_guild("Bench")
        channel = sim.add_text_channel(guild, "debates")
        members = add_members(sim, guild, MEMBERS)
        db = Database(sqlite_url(folder / "discord.db"))
        await db.upgrade()
        runner = LocalBot(sim, db)
        await runner.start()
        try:
            thread = await start_debate(sim, channel, members)
            posted: list[SimMessage] = []
            for n in range(messages):
                reply_to = posted[n - 3] if n % 4 == 3 and n >= 3 else None
                posted.append(await sim.post_message(members[n % MEMBERS], thread, message_text(n), reply_to=reply_to))
            shown = []
            for _ in range(runs):
                started = time.perf_counter()
                result = await sim.invoke(members[0], thread, "debate import", messages=messages)
                shown.append(time.perf_counter() - started)
                if "Import draft" not in result.text or result.message is None:
                    raise RuntimeError(f"/debate import failed: {result.text}")
            draft = result.message
            assert draft is not None  # checked in the loop
            draft_id = draft.custom_ids[-1].split(":")[1]
            await sim.click(members[0], draft, f"import:{draft_id}:all:0")
            started = time.perf_counter()
            recorded = await sim.click(members[0], draft, f"import:{draft_id}:record:0")
            record = time.perf_counter() - started
            if "Recorded" not in recorded.text:
                raise RuntimeError(f"Record failed: {recorded.text}")
        finally:
            await runner.stop()
            await db.dispose()
    return {"median": statistics.median(shown), "slowest": max(shown), "record": record}


async def transcript_import(folder: Path, rows: int, runs: int) -> dict[str, float]:
    """Seconds for ``python -m bot import --yes`` of a ``rows``-row transcript (median, slowest), in process."""
    path = folder / "transcript.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(rows):
            row = {"id": n, "author": f"Speaker {n % MEMBERS}", "text": message_text(n)}
            if n % 4 == 3:
                row["reply_to"] = n - 3
            out.write(json.dumps(row) + "\n")
    seconds = []
    for run in range(runs):
        db = Database(sqlite_url(folder / f"transcript-{run}.db"))
        await db.upgrade()
        try:
            async with db.write() as session:
                await session.run_sync(
                    core.start_debate,
                    core.Actor(1, 2),
                    core.plan_debate("Interpretability or governance?"),
                    channel_id=3,
                    thread_id=4,
                )
            started = time.perf_counter()
            status = await import_transcript(db, ImportRequest(DebateNumber(1), path, yes=True), io.StringIO(), None)
            seconds.append(time.perf_counter() - started)
            if status != 0:
                raise RuntimeError("the transcript import failed")
        finally:
            await db.dispose()
    return {"median": statistics.median(seconds), "slowest": max(seconds)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print_machine()
    with tempfile.TemporaryDirectory() as folder:
        chat = await discord_import(Path(folder), args.messages, args.runs)
        transcript = await transcript_import(Path(folder), args.rows, args.runs)
    print_table(
        f"Capture from a conversation ({args.runs} runs; target: under {TARGET_SECONDS:.0f} s)",
        ["import", "median s", "slowest s", "target"],
        [
            [f"/debate import of {args.messages} messages", f"{chat['median']:.2f}", f"{chat['slowest']:.2f}",
             verdict(chat["slowest"] < TARGET_SECONDS)],
            [f"python -m bot import of {args.rows} rows", f"{transcript['median']:.2f}",
             f"{transcript['slowest']:.2f}", verdict(transcript["slowest"] < TARGET_SECONDS)],
        ],
    )  # fmt: skip
    print(f"Record of the {args.messages}-message draft (Accept all, one transaction): {chat['record']:.2f} s")
    settings = {"messages": args.messages, "rows": args.rows, "runs": args.runs}
    print(f"results: {write_results('imports', settings, {'discord': chat, 'transcript': transcript})}")


if __name__ == "__main__":
    run_benchmark(main())
