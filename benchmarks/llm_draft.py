"""The import draft with and without a language model's opinion, on real conversations: recorded once against an
endpoint, then reported deterministically from the recordings.

    python -m benchmarks.llm_draft record --base-url http://localhost:11434/v1 --model qwen2.5:0.5b-instruct
    python -m benchmarks.llm_draft report

Data: the drafting set (``tests/data/real/drafting_{dev,test}.jsonl``: real debates, one row a message with its
labels — kind ``claim``, ``support``, ``rebuttal``, ``question`` or ``other``, and the message it answers). Each
thread is drafted by the rules (``bot.core.importing.drafts.build_draft``) as a transcript without ``reply_to``;
the model is asked about that draft exactly as the bot asks (``bot.core.suggest.drafting``, prompt
``import_kinds.v1``, within ``--budget`` tokens: by default the bot's, 3000, which on this set's long debate
speeches leaves most threads' later items without an opinion — ``budget`` prints how many).

``record`` writes one JSON line per thread to ``benchmarks/recordings/llm_draft/<model>.jsonl``: the request's key
(a hash of the prompt's label and the document sent), the model, the endpoint's host, the first answer as written
(no repair) or the error, and when. ``report`` reads every recording and prints, per model and part:

* schema validity: answers that parse as the prompt's schema;
* links to existing items: of the items the model says answer another, those naming an item that was sent and
  comes earlier (what survives ``check_opinions``);
* kind accuracy against the labels, the rules alone and with the model (its opinion where it gave a valid one,
  the rules' elsewhere), each with its count; a message the rules skip counts as ``other``.

No recording exists in the repository: no instruction-tuned model could be run where this was written (see
docs/benchmarks.md). A figure is reported only from a recording; none is ever invented.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from benchmarks.common import REPO_ROOT, print_table
from bot.config import Settings
from bot.core.errors import DomainError
from bot.core.importing.drafts import Draft, ItemKind, Message, build_draft
from bot.core.suggest.answers import MalformedAnswer, parse_answer
from bot.core.suggest.drafting import DraftMaterial, Opinions, check_opinions, draft_material
from bot.core.suggest.prompts import IMPORT_KINDS
from bot.core.suggest.prompts.import_kinds_v1 import ImportKinds
from bot.runtime.llm import LanguageModel

DATA = REPO_ROOT / "tests" / "data" / "real"
RECORDINGS = Path(__file__).resolve().parent / "recordings" / "llm_draft"
PARTS = ("dev", "test")
BUDGET = 3000
"""``LLM_TOKEN_BUDGET``'s default."""
Recorded = dict[str, object]
"""A recording's line (see the module's docstring)."""
LABEL = {ItemKind.CLAIM: "claim", ItemKind.SUPPORT: "support", ItemKind.REBUTTAL: "rebuttal", ItemKind.CRUX: "question"}


@dataclass(frozen=True, slots=True)
class Thread:
    """One conversation of the set: its messages (without ``reply_to``) and their labelled kinds, by key."""

    name: str
    part: str
    messages: list[Message]
    kinds: dict[str, str]

    def draft(self, budget: int = BUDGET) -> tuple[Draft, DraftMaterial]:
        draft = build_draft(self.messages)
        return draft, draft_material(draft, budget)


def threads(part: str) -> list[Thread]:
    """The part's threads, in file order; none when the set is missing."""
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    path = DATA / f"drafting_{part}.jsonl"
    if path.is_file():
        with path.open(encoding="utf-8") as lines:
            for row in map(json.loads, lines):
                rows[row["thread"]].append(row)
    return [
        Thread(
            name,
            part,
            [Message(key=row["id"], text=row["text"], speaker=row["author"]) for row in found],
            {row["id"]: row["kind"] for row in found},
        )
        for name, found in rows.items()
    ]


def request_key(material: DraftMaterial) -> str:
    """What a recording is keyed by: the prompt's label and the document sent."""
    return hashlib.sha256(f"{IMPORT_KINDS.label}\n{material.document}".encode()).hexdigest()


