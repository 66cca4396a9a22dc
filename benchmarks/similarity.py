"""Similar records: how well the embedding model finds duplicates and the claim a rebuttal answers, and what it costs.

Reads the labelled sets under ``tests/data/`` (written for this project on research-debate topics):

* ``similarity_pairs.jsonl``: pairs of claims or crux questions, each a ``paraphrase`` (the same point in other
  words: ``reworded`` throughout, or ``restated`` keeping its key term), a ``negation`` (the opposite point) or
  ``different`` (same topic, another point).
* ``rebuttal_targets.jsonl``: debates, each with its claims and rebuttals that answer one of them (``oblique``: by
  their substance only; ``direct``: naming what they answer).

Reports, on one core (the process is pinned to one CPU and the model runs one thread, as the bot runs it):

* duplicate retrieval: each text of a pair is looked up among the texts of every pair on other topics and its
  partner; is the partner in the top 3 (target ≥ 0.9 for paraphrases)? Negations and different points are ranked the
  same way, for comparison. The other pairs written around the same statement (its ``topic``) are left out of the
  pool: they restate or negate the query too, so finding them first would be no mistake;
* rebuttal target: each rebuttal ranks its debate's claims; is the claim it answers first (target ≥ 0.8)?
* the hint threshold (``bot.core.claims.similar.DUPLICATE_THRESHOLD``): precision and recall of "hint when the cosine is
  at least the threshold" on the pairs, counting paraphrases and negations as wanted hints (the hint's wording covers
  both), different points as unwanted; beside it, the rule it was chosen by (the lowest threshold with precision
  ≥ 0.9) and the threshold that would maximise F1 on this set;
* time per new record: embedding its text and ranking it against 500 stored vectors (target ≤ 10 ms, median);
* model load: reading the model and tokenizer, each checked against its sha256 (target ≤ 0.5 s).

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

from benchmarks.common import REPO_ROOT, print_machine, print_table, write_results
from benchmarks.model_fixture import fixture_files
from bot.core.claims.similar import DUPLICATE_THRESHOLD

DATA = REPO_ROOT / "tests" / "data"
PAIRS, REBUTTALS = DATA / "similarity_pairs.jsonl", DATA / "rebuttal_targets.jsonl"
CATEGORIES = ("paraphrase", "negation", "different")
WANTED = {"paraphrase", "negation"}
TARGETS = {
    "paraphrase top-3": 0.9,
    "rebuttal target top-1": 0.8,
    "ms per new record (500 stored)": 10.0,
    "model load, s": 0.5,
}
STORED = 500
TIMED_RECORDS = 60
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Pair:
    topic: str
    category: str
    style: str
    kind: str
    a: str
    b: str


@dataclass(frozen=True, slots=True)
class Debate:
    claims: list[str]
    rebuttals: list[tuple[str, int, str]]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        yield from (json.loads(line) for line in lines if line.strip())


def load_pairs() -> list[Pair]:
    return [
        Pair(row["topic"], row["category"], row.get("style", ""), row["kind"], row["a"], row["b"])
        for row in read_jsonl(PAIRS)
    ]


def load_debates() -> list[Debate]:
    return [
        Debate(row["claims"], [(r["text"], r["answers"], r["style"]) for r in row["rebuttals"]])
        for row in read_jsonl(REBUTTALS)
    ]


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


def rank_of(semantic: Any, vectors: dict[str, Any], query: str, wanted: str, others: list[str]) -> int:
    """1-based rank of ``wanted`` among ``others`` and ``wanted`` by similarity to ``query``."""
    stored = [(text, semantic.to_bytes(vectors[text])) for text in [wanted, *others]]
    order = [text for text, _ in semantic.ranked(vectors[query], stored)]
    return order.index(wanted) + 1


def retrieval(semantic: Any, vectors: dict[str, Any], pairs: list[Pair], groups: list[str]) -> list[list[object]]:
    """Per group (a category, or ``category style``): queries, share of partners at rank 1 and in the top 3, median
    rank, mean cosine."""
    rows = []
    for group in groups:
        ranks, cosines = [], []
        for pair in (p for p in pairs if group in (p.category, f"{p.category} {p.style}")):
            others = list(dict.fromkeys(t for p in pairs if p.topic != pair.topic for t in (p.a, p.b)))
            for query, wanted in ((pair.a, pair.b), (pair.b, pair.a)):
                ranks.append(rank_of(semantic, vectors, query, wanted, others))
            cosines.append(float(vectors[pair.a] @ vectors[pair.b]))
        top1 = sum(r == 1 for r in ranks) / len(ranks)
        top3 = sum(r <= 3 for r in ranks) / len(ranks)
        rows.append(
            [
                group,
                len(ranks),
                f"{top1:.2f}",
                f"{top3:.2f}",
                statistics.median(ranks),
                f"{statistics.mean(cosines):.3f}",
            ]
        )
    return rows


def precision_recall(scored: list[tuple[float, bool]], threshold: float) -> tuple[float, float]:
    hinted = [wanted for score, wanted in scored if score >= threshold]
    relevant = sum(wanted for _, wanted in scored)
    precision = sum(hinted) / len(hinted) if hinted else 1.0
    return precision, sum(hinted) / relevant if relevant else 1.0


CANDIDATE_THRESHOLDS = [round(t / 100, 2) for t in range(30, 100)]
PRECISION_WANTED = 0.9


def best_f1_threshold(scored: list[tuple[float, bool]]) -> float:
    def f1(threshold: float) -> float:
        precision, recall = precision_recall(scored, threshold)
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    return max(CANDIDATE_THRESHOLDS, key=f1)


def lowest_precise_threshold(scored: list[tuple[float, bool]]) -> float:
    """The rule the bot's threshold was chosen by: the lowest with precision ≥ ``PRECISION_WANTED`` (false hints
    cost more than missed ones)."""
    return min(t for t in CANDIDATE_THRESHOLDS if precision_recall(scored, t)[0] >= PRECISION_WANTED)


def rebuttal_top1(semantic: Any, vectors: dict[str, Any], debates: list[Debate]) -> dict[str, tuple[float, int]]:
    """Per rebuttal style and for all: the share whose claim ranks first among its debate's claims, and the count."""
    hits: dict[str, list[bool]] = {"all": []}
    for debate in debates:
        stored = [(index, semantic.to_bytes(vectors[claim])) for index, claim in enumerate(debate.claims)]
        for text, answers, style in debate.rebuttals:
            hit = semantic.ranked(vectors[text], stored)[0][0] == answers
            hits["all"].append(hit)
            hits.setdefault(style, []).append(hit)
    return {style: (sum(found) / len(found), len(found)) for style, found in hits.items()}


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


