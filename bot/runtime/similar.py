"""Similar records at run time: embedding records after they are committed, hinting at likely duplicates, and
ordering the claims a rebuttal from chat may answer.

Everything here is best effort and never delays an answer. The model runs in one worker process of the lowest
priority (``bot.runtime.semantic``), shared by every bot of the process: embedding takes CPU time only when nothing else
wants it, and never holds the bot's interpreter. A record is embedded after its answer was sent, and its vector stored
(``bot.core.claims.similar``): a new record is compared with the debate's stored vectors, never embedding them again
(the vectors missing — records logged before the extra was installed, or edited — are made in the same pass). Without
the ``semantic`` extra or the model's files (``python -m bot models fetch``), or with ``SIMILAR_RECORDS=false``,
nothing happens and the hints are simply absent.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import multiprocessing
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from functools import partial
from typing import Any

from bot.core.claims import similar
from bot.core.claims.similar import Comparison, Entry, Hint, Record
from bot.core.records import ClaimSnapshot, RecordId
from bot.db import Database
from bot.runtime.model_files import ModelFiles
from schema import DebateId

log = logging.getLogger(__name__)
HintHandler = Callable[[Hint], Awaitable[None]]
EXTRA_MODULES = ("numpy", "onnxruntime", "tokenizers")
NICENESS = 19
ORDER_WAIT = 1.5
"""Seconds the rebuttal picker waits for the ordering; after that it shows the most recent claims first."""
HINT_DEADLINE = 60.0
"""A hint found later than this after its record (a long backlog) is not sent: it would come out of the blue."""
BACKFILL = 50
"""At most this many of a debate's records without a vector are embedded along with a new record."""
MAX_WAITING = 32
"""Records waiting to be embedded, beyond which new ones are skipped (no hint; their vector is made later, with the
debate's next record): under a burst the embedding must not pile up work for the event loop and the database."""

_lock = threading.Lock()
_processes: dict[ModelFiles, Executor | None] = {}


def model_process(files: ModelFiles) -> Executor | None:
    """The process's embedding worker for ``files`` (started on first call; a bot process uses one set of files, so
    one worker), or ``None`` when the ``semantic`` extra is missing."""
    with _lock:
        if files not in _processes:
            _processes[files] = _start_process(files)
        return _processes[files]


def stop_model_process() -> None:
    """End the workers at once (at exit: a worker still loading the model would otherwise hold the exit up)."""
    with _lock:
        workers = list(_processes.values())
        _processes.clear()
    for worker in workers:
        if isinstance(worker, ProcessPoolExecutor):
            for process in list(getattr(worker, "_processes", {}).values()):  # the executor offers no kill of its own
                process.terminate()
            worker.shutdown(wait=False, cancel_futures=True)