async def record(base_url: str, model_name: str, api_key: str | None, parts: list[str], budget: int = BUDGET) -> Path:
    """Ask the endpoint once per thread and append each first answer (or its error) to the model's recording."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        llm_base_url=base_url,
        llm_model=model_name,
        llm_api_key=SecretStr(api_key) if api_key else None,
        llm_daily_limit=1_000_000,
        llm_timeout_seconds=600,
    )
    model = LanguageModel(settings)
    model.require()
    path = RECORDINGS / f"{model_name.replace('/', '_').replace(':', '_')}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("a", encoding="utf-8") as out:
            for thread in (thread for part in parts for thread in threads(part)):
                _, material = thread.draft(budget)
                line: dict[str, object] = {"key": request_key(material), "thread": thread.name, "part": thread.part}
                line["budget"] = budget
                line |= {"model": model_name, "endpoint": settings.llm_destination(), "prompt": IMPORT_KINDS.label}
                try:
                    line["answer"] = await model.first_answer(0, IMPORT_KINDS, material.document, ImportKinds)
                except DomainError as error:
                    line["error"] = str(error)
                line |= {"json_schema": model.json_schema, "recorded_at": datetime.now(UTC).isoformat()}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                print(f"{thread.part} {thread.name}: {'answer' if 'answer' in line else line['error']}")
    finally:
        await model.close()
    return path


def recordings() -> Iterator[tuple[str, dict[str, Recorded]]]:
    """Each recorded model and its lines by request key (a key recorded twice: the latest line)."""
    for path in sorted(RECORDINGS.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            yield path.stem, {line["key"]: line for line in map(json.loads, lines)}


@dataclass
class Tally:
    threads: int = 0
    answered: int = 0
    valid: int = 0
    links: int = 0
    links_existing: int = 0
    messages: int = 0
    rules_right: int = 0
    with_model_right: int = 0


def tally(part: str, recorded: dict[str, Recorded]) -> Tally:
    found = Tally()
    budgets = sorted({int(str(line.get("budget", BUDGET))) for line in recorded.values()})
    for thread in threads(part):
        drafts = (thread.draft(budget) for budget in budgets)
        matched = next(((d, m, recorded[request_key(m)]) for d, m in drafts if request_key(m) in recorded), None)
        if matched is None:
            continue
        draft, material, line = matched
        found.threads += 1
        opinions = _read(line, material, found)
        by_key = {item.key: item for item in draft.items}
        for key, label in thread.kinds.items():
            item = by_key.get(key)
            rules = LABEL[item.kind] if item is not None else "other"
            opinion = opinions.kept.get(item.number) if item is not None and opinions is not None else None
            found.messages += 1
            found.rules_right += rules == label
            found.with_model_right += (LABEL[opinion.kind] if opinion is not None else rules) == label
    return found


def _read(line: Recorded, material: DraftMaterial, found: Tally) -> Opinions | None:
    if "answer" not in line:
        return None
    found.answered += 1
    try:
        answer = parse_answer(str(line["answer"]), ImportKinds)
    except MalformedAnswer:
        return None
    found.valid += 1
    linking = [opinion for opinion in answer.items if opinion.answers is not None]
    found.links += len(linking)
    found.links_existing += sum(o.answers in material.items and (o.answers or 0) < o.item for o in linking)
    return check_opinions(answer, material)


def fit(budget: int) -> int:
    """Print, per part, how much of the set a budget sends: threads sent whole, items left without an opinion."""
    rows = []
    for part in PARTS:
        materials = [thread.draft(budget)[1] for thread in threads(part)]
        whole = sum(material.left_out == 0 for material in materials)
        sent = sum(len(material.items) for material in materials)
        left = sum(material.left_out for material in materials)
        rows.append([part, len(materials), whole, _share(left, sent + left)])
    headers = ["part", "threads", "sent whole", "items left out"]
    print_table(f"what a budget of {budget} tokens sends of the drafting set", headers, rows)
    return 0


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.2f} ({part}/{whole})" if whole else f"– (0/{whole})"


def report() -> int:
    models = list(recordings())
    if not models:
        print(
            f"No recordings in {RECORDINGS.relative_to(REPO_ROOT)}: none has been made. Record one with\n"
            "  python -m benchmarks.llm_draft record --base-url URL --model NAME"
        )
        return 2
    for model_name, recorded in models:
        rows = []
        for part in PARTS:
            t = tally(part, recorded)
            rows.append(
                [
                    part,
                    t.threads,
                    _share(t.valid, t.answered),
                    _share(t.links_existing, t.links),
                    _share(t.rules_right, t.messages),
                    _share(t.with_model_right, t.messages),
                ]
            )
        headers = ["part", "threads", "schema valid", "links to existing items", "kinds: rules", "kinds: with model"]
        print_table(f"{model_name} (recorded answers, real text)", headers, rows)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.llm_draft", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    recording = commands.add_parser("record", help="ask an endpoint once per thread and keep its answers")
    recording.add_argument("--base-url", required=True)
    recording.add_argument("--model", required=True)
    recording.add_argument("--api-key")
    recording.add_argument("--part", choices=PARTS, action="append", help="default: both")
    recording.add_argument("--budget", type=int, default=BUDGET, help=f"tokens sent a thread (default {BUDGET})")
    commands.add_parser("report", help="figures from the recordings")
    fitting = commands.add_parser("budget", help="how much of the set a budget sends (no model needed)")
    fitting.add_argument("--budget", type=int, default=BUDGET)
    args = parser.parse_args(argv)
    if args.command == "record":
        parts = args.part or list(PARTS)
        path = asyncio.run(record(args.base_url, args.model, args.api_key, parts, args.budget))
        print(f"recorded: {path.relative_to(REPO_ROOT)}")
        return 0
    return fit(args.budget) if args.command == "budget" else report()


if __name__ == "__main__":
    sys.exit(main())
