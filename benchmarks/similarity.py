"""Similar records: how well the hint tells a repeated point from another point on the same topic and from its
opposite, how well a rebuttal's target is found, and what it costs.

Three parts, each reported on its own (``tests/data/README.md`` says where each comes from):

* ``dev`` and ``test``: real text. Pairs from IBM Debater ArgKP-2021 (``same``: an argument and the key point it
  makes; ``different``: an argument and another key point of the same topic and stance; ``opposite``: contrary key
  points of opposite stance, and arguments set against the key point contrary to their own), and rebuttal targets
  from idebate.org debates (each point's counter among the debate's points). Rules and thresholds are tuned on
  ``dev`` only; ``test`` is reported, never tuned on.
* ``written``: the examples written for this project (``tests/data/similarity_pairs.jsonl``: paraphrases counted as
  ``same``, negations as ``opposite``; ``tests/data/rebuttal_targets.jsonl``).

Figures per part, each with its count and a 95 % Wilson interval:

* duplicates: of the ``same`` and ``different`` pairs, the precision and recall of the bot's "says the same" hint
  (``bot.core.claims.similar.likeness``; target on the test part: recall ≥ 0.7 at precision ≥ 0.85);
* opposites: the share of ``opposite`` pairs hinted as duplicates (should be 0) and hinted as opposites, and of
  the other pairs hinted as opposites;

each twice: knowing whether the two texts take opposite stances (ArgKP's stance labels; in a debate, the sides of
their authors) and from the text alone (a transcript without sides; the written pairs have no sides);
* rebuttal target: the share of rebuttals whose claim ranks first among the debate's claims
  (``bot.core.claims.similar.ranked_targets``; target on the test part ≥ 0.8); and, on the real parts, in the threads
  of the drafting set (``benchmarks.drafting``), the share of messages whose labelled target ranks first among the
  messages before them, by meaning alone and with the message a reply comes right after weighed in.

Then the cost, on one core (the process is pinned to one CPU and the model runs one thread, as the bot runs it):
embedding a new record and ranking it against 500 stored vectors, and loading the model.

The model is the test fixture (``benchmarks.model_fixture``, the ``test-model-fixture`` extra), named when it runs:
the official int8 file the bot loads cannot be downloaded where these figures were measured.

    python -m benchmarks.similarity
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.common import REPO_ROOT, print_machine, print_table, share_with_interval, verdict, write_results
from benchmarks.drafting import Labelled, threads
from benchmarks.model_fixture import fixture_files
from bot.core.claims.similar import Candidate, Likeness, likeness, ranked_targets

DATA = REPO_ROOT / "tests" / "data"
PARTS = ("dev", "test", "written")
WRITTEN_CATEGORY = {"paraphrase": "same", "negation": "opposite", "different": "different"}
RECALL_WANTED, PRECISION_WANTED, TOP1_WANTED = 0.7, 0.85, 0.8
COST_TARGETS = {"ms per new record (500 stored)": 10.0, "model load, s": 0.5}
STORED = 500
TIMED_RECORDS = 60
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Pair:
    topic: str
    category: str
    a: str
    b: str
    other_side: bool = False
    """The two texts take opposite stances on the topic (in a debate: logged by the two sides)."""


@dataclass(frozen=True, slots=True)
class Debate:
    claims: list[str]
    rebuttals: list[tuple[str, int]]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        yield from (json.loads(line) for line in lines if line.strip())


def load_pairs(part: str) -> list[Pair]:
    if part == "written":
        rows = read_jsonl(DATA / "similarity_pairs.jsonl")
        return [Pair(row["topic"], WRITTEN_CATEGORY[row["category"]], row["a"], row["b"]) for row in rows]
    rows = read_jsonl(DATA / "real" / f"similarity_pairs_{part}.jsonl")
    return [Pair(row["topic"], row["category"], row["a"], row["b"], row["a_stance"] != row["b_stance"]) for row in rows]


def load_debates(part: str) -> list[Debate]:
    path = DATA / "rebuttal_targets.jsonl" if part == "written" else DATA / "real" / f"rebuttal_targets_{part}.jsonl"
    return [Debate(row["claims"], [(r["text"], r["answers"]) for r in row["rebuttals"]]) for row in read_jsonl(path)]


def timed(action: Callable[[], T]) -> tuple[T, float, float]:
    """``action()``, its wall time and its CPU time (this process), in seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def pin_to_one_core() -> str:
    """Run the rest of the benchmark on one CPU (Linux); says which."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


@dataclass(frozen=True, slots=True)
class Verdicts:
    """How the hint rule judged each category of pairs: per category, the count and the count judged each way."""

    counts: dict[str, int]
    judged: dict[tuple[str, Likeness], int]

    def of(self, category: str, judged: Likeness) -> int:
        return self.judged.get((category, judged), 0)

    @property
    def duplicate_precision(self) -> tuple[int, int]:
        """(same pairs hinted as duplicates, same and different pairs hinted as duplicates)."""
        hits = self.of("same", Likeness.SAME)
        return hits, hits + self.of("different", Likeness.SAME)

    @property
    def duplicate_recall(self) -> tuple[int, int]:
        return self.of("same", Likeness.SAME), self.counts.get("same", 0)


def judge(pairs: list[Pair], vectors: dict[str, Any], *, sides: bool) -> Verdicts:
    """The hint rule's verdict on each pair (``a`` as the new record, ``b`` as the earlier one), knowing whether they
    come from opposite sides (``sides``) or from the text alone."""
    counts: dict[str, int] = {}
    judged: dict[tuple[str, Likeness], int] = {}
    for pair in pairs:
        counts[pair.category] = counts.get(pair.category, 0) + 1
        other_side = sides and pair.other_side
        found = likeness(pair.a, pair.b, float(vectors[pair.a] @ vectors[pair.b]), other_side=other_side)
        if found is not None:
            judged[(pair.category, found)] = judged.get((pair.category, found), 0) + 1
    return Verdicts(counts, judged)


def rebuttal_hits(vectors: dict[str, Any], debates: list[Debate]) -> tuple[int, int]:
    """(rebuttals whose claim ranks first among their debate's claims, rebuttals)."""
    hits = count = 0
    for debate in debates:
        for text, answers in debate.rebuttals:
            candidates = [
                Candidate(index, claim, float(vectors[text] @ vectors[claim]))
                for index, claim in enumerate(debate.claims)
            ]
            hits += ranked_targets(text, candidates)[0] == answers
            count += 1
    return hits, count


def thread_hits(vectors: dict[str, Any], conversations: list[list[Labelled]], *, position: bool) -> tuple[int, int]:
    """(messages whose labelled target ranks first among the messages before it, messages with a target), weighing
    the message a reply comes right after (by another speaker) when ``position``."""
    hits = count = 0
    for thread in conversations:
        for index, labelled in enumerate(thread):
            if labelled.target is None or index == 0:
                continue
            reply = labelled.message
            candidates = [
                Candidate(
                    earlier.message.key,
                    earlier.message.text,
                    float(vectors[reply.text] @ vectors[earlier.message.text]),
                    just_before=position and before == index - 1 and earlier.message.speaker != reply.speaker,
                )
                for before, earlier in enumerate(thread[:index])
            ]
            hits += ranked_targets(reply.text, candidates)[0] == labelled.target
            count += 1
    return hits, count


def per_record_ms(semantic: Any, embedder: Any, texts: list[str], vectors: dict[str, Any]) -> tuple[float, float]:
    """Median wall and CPU milliseconds to embed a new text and rank it against ``STORED`` stored vectors."""
    stored = [(n, semantic.to_bytes(vectors[texts[n % len(texts)]])) for n in range(STORED)]
    walls, cpus = [], []
    for n in range(TIMED_RECORDS):
        text = texts[(n * 7) % len(texts)]

        def embed_and_rank(text: str = text) -> Any:
            return semantic.ranked(embedder.embed(text), stored)

        _, wall, cpu = timed(embed_and_rank)
        walls.append(wall * 1000)
        cpus.append(cpu * 1000)
    return statistics.median(walls), statistics.median(cpus)


def quality(part: str, embed: Callable[[str], Any]) -> dict[str, Any]:
    """The figures of one part, printed as a table; returned for the result file."""
    pairs, debates = load_pairs(part), load_debates(part)
    conversations = [] if part == "written" else threads(part, with_replies=False)
    texts = {t for p in pairs for t in (p.a, p.b)} | {t for d in debates for t in d.claims}
    texts |= {text for d in debates for text, _ in d.rebuttals}
    texts |= {labelled.message.text for thread in conversations for labelled in thread}
    vectors = {text: embed(text) for text in sorted(texts)}
    top1 = rebuttal_hits(vectors, debates)
    in_threads = {
        "meaning": thread_hits(vectors, conversations, position=False),
        "meaning and position": thread_hits(vectors, conversations, position=True),
    }
    label = f"{part} part" + (" (written for this project)" if part == "written" else " (real text)")
    modes = {"sides known": judge(pairs, vectors, sides=True), "text only": judge(pairs, vectors, sides=False)}
    rows = [
        [f"{name}, {mode}", share_with_interval(*counts)]
        for mode, verdicts in modes.items()
        for name, counts in verdict_figures(verdicts).items()
    ]
    print_table(
        f"{label}: {len(pairs)} pairs over {len({p.topic for p in pairs})} topics, {len(debates)} debates",
        ["figure", "share [95 % interval] (count)"],
        [
            *rows,
            ["rebuttal target top-1", share_with_interval(*top1)],
            *(
                [f"target in threads, by {way}", share_with_interval(*hits)]
                for way, hits in in_threads.items()
                if hits[1]
            ),
        ],
    )
    return {
        **{mode: verdict_figures(verdicts) for mode, verdicts in modes.items()},
        "rebuttal top-1": top1,
        **{f"target in threads, by {way}": hits for way, hits in in_threads.items()},
    }


def verdict_figures(verdicts: Verdicts) -> dict[str, tuple[int, int]]:
    """The hint's figures on the pairs, as (hits, count)."""
    opposites, different = verdicts.counts.get("opposite", 0), verdicts.counts.get("different", 0)
    return {
        "duplicate precision": verdicts.duplicate_precision,
        "duplicate recall": verdicts.duplicate_recall,
        "opposites hinted as duplicates (want 0)": (verdicts.of("opposite", Likeness.SAME), opposites),
        "opposites hinted as opposites": (verdicts.of("opposite", Likeness.OPPOSITE), opposites),
        "same points hinted as opposites": (verdicts.of("same", Likeness.OPPOSITE), verdicts.duplicate_recall[1]),
        "different points hinted as opposites": (verdicts.of("different", Likeness.OPPOSITE), different),
    }


def share(figure: tuple[int, int]) -> float:
    return figure[0] / figure[1] if figure[1] else 0.0


def test_part_targets(figures: dict[str, Any]) -> bool:
    """Print the test part's figures against the issue's targets (the hint knowing the sides, as in a debate);
    whether all are met."""
    hints = figures["sides known"]
    precision, recall = share(hints["duplicate precision"]), share(hints["duplicate recall"])
    wrong_opposites, top1 = hints["opposites hinted as duplicates (want 0)"][0], share(figures["rebuttal top-1"])
    checks = [
        (
            f"duplicate recall {recall:.2f} at precision {precision:.2f}",
            recall >= RECALL_WANTED and precision >= PRECISION_WANTED,
            f"recall ≥ {RECALL_WANTED} at precision ≥ {PRECISION_WANTED}",
        ),
        (f"opposites hinted as duplicates: {wrong_opposites}", wrong_opposites == 0, "0"),
        (f"rebuttal target top-1 {top1:.2f}", top1 >= TOP1_WANTED, f"≥ {TOP1_WANTED}"),
    ]
    print("\nTargets (test part)")
    for figure, met, target in checks:
        print(f"  {figure} (target {target}): {verdict(met)}")
    return all(met for _, met, _ in checks)


def main() -> int:
    print_machine()
    print(pin_to_one_core())
    semantic, import_s, _ = timed(lambda: importlib.import_module("bot.runtime.semantic"))
    files = fixture_files()
    print(f"Model: {files.model.path.name} of {files.name} (the test fixture), sha256 {files.model.sha256[:12]}…")
    embedder, load_s, load_cpu_s = timed(lambda: semantic.Embedder(files, threads=1))
    cache: dict[str, Any] = {}

    def embed(text: str) -> Any:
        if text not in cache:
            cache[text] = embedder.embed(text)
        return cache[text]

    figures = {part: quality(part, embed) for part in PARTS}
    texts = sorted(cache)
    wall_ms, cpu_ms = per_record_ms(semantic, embedder, texts, cache)
    print_table(
        "Cost on one core",
        ["what", "wall", "CPU"],
        [
            ["imports (onnxruntime, tokenizers, numpy)", f"{import_s:.2f} s", ""],
            ["model load", f"{load_s:.2f} s", f"{load_cpu_s:.2f} s"],
            ["per new record, median", f"{wall_ms:.1f} ms", f"{cpu_ms:.1f} ms"],
        ],
    )
    passed = test_part_targets(figures["test"])
    for name, figure in (("ms per new record (500 stored)", wall_ms), ("model load, s", load_s)):
        print(f"  {name}: {figure:.2f} (target ≤ {COST_TARGETS[name]}): {verdict(figure <= COST_TARGETS[name])}")
    path = write_results(
        "similarity",
        {"stored": STORED, "timed_records": TIMED_RECORDS},
        {
            **figures,
            "per record ms": wall_ms,
            "per record CPU ms": cpu_ms,
            "model load s": load_s,
            "imports s": import_s,
        },
    )
    print(f"\nresults: {path.relative_to(REPO_ROOT)}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