def _start_process(files: ModelFiles) -> Executor | None:
    missing = [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        log.info("No similar-record hints: %s not installed (the semantic extra).", ", ".join(missing))
        return None
    from bot.runtime import semantic

    return ProcessPoolExecutor(
        1,
        mp_context=multiprocessing.get_context("spawn"),  # not fork: this process has threads
        initializer=semantic.start_worker,
        initargs=(NICENESS, files),
    )


def _log_unavailable(loaded: Future[str | None]) -> None:
    """Log why the worker has no model, if it has none."""
    reason = None if loaded.cancelled() or loaded.exception() else loaded.result()
    if reason:
        log.warning("No similar-record hints: %s", reason)


async def _in_worker(worker: Executor, function: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(worker, function, *args)


class SimilarRecords:
    """The bot's similar-records service, embedding with the model ``files``. ``model`` gives the worker (``None``:
    no model installed); by default, the process's worker for ``files``."""

    def __init__(
        self,
        db: Database,
        files: ModelFiles,
        *,
        enabled: bool = True,
        model: Callable[[], Executor | None] | None = None,
    ) -> None:
        self.db = db
        self.enabled = enabled
        self.model_name = files.name
        self.model = model or partial(model_process, files)
        self._tasks: set[asyncio.Task[None]] = set()
        self._one_at_a_time = asyncio.Lock()
        self._last_hint: dict[int, float] = {}  # debate id → loop time of its latest hint

    def start(self) -> None:
        """Start the worker loading the model now, without waiting for it (the first records wait for it instead);
        when it cannot (a model file missing or not the pinned one), the bot's log says why in one line."""
        worker = self.model() if self.enabled else None
        if worker is not None:
            from bot.runtime import semantic

            worker.submit(semantic.unavailable).add_done_callback(_log_unavailable)

    def after_logged(self, record: Record, record_id: RecordId, on_hint: HintHandler | None = None) -> None:
        """Once the answer is sent: embed the record and store its vector; ``on_hint`` gets a likely duplicate."""
        if not self.enabled:
            return
        if len(self._tasks) >= MAX_WAITING:
            log.debug("Embedding backlog full: %s %s gets no hint", record.value, record_id)
            return
        task = asyncio.get_running_loop().create_task(self._embed_and_compare(record, record_id, on_hint))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def later(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` in the background as the embedding is (counted by :meth:`settled`, cancelled by
        :meth:`close`); its failure is logged, never raised."""

        async def run() -> None:
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Background similarity work failed")

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def nearest_earlier(self, texts: Sequence[str], authors: Sequence[object]) -> list[int | None] | None:
        """For each text, the index of the most similar earlier text by another author (``semantic.nearest_earlier``);
        ``None`` without a model. Slow (each text embedded): run it with :meth:`later`."""
        worker = self.model() if self.enabled and len(texts) > 1 else None
        if worker is None:
            return None
        from bot.runtime import semantic

        nearest: list[int | None] | None = await _in_worker(worker, semantic.nearest_earlier, texts, authors)
        return nearest

    async def settled(self) -> None:
        """Wait for the records being embedded (tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Stop embedding: nothing is lost but hints (a missing vector is made with the debate's next record)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _embed_and_compare(self, record: Record, record_id: RecordId, on_hint: HintHandler | None) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with self._one_at_a_time:  # reads and writes only as fast as the worker embeds
                found = await self._compare(record, record_id)
            if found is None or on_hint is None or loop.time() - started > HINT_DEADLINE:
                return
            debate_id, hint = found
            if loop.time() - self._last_hint.get(debate_id, -similar.HINT_SPACING) < similar.HINT_SPACING:
                return
            self._last_hint[debate_id] = loop.time()
            await on_hint(hint)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("Could not compare %s %s with the debate's records", record.value, record_id)

    async def _compare(self, record: Record, record_id: RecordId) -> tuple[int, Hint] | None:
        """Embed the record (and earlier ones without a vector), store the vectors, and return the hint, if any, with
        the debate's id."""
        worker = self.model()
        if worker is None:
            return None
        found: Comparison | None = await self.db.query(similar.comparison, record, record_id, self.model_name)
        if found is None:
            return None
        from bot.runtime import semantic

        others = [(entry, entry.text, entry.vector) for entry in found.earlier]
        compared = await _in_worker(worker, semantic.compare, found.new.text, others, BACKFILL)
        if compared is None:
            return None
        made = [(found.new.id, compared.vector), *((entry.id, vector) for entry, vector in compared.made.items())]
        await self.db.transact(similar.store_vectors, record, made, self.model_name)
        hint = similar.duplicate_hint(found, compared.ranking[0] if compared.ranking else None)
        return (found.debate_id, hint) if hint else None

    async def ordered(
        self, debate_id: DebateId, text: str, claims: Sequence[ClaimSnapshot], author_id: int | None = None
    ) -> list[ClaimSnapshot]:
        """``claims`` (of debate ``debate_id``) ordered as the claims ``text`` (by ``author_id``) may answer, the
        likeliest first (``bot.core.claims.similar.ranked_targets``) — or as given, when there is no model or it takes
        longer than ``ORDER_WAIT``. Vectors not stored yet are made on the way."""
        worker = self.model() if self.enabled and len(claims) > 1 else None
        if worker is None:
            return list(claims)
        try:
            async with asyncio.timeout(ORDER_WAIT):
                return await self._ordered(worker, debate_id, text, claims, author_id)
        except TimeoutError:
            log.info("Ordering rebuttal candidates took too long; showing the most recent first")
        except Exception:
            log.exception("Could not order rebuttal candidates")
        return list(claims)

    async def _ordered(
        self, worker: Executor, debate_id: DebateId, text: str, claims: Sequence[ClaimSnapshot], author_id: int | None
    ) -> list[ClaimSnapshot]:
        from bot.runtime import semantic

        ids = [claim.id for claim in claims]
        entries: list[Entry] = await self.db.query(similar.claim_entries, debate_id, self.model_name, ids=ids)
        others = [(entry.id, entry.text, entry.vector) for entry in entries]
        compared = await _in_worker(worker, semantic.compare, text, others, len(others))
        if compared is None:
            return list(claims)
        by_id = {claim.id: claim for claim in claims}
        latest = max(claims, key=lambda claim: claim.number)
        candidates = [
            similar.Candidate(
                claim_id,
                by_id[claim_id].text,
                score,
                just_before=claim_id == latest.id and author_id not in (None, latest.author_id),
            )
            for claim_id, score in compared.ranking
            if claim_id in by_id
        ]
        return [by_id[claim_id] for claim_id in similar.ranked_targets(text, candidates)]
