"""Export, forget and delete of a member and a debate holding 10,000 records, with live claims running.

One process, the bot's database layer (``bot.db.Database``) and its core, as ``/mydata export``, ``/mydata forget``
and ``/debate delete`` run them (``bot.runtime.privacy``). A debate holds ``--records`` records of one member
(claims, every tenth edited once, and cruxes, each with a credence of the member and of another participant), plus
others' claims. Meanwhile ``--tasks`` loggers log claims through ``/claim``'s job (``add_claim`` in
``Database.transact``), in the member's debate for export and forget, in another debate for the deletion.

Figures: each operation's time (target: 30 s at most); the live claims' latency during it against the same loggers
alone, in the same run (p50, p99; ratio = during / alone); claims refused meanwhile (target: none); the process's
CPU seconds per phase. The erasure runs as jobs of 500 rows, so a live claim waits behind one job at most.

    python -m benchmarks.privacy [--records 10000] [--tasks 8] [--database postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from benchmarks.common import (
    Latency,
    add_database_flag,
    claim_text,
    describe_database,
    positive,
    print_machine,
    print_table,
    reset_postgres,
    sqlite_url,
    verdict,
    write_results,
)
from bot.core.claims import arguments as claims
from bot.core.cruxes.lifecycle import keep_stance
from bot.core.debates import lifecycle as debates
from bot.core.privacy.erasure import delete_debate, forget_member
from bot.db import Database
from bot.runtime.privacy import erase, export
from schema import Claim, ClaimRevision, Credence, Crux, Debate, id_of, table_of, utcnow

TARGET_SECONDS = 30.0
GUILD, MEMBER, OTHER = 10**17 + 1, 10**17 + 2, 10**17 + 3
LOGGERS_FROM = 10**17 + 100
MEMBERS_THREAD, OTHER_THREAD = 10**17 + 10, 10**17 + 11
CRUX_SHARE = 5
"""One record in this many is a crux (with two credences), the rest claims."""


async def start(db: Database, thread: int, users: list[int]) -> int:
    """A debate in ``thread`` that ``users`` have joined; its id."""
    async with db.write() as session:
        plan = debates.plan_debate("Tabs or spaces?")
        debate = await session.run_sync(
            debates.start_debate, debates.Actor(GUILD, MEMBER), plan, channel_id=1, thread_id=thread
        )
        for user in users:
            await session.run_sync(debates.join, debate, user, "for")
        return id_of(debate)


def seed_records(session: Session, debate_id: int, records: int) -> None:
    """``records`` records of the member in the debate, with edits and credences, and as many claims of another."""
    now = utcnow()
    cruxes = records // CRUX_SHARE
    member_claims = records - cruxes
    claim_rows = [
        {"debate_id": debate_id, "number": n, "author_id": user, "logged_by_id": user, "text": claim_text(user % 7, n),
         "created_at": now}
        for n, user in enumerate([MEMBER] * member_claims + [OTHER] * member_claims, start=1)
    ]  # fmt: skip
    session.execute(insert(table_of(Claim)), claim_rows)
    ids = [id_ for (id_,) in session.execute(table_of(Claim).select().with_only_columns(table_of(Claim).c.id))]
    revisions = [
        {"claim_id": id_, "text": "an earlier text", "revised_by_id": MEMBER} for id_ in ids[:member_claims:10]
    ]
    session.execute(insert(table_of(ClaimRevision)), revisions)
    for n in range(1, cruxes + 1):
        crux = Crux(debate_id=debate_id, number=n, question=f"Will {n} happen?", author_id=MEMBER)
        session.add(crux)
        session.flush()
        for user, value in ((MEMBER, 30), (OTHER, 80)):
            credence = Credence(crux_id=id_of(crux), user_id=user, value=value, reason="because")
            session.add(credence)
            session.flush()
            keep_stance(session, credence)
    debate = table_of(Debate)
    session.execute(
        debate.update().where(debate.c.id == debate_id).values(claim_seq=2 * member_claims, crux_seq=cruxes)
    )


@dataclass
class Loggers:
    """``tasks`` loggers logging claims in the debate of ``thread`` until stopped: latencies and refusals."""

    db: Database
    tasks: int
    thread: int
    latencies: list[float]
    refused: list[str]
    running: bool = True

    def job(self, user: int, n: int) -> Callable[[Session], object]:
        def log(session: Session) -> object:
            debate = debates.open_debate_in_thread(session, GUILD, self.thread)
            return claims.add_claim(session, debate, debates.Actor(GUILD, user), claim_text(user % 7, n))

        return log

    async def logger(self, user: int) -> None:
        n = 0
        while self.running:
            began = time.perf_counter()
            try:
                await self.db.transact(self.job(user, n))
            except Exception as error:  # a refusal is a finding, not a crash
                self.refused.append(f"{type(error).__name__}: {error}")
            self.latencies.append(time.perf_counter() - began)
            n += 1

    async def during(self, work: Callable[[], Awaitable[Any]] | None, seconds: float) -> tuple[float, Latency, float]:
        """Run the loggers alone for ``seconds`` (``work`` None), or while ``work`` runs: its time, the loggers'
        latency meanwhile, and this process's CPU seconds."""
        self.latencies.clear()
        self.running = True
        cpu = time.process_time()
        loggers = [asyncio.create_task(self.logger(LOGGERS_FROM + i)) for i in range(self.tasks)]
        await asyncio.sleep(0.2)  # the loggers are running before the work starts
        self.latencies.clear()
        began = time.perf_counter()
        if work is None:
            await asyncio.sleep(seconds)
        else:
            await work()
        took = time.perf_counter() - began
        self.running = False
        await asyncio.gather(*loggers)
        return took, Latency.of(self.latencies), time.process_time() - cpu


