"""The import draft on real exchanges: does ``bot.core.importing.drafts.build_draft`` link each message to the one it
answers, and draft it as what it is?

Reads the drafting set (``tests/data/real/drafting_{dev,test}*.jsonl``, real exchanges, ``tests/data/README.md``): one
row a message with its thread, speaker, text, the message it replies to as the site shows it, and its labels (kind:
``claim``, ``support``, ``rebuttal``, ``question`` or ``other``; target: the message it answers). Each thread is
drafted twice: as a transcript without ``reply_to`` (links must come from the text and its place in the thread) and
with it. Figures per part, each with its count and a 95 % Wilson interval:

* reply links: precision (links drafted that point at the labelled target) and recall (labelled targets found);
* kinds: share of messages drafted as their labelled kind (a skipped message counts as ``other``);
* supports and concessions drafted as rebuttals (target: none).

Targets on the test part (issue 29): links ≥ 0.8 precision and recall, kinds ≥ 0.85, no support drafted as a rebuttal.
The development part is for tuning the rules; the test part is reported, never tuned on.

    python -m benchmarks.drafting
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from benchmarks.common import REPO_ROOT, print_table, share_with_interval, verdict, write_results
from bot.core.importing.drafts import Draft, ItemKind, Message, build_draft

DATA = REPO_ROOT / "tests" / "data" / "real"
PARTS = ("dev", "test")
KIND_LABEL = {
    ItemKind.CLAIM: "claim",
    ItemKind.SUPPORT: "support",
    ItemKind.REBUTTAL: "rebuttal",
    ItemKind.CRUX: "question",
}
LINKS_WANTED, KINDS_WANTED = 0.8, 0.85


@dataclass(frozen=True, slots=True)
class Labelled:
    """A message of the set with its labels."""

    message: Message
    kind: str
    target: str | None


@dataclass(slots=True)
class Tally:
    """Counts over the messages drafted."""

    links_drafted: int = 0
    links_right: int = 0
    links_labelled: int = 0
    links_found: int = 0
    kinds_right: int = 0
    messages: int = 0
    supports: int = 0
    supports_as_rebuttals: int = 0
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, labelled: Labelled, kind: str, target: str | None) -> None:
        self.messages += 1
        self.kinds_right += kind == labelled.kind
        self.confusion[(labelled.kind, kind)] = self.confusion.get((labelled.kind, kind), 0) + 1
        self.links_drafted += target is not None
        self.links_right += target is not None and target == labelled.target
        self.links_labelled += labelled.target is not None
        self.links_found += labelled.target is not None and target == labelled.target
        if labelled.kind == "support":
            self.supports += 1
            self.supports_as_rebuttals += kind == "rebuttal"


def threads(part: str, with_replies: bool) -> list[list[Labelled]]:
    """The part's threads, in file order, each its messages in order (``reply_to`` kept only ``with_replies``)."""
    found: dict[str, list[Labelled]] = defaultdict(list)
    for path in sorted(DATA.glob(f"drafting_{part}*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for row in map(json.loads, lines):
                reply_to = row["reply_to"] if with_replies else None
                message = Message(key=row["id"], text=row["text"], speaker=row["author"], reply_to=reply_to)
                found[row["thread"]].append(Labelled(message, row["kind"], row["target"]))
    return list(found.values())


def drafted(draft: Draft) -> dict[str, tuple[str, str | None]]:
    """Per message key drafted: its kind (as labelled) and the key of the message its item answers."""
    return {
        item.key: (KIND_LABEL[item.kind], draft.items[item.parent - 1].key if item.parent is not None else None)
        for item in draft.items
    }


def measure(part: str, with_replies: bool) -> Tally:
    tally = Tally()
    for thread in threads(part, with_replies):
        items = drafted(build_draft((labelled.message for labelled in thread), by_adjacency=not with_replies))
        for labelled in thread:
            kind, target = items.get(labelled.message.key, ("other", None))
            tally.add(labelled, kind, target)
    return tally


def report(part: str, mode: str, tally: Tally) -> dict[str, Any]:
    rows = [
        ["reply links: precision", share_with_interval(tally.links_right, tally.links_drafted)],
        ["reply links: recall", share_with_interval(tally.links_found, tally.links_labelled)],
        ["kinds: accuracy", share_with_interval(tally.kinds_right, tally.messages)],
        ["supports drafted as rebuttals (want 0)", share_with_interval(tally.supports_as_rebuttals, tally.supports)],
    ]
    print_table(f"{part} part (real text), {mode}", ["figure", "share [95 % interval] (count)"], rows)
    labels = sorted({label for label, _ in tally.confusion})
    drafted_kinds = sorted({kind for _, kind in tally.confusion})
    print_table(
        "labelled kind (rows) drafted as (columns)",
        ["labelled", *drafted_kinds],
        [[label, *(tally.confusion.get((label, kind), 0) for kind in drafted_kinds)] for label in labels],
    )
    return {
        "link precision": (tally.links_right, tally.links_drafted),
        "link recall": (tally.links_found, tally.links_labelled),
        "kind accuracy": (tally.kinds_right, tally.messages),
        "supports as rebuttals": (tally.supports_as_rebuttals, tally.supports),
    }


def share(counts: tuple[int, int]) -> float:
    return counts[0] / counts[1] if counts[1] else 0.0


def main() -> int:
    figures: dict[str, Any] = {}
    for part in PARTS:
        for with_replies in (False, True):
            mode = "transcript with reply_to" if with_replies else "transcript without reply_to"
            figures[f"{part}, {mode}"] = report(part, mode, measure(part, with_replies))
    test = figures["test, transcript without reply_to"]
    checks = [
        ("reply-link precision", share(test["link precision"]) >= LINKS_WANTED, f"≥ {LINKS_WANTED}"),
        ("reply-link recall", share(test["link recall"]) >= LINKS_WANTED, f"≥ {LINKS_WANTED}"),
        ("kind accuracy", share(test["kind accuracy"]) >= KINDS_WANTED, f"≥ {KINDS_WANTED}"),
        ("supports drafted as rebuttals", test["supports as rebuttals"][0] == 0, "0"),
    ]
    print("\nTargets (test part, transcript without reply_to)")
    for name, met, target in checks:
        print(f"  {name} (target {target}): {verdict(met)}")
    path = write_results("drafting", {"parts": PARTS}, figures)
    print(f"\nresults: {path.relative_to(REPO_ROOT)}")
    return 0 if all(met for _, met, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
