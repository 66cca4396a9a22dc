"""What a message of a conversation does, read from its words alone: whether it concedes (and whether it is mostly
a concession or an objection), what it quotes, and whether it asks a question — directly, indirectly ("the question
is whether…") or only rhetorically. Pure functions over text; :mod:`bot.core.importing.drafts` applies them.

The rules are kept small and explicit, so that each item of a draft can say which one made it what it is.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

QUOTE_WORDS = 4
"""Words a passage in quotation marks needs to be taken for a quotation (fewer: a term in scare quotes)."""
ECHO_WORDS = 8
"""Words in a row a message must repeat from another for the repeat to count as quoting it (tuned on the development
part of the real drafting set: at 5 or 6, phrases that debaters share without quoting each other linked wrongly)."""
ARGUING_WORDS = 12
"""Words of argument before a reply's closing question that make the question rhetorical (it closes a rebuttal)."""
OBJECTION_WEIGHT = 1.0
"""A concession followed by an objection ("X, but Y") is drafted as the objection when Y has more than this many
times X's words, and as the concession otherwise."""

_AGREEING = re.compile(
    r"""^\W*(?:(?:yes|yeah|yep|ok|okay|sure|well|oh|ah|hmm|honestly|actually|and|so)\W+)*(?:
        i(?:'d)?\s+(?:(?:do|fully|totally|completely|mostly|largely|partly|partially|broadly|basically|definitely|
               strongly|kind\s+of|sort\s+of|think\s+i|would)\s+)*(?:agree|concede|accept|grant)
      | (?:agreed|granted|conceded|true|exactly|absolutely|indeed|correct|precisely|fair|right)(?=\s*(?:[,.;:!—–-]|$))
      | (?:you'?re|you\s+are|that'?s|that\s+is|this\s+is|it'?s|he'?s|she'?s|they'?re|you\s+make)\s+(?:(?:probably|
               totally|completely|quite|partly|partially|absolutely|definitely|mostly)\s+)*(?:a\s+(?:fair|good|valid|
               great|reasonable)\s+point|right|correct|fair|true)
      | i\s+think\s+(?:you'?re|you\s+are|that'?s)\s+right
      | (?:fair|good|great|valid|reasonable)\s+(?:point|enough|argument|objection|question)
      | point\s+taken | that\s+makes\s+sense | makes\s+(?:a\s+lot\s+of\s+)?sense
      | i\s+take\s+(?:your|the|that)\s+point | i\s+see\s+(?:your|the|that)\s+point | i\s+stand\s+corrected
      | this\s+seems\s+right | that\s+seems\s+right | seems\s+right | that'?s\s+a\s+good\s+point
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)
_CONTRAST = re.compile(
    r"(?:[,;.:—–-]\s*|\s)(?:but|however|though|although|that\s+said|nevertheless|nonetheless|on\s+the\s+other\s+"
    r"hand|except\s+that|where\s+i\s+disagree|i\s+(?:do\s+)?disagree)\b",
    re.IGNORECASE,
)
_INDIRECT = re.compile(
    r"""(?:^|[.!;:]\s+|\n)\W*(?:
        (?:so\s+|but\s+|and\s+)?(?:the|my|our|a|one)\s+(?:real\s+|key\s+|open\s+|big\s+|main\s+|central\s+|
            remaining\s+|actual\s+)?(?:question|crux|issue|uncertainty)\s+(?:here\s+|then\s+|for\s+me\s+)?
            (?:is|remains|being)\s+(?:whether|if|how|why|what|when|who|which)
      | what\s+(?:really\s+)?matters\s+(?:here\s+|most\s+)?is\b
      | i\s+(?:do\s+|still\s+|really\s+)?(?:wonder|am\s+wondering|'m\s+wondering|doubt)\s+(?:whether|if|how|why|
            what|when|who)
      | i(?:'d|\s+would)\s+(?:like|love|want)\s+to\s+(?:know|understand|see|hear)\s+(?:whether|if|how|why|what|
            when|who)
      | (?:it'?s|it\s+is)\s+(?:not\s+)?(?:unclear|not\s+clear|an\s+open\s+question)\s+(?:to\s+me\s+)?(?:whether|
            if|how|why|what)
      | (?:i'?m|i\s+am)\s+(?:not\s+sure|unsure|curious)\s+(?:whether|if|how|why|what)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_RHETORICAL = re.compile(
    r"""^\W*(?:
        (?:do|did|does|would|could|can|are|is)\s+(?:you|anyone|anybody|they|we)\s+(?:really|seriously|honestly|
            actually)\b
      | (?:how|why)\s+(?:on\s+earth|else|would\s+anyone|would\s+anybody|could\s+anyone|can\s+anyone|is\s+that\s+
            not|isn'?t\s+(?:it|that|this))\b
      | who\s+(?:would|could|cares|in\s+their\s+right)\b
      | what(?:'s|\s+is)\s+the\s+(?:point|harm|alternative)\b
      | (?:isn'?t|aren'?t|doesn'?t|don'?t|wasn'?t|won'?t|wouldn'?t|shouldn'?t|can'?t)\s+(?:it|that|this|you|
            they|we|there)\b
      | (?:is|was)\s+(?:it|that|this)\s+not\b
      | seriously\b | really\b | come\s+on\b | so\s+what\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_QUESTION_END = re.compile(r"\?[\s\"'”’»)\]*_~]*$")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+")
_QUOTED = re.compile(r"“([^“”]+)”|\"([^\"\n]+)\"|«([^«»]+)»|‘([^‘’\n]{12,})’")
_QUOTE_LINE = re.compile(r"^\s*>+\s?(.*)$", re.MULTILINE)
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, punctuation and markup dropped ("don't" one word)."""
    return [word.casefold().replace("’", "'") for word in _WORD.findall(text)]


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (at ``.``, ``!``, ``?`` or ``…`` followed by a space, and at line breaks)."""
    return [part.strip() for line in text.splitlines() for part in _SENTENCE_END.split(line) if part.strip()]


# Concessions -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Concession:
    """A message that opens by agreeing: the words that agree (``opening``), and how many words concede and how
    many object after a "but" (0 when it does not go on to object)."""

    opening: str
    conceding: int
    objecting: int

    @property
    def mostly_objects(self) -> bool:
        """Whether it is mostly the objection ("fair, but [a long argument]"): see :data:`OBJECTION_WEIGHT`."""
        return self.objecting > OBJECTION_WEIGHT * self.conceding


def concession(text: str) -> Concession | None:
    """The concession ``text`` opens with ("I agree that…", "you're right that…", "fair point", "makes sense,
    but…"), if it opens with one."""
    body = _unquoted(text).replace("’", "'")
    opening = _AGREEING.match(body)
    if opening is None:
        return None
    contrast = _CONTRAST.search(body, opening.end())
    if contrast is None:
        return Concession(" ".join(opening[0].split()).strip(" ,.;:!-—"), len(words(body)), 0)
    conceding, objecting = words(body[: contrast.start()]), words(body[contrast.end() :])
    return Concession(" ".join(opening[0].split()).strip(" ,.;:!-—"), len(conceding), len(objecting))


# Quotations --------------------------------------------------------------------------------------------------------


def quoted_passages(text: str) -> list[list[str]]:
    """The passages ``text`` quotes, as words: lines starting with ``>`` and passages of at least
    :data:`QUOTE_WORDS` words in quotation marks (“…”, "…", «…»)."""
    passages = [words(line) for line in _QUOTE_LINE.findall(text)]
    for match in _QUOTED.finditer(_QUOTE_LINE.sub("", text)):
        passages.append(words(next(group for group in match.groups() if group is not None)))
    return [passage for passage in passages if len(passage) >= QUOTE_WORDS]


def _unquoted(text: str) -> str:
    """``text`` without its ``>`` quote lines: what the writer says in their own words."""
    return _QUOTE_LINE.sub("", text).strip()


def shingles(said: list[str], size: int) -> Iterator[tuple[str, ...]]:
    """Every run of ``size`` words in ``said`` without a number in it: shared references, dates and figures
    ("Smith J 2008 March") repeat between messages that do not quote one another."""
    numbered = list(itertools.accumulate((_DIGIT.search(word) is not None for word in said), initial=0))
    return (
        tuple(said[start : start + size])
        for start in range(len(said) - size + 1)
        if numbered[start + size] == numbered[start]
    )


def spaced(said: list[str]) -> str:
    """Words as one string, each between spaces: what :func:`contains` searches."""
    return f" {' '.join(said)} "


def contains(said: str, passage: list[str]) -> bool:
    """Whether the words ``passage`` occur in a row in ``said`` (words :func:`spaced`)."""
    return f" {' '.join(passage)} " in said


# Questions ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Asking:
    """Whether and how a message asks: ``how`` quotes the words that ask indirectly ("“the question is
    whether”"; ``""`` for a question mark), ``rhetorical`` says it asks only for effect."""

    how: str
    rhetorical: bool = False


def asking(text: str, *, in_reply: bool = False) -> Asking | None:
    """How ``text`` asks a question, if it does: its last sentence ends with a question mark, or a sentence opens
    with an indirect question ("the question is whether…", "what matters is…", "I wonder whether…").

    A question is rhetorical when it opens like one ("Do you really think…", "Isn't it…", "Who would…") or, in a
    reply (``in_reply``), when it closes at least :data:`ARGUING_WORDS` words of argument: a rebuttal that ends on
    a question asks nothing."""
    body = _unquoted(text).replace("’", "'")
    indirect = _INDIRECT.search(body)
    if indirect is not None:
        return Asking(f"“{' '.join(indirect[0].split()).strip(' .!;:')}”")
    if _QUESTION_END.search(body) is None:
        return None
    parts = sentences(body)
    last = parts[-1] if parts else body
    arguing = in_reply and sum(len(words(part)) for part in parts[:-1] if not part.endswith("?")) >= ARGUING_WORDS
    rhetorical = _RHETORICAL.match(last) is not None or arguing
    return Asking("", rhetorical)