async def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    db = Database(url)
    try:
        await db.upgrade()
        loggers = [LOGGERS_FROM + i for i in range(args.tasks)]
        members = await start(db, MEMBERS_THREAD, [MEMBER, OTHER, *loggers])
        others = await start(db, OTHER_THREAD, loggers)
        began = time.perf_counter()
        async with db.write() as session:
            await session.run_sync(seed_records, members, args.records)
        seeded = time.perf_counter() - began
        live = Loggers(db, args.tasks, MEMBERS_THREAD, [], [])
        phases: dict[str, tuple[float, Latency, float]] = {"alone": await live.during(None, args.alone)}
        exported: dict[str, object] = {}

        async def export_member() -> None:
            exported.update(await export(db, MEMBER, GUILD))

        phases["export"] = await live.during(export_member, 0)
        phases["forget"] = await live.during(lambda: erase(db, forget_member(MEMBER, GUILD)), 0)
        live.thread = OTHER_THREAD
        phases["delete debate"] = await live.during(lambda: erase(db, delete_debate(members)), 0)
        del others
        return {"seeded_seconds": seeded, "phases": phases, "refused": live.refused, "exported_tables": len(exported)}
    finally:
        await db.dispose()


def report(args: argparse.Namespace, url: str | None, measured: dict[str, Any]) -> None:
    phases: dict[str, tuple[float, Latency, float]] = measured["phases"]
    alone = phases["alone"][1]
    rows = []
    for name, (took, latency, cpu) in phases.items():
        timed = name != "alone"
        rows.append([
            name,
            f"{took:.2f} s" + (f" ({verdict(took <= TARGET_SECONDS)})" if timed else ""),
            latency.count,
            f"{latency.p50_ms:.1f} ms ({latency.p50_ms / alone.p50_ms:.1f}×)",
            f"{latency.p99_ms:.1f} ms ({latency.p99_ms / alone.p99_ms:.1f}×)",
            f"{cpu:.2f} s",
        ])  # fmt: skip
    print_table(
        f"{args.records} records of one member, {args.tasks} live loggers, {describe_database(url)} "
        f"(seeded in {measured['seeded_seconds']:.1f} s)",
        ["phase", "time", "live claims", "p50 (× alone)", "p99 (× alone)", "process CPU"],
        rows,
    )
    refused = measured["refused"]
    print(
        f"live claims refused meanwhile: {len(refused)} ({verdict(not refused)}){': ' + refused[0] if refused else ''}"
    )
    figures = {
        name: {"seconds": round(took, 3), "live": latency.as_dict(), "cpu_seconds": round(cpu, 2)}
        for name, (took, latency, cpu) in phases.items()
    }
    figures["refused"] = len(refused)  # type: ignore[assignment]
    print(f"results: {write_results('privacy', vars(args) | {'database': describe_database(url)}, figures)}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=positive, default=10_000, help="the member's records (default 10,000)")
    parser.add_argument("--tasks", type=positive, default=8, help="live claim loggers (default 8)")
    parser.add_argument("--alone", type=float, default=3.0, help="seconds of live claims alone, the baseline")
    add_database_flag(parser)
    args = parser.parse_args()
    print_machine()
    if args.database:
        await reset_postgres(args.database)
        report(args, args.database, await run(args, args.database))
        return
    with tempfile.TemporaryDirectory() as folder:
        report(args, None, await run(args, sqlite_url(Path(folder) / "privacy.db")))


if __name__ == "__main__":
    asyncio.run(main())