def main() -> int:
    print_machine()
    print(pin_to_one_core())
    semantic, import_s, _ = timed(lambda: importlib.import_module("bot.runtime.semantic"))
    files = fixture_files()
    print(f"Model: {files.model.path.name} of {files.name} (the test fixture), sha256 {files.model.sha256[:12]}…")
    embedder, load_s, load_cpu_s = timed(lambda: semantic.Embedder(files, threads=1))
    pairs, debates = load_pairs(), load_debates()
    texts = list(
        dict.fromkeys(
            [t for p in pairs for t in (p.a, p.b)]
            + [t for d in debates for t in d.claims]
            + [text for d in debates for text, _, _ in d.rebuttals]
        )
    )
    vectors = {text: embedder.embed(text) for text in texts}
    groups = [*CATEGORIES, *sorted({f"paraphrase {p.style}" for p in pairs if p.category == "paraphrase"})]
    rows = retrieval(semantic, vectors, pairs, groups)
    print_table(
        "Duplicate retrieval: the partner among the texts on other topics (both directions of each pair)",
        ["category", "queries", "top-1", "top-3", "median rank", "mean cosine"],
        rows,
    )
    paraphrase_top3 = float(str(rows[CATEGORIES.index("paraphrase")][3]))

    scored = [(float(vectors[p.a] @ vectors[p.b]), p.category in WANTED) for p in pairs]
    best, precise = best_f1_threshold(scored), lowest_precise_threshold(scored)
    threshold_rows = []
    for label, threshold in (
        ("chosen (bot.core.claims.similar)", DUPLICATE_THRESHOLD),
        (f"lowest with precision ≥ {PRECISION_WANTED}", precise),
        ("best F1 on this set", best),
    ):
        precision, recall = precision_recall(scored, threshold)
        threshold_rows.append([label, f"{threshold:.2f}", f"{precision:.2f}", f"{recall:.2f}"])
    for kind in ("claim", "crux"):
        precision, recall = precision_recall(
            [(s, w) for (s, w), p in zip(scored, pairs, strict=True) if p.kind == kind], DUPLICATE_THRESHOLD
        )
        threshold_rows.append(
            [f"chosen, {kind} pairs only", f"{DUPLICATE_THRESHOLD:.2f}", f"{precision:.2f}", f"{recall:.2f}"]
        )
    print_table(
        "Hint threshold (wanted: paraphrases and negations; unwanted: different points)",
        ["threshold", "cosine ≥", "precision", "recall"],
        threshold_rows,
    )

    rebuttals = rebuttal_top1(semantic, vectors, debates)
    print_table(
        "Rebuttal target: the claim answered ranks first among its debate's claims",
        ["rebuttals", "cases", "top-1"],
        [[style, cases, f"{share:.2f}"] for style, (share, cases) in rebuttals.items()],
    )
    top1 = rebuttals["all"][0]
    wall_ms, cpu_ms = per_record_ms(semantic, embedder, texts, vectors)
    figures = {
        "paraphrase top-3": paraphrase_top3,
        "rebuttal target top-1": top1,
        "ms per new record (500 stored)": wall_ms,
        "model load, s": load_s,
    }
    print_table(
        "Cost on one core",
        ["what", "wall", "CPU"],
        [
            ["imports (onnxruntime, tokenizers, numpy)", f"{import_s:.2f} s", ""],
            ["model load", f"{load_s:.2f} s", f"{load_cpu_s:.2f} s"],
            ["per new record, median", f"{wall_ms:.1f} ms", f"{cpu_ms:.1f} ms"],
        ],
    )
    print("\nTargets")
    passed = True
    for name, target in TARGETS.items():
        figure = figures[name]
        met = figure >= target if name in ("paraphrase top-3", "rebuttal target top-1") else figure <= target
        passed &= met
        sign = "≥" if name in ("paraphrase top-3", "rebuttal target top-1") else "≤"
        print(f"  {name}: {figure:.2f} (target {sign} {target}) {'PASS' if met else 'FAIL'}")
    path = write_results(
        "similarity",
        {"stored": STORED, "timed_records": TIMED_RECORDS, "threshold": DUPLICATE_THRESHOLD},
        {
            **figures,
            "per record CPU ms": cpu_ms,
            "model load CPU s": load_cpu_s,
            "imports s": import_s,
            "best F1 threshold": best,
            "lowest precise threshold": precise,
        },
    )
    print(f"\nresults: {path.relative_to(REPO_ROOT)}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
