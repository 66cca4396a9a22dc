"""The drafting rules for real exchanges (issue 29), directly: concessions drafted as supports, replies linked by what
they quote, transcripts without replies linked by adjacency, questions without a question mark, rhetorical questions.
Every example is written for these tests, in the style of real forum threads (not taken from one)."""

from __future__ import annotations

import pytest

from bot.core.importing.drafts import Item, ItemKind, Message, build_draft, item_line
from bot.core.importing.reading import asking, concession
from bot.core.importing.transcripts import read_transcript

CLAIM = "Labs will not slow down unless regulators force them to."


def _said(key: int, speaker: str, text: str, reply_to: int | None = None) -> Message:
    return Message(key=str(key), text=text, speaker=speaker, reply_to=str(reply_to) if reply_to else None)


def _shapes(items: list[Item]) -> list[tuple[int, ItemKind, int | None, str]]:
    return [(item.number, item.kind, item.parent, item.why) for item in items]


@pytest.mark.parametrize(
    ("text", "opening"),
    [
        ("I agree that voluntary commitments have mostly been kept.", "I agree"),
        ("You're right that the evidence is thin here.", "You're right"),
        ("Fair point.", "Fair point"),
        ("That makes sense.", "That makes sense"),
        ("Yeah, I'd mostly agree with this.", "Yeah, I'd mostly agree"),
        ("That’s a fair point about the timelines.", "That's a fair point"),
    ],
)
def test_a_concession_is_read_from_its_opening_words(text: str, opening: str) -> None:
    found = concession(text)
    assert found is not None and found.opening == opening and not found.mostly_objects


@pytest.mark.parametrize(
    "text",
    [
        "I don't agree at all.",
        "I do not agree with any of this.",
        "True AGI is further off than people think.",
        "That is not right.",
        "Fairly obviously, labs respond to incentives.",
    ],
)
def test_disagreement_and_lookalikes_are_no_concession(text: str) -> None:
    assert concession(text) is None


def test_a_concession_replying_to_another_speaker_is_a_support_of_what_it_concedes() -> None:
    draft = build_draft(
        [
            _said(1, "Ana", CLAIM),
            _said(2, "Ben", "I agree that labs will not slow down on their own.", reply_to=1),
            _said(3, "Ben", "Fair point, the incentives all point one way."),  # no reply reference: the latest by Ana
        ]
    )
    assert _shapes(draft.items) == [
        (1, ItemKind.CLAIM, None, ""),
        (2, ItemKind.SUPPORT, 1, "agrees (“I agree”)"),
        (3, ItemKind.SUPPORT, 1, "follows #1; agrees (“Fair point”)"),
    ]


def test_x_but_y_is_drafted_as_what_it_mostly_is_and_says_why() -> None:
    mostly_objects = (
        "Makes sense, but the real bottleneck is compute, and nobody has shown that regulators can even measure "
        "how much of it a lab uses."
    )
    mostly_agrees = "I agree that incentives matter a great deal here, but not entirely."
    draft = build_draft(
        [_said(1, "Ana", CLAIM), _said(2, "Ben", mostly_objects, reply_to=1), _said(3, "Cy", mostly_agrees, 1)]
    )
    assert _shapes(draft.items)[1:] == [
        (2, ItemKind.REBUTTAL, 1, "concedes (“Makes sense”) but mostly objects"),
        (3, ItemKind.SUPPORT, 1, "agrees (“I agree”)"),
    ]


def test_a_reply_to_ones_own_message_adds_to_it() -> None:
    draft = build_draft([_said(1, "Ana", CLAIM), _said(2, "Ana", "Exactly, and they say so themselves.", reply_to=1)])
    assert _shapes(draft.items)[1] == (2, ItemKind.SUPPORT, 1, "adds to its writer's own message")


def test_a_reply_quoting_a_message_is_linked_to_it_without_a_reply_reference() -> None:
    draft = build_draft(
        [
            _said(1, "Ana", CLAIM),
            _said(2, "Ben", "Audits by outside firms would catch most of the problems early, in 2026 as in 2025."),
            _said(3, "Cy", "> unless regulators force them to\nRegulators have forced nothing so far."),
            _said(4, "Ana", "You say “audits by outside firms would catch” problems; they have caught none."),
            _said(5, "Ben", "Nobody said labs will not slow down unless regulators force them, only that they might."),
            _said(6, "Cy", "Calling it “safe” does not make it so."),  # scare quotes: no link
            _said(7, "Ana", "As I said, nobody slows down unless regulators force them to."),  # her own words
            _said(8, "Cy", "The problems early, in 2026 as in 2025, were other ones."),  # a run with a number in it
        ]
    )
    assert _shapes(draft.items)[2:] == [
        (3, ItemKind.REBUTTAL, 1, "quotes #1"),  # a `>` line
        (4, ItemKind.REBUTTAL, 2, "quotes #2"),
        (5, ItemKind.REBUTTAL, 1, "repeats words of #1"),
        (6, ItemKind.CLAIM, None, ""),
        (7, ItemKind.CLAIM, None, ""),
        (8, ItemKind.CLAIM, None, ""),
    ]


def test_a_transcript_without_reply_to_is_linked_by_quotation_and_adjacency() -> None:
    rows = [
        "id,interview,comment",
        f"1,Ana,{CLAIM}",
        "2,Ben,Regulators have forced nothing so far and never will.",
        "3,Ben,ok",
        "4,Ana,I see your point about the record so far.",
        '5,Cy,"> regulators force them to\nThey will, once a disaster happens."',
        "6,Cy,And insurers will force them before regulators do.",
    ]
    transcript = read_transcript("\n".join(rows).encode(), "talk.csv")
    assert not transcript.problems and not transcript.threaded
    draft = build_draft(transcript.messages, by_adjacency=not transcript.threaded)
    assert _shapes(draft.items) == [
        (1, ItemKind.CLAIM, None, ""),
        (2, ItemKind.REBUTTAL, 1, "follows #1"),
        (3, ItemKind.SUPPORT, 2, "follows #2; agrees (“I see your point”)"),
        (4, ItemKind.REBUTTAL, 1, "quotes #1"),
        (5, ItemKind.SUPPORT, 4, "continues #4; adds to its writer's own message"),  # Cy goes on
    ]
    threaded = build_draft(transcript.messages)  # a Discord channel: replies say what answers what
    kinds = [ItemKind.CLAIM, ItemKind.CLAIM, ItemKind.SUPPORT, ItemKind.REBUTTAL, ItemKind.CLAIM]
    assert [item.kind for item in threaded.items] == kinds


@pytest.mark.parametrize(
    ("text", "how"),
    [
        ("The question is whether labs would accept outside audits.", "“The question is whether”"),
        ("So the real question is how fast compute keeps getting cheaper.", "“So the real question is how”"),
        ("What matters is who pays when a model causes harm.", "“What matters is”"),
        ("I wonder whether anyone has measured this.", "“I wonder whether”"),
        ("Good summary. I'm not sure whether the second step holds.", "“I'm not sure whether”"),
        ("Would labs accept outside audits?", ""),
    ],
)
def test_questions_are_recognised_without_a_question_mark(text: str, how: str) -> None:
    asks = asking(text)
    assert asks is not None and asks.how == how and not asks.rhetorical


def test_a_question_without_a_question_mark_is_a_crux_and_a_rhetorical_one_is_not() -> None:
    rhetorical_close = (
        "That is absurd, labs have never once paused anything when money was on the table. Why would they now?"
    )
    draft = build_draft(
        [
            _said(1, "Ana", CLAIM),
            _said(2, "Ben", "The question is whether regulators can act before the next model ships.", reply_to=1),
            _said(3, "Cy", rhetorical_close, reply_to=1),
            _said(4, "Ben", "Do you really think a pause would hold?", reply_to=1),
            _said(5, "Cy", "Isn't it obvious that nobody will pause?"),
            _said(6, "Ana", "Would a treaty between the largest labs be enforceable?", reply_to=1),
        ]
    )
    assert _shapes(draft.items)[1:] == [
        (2, ItemKind.CRUX, 1, "asks “The question is whether”"),
        (3, ItemKind.REBUTTAL, 1, "its question is rhetorical"),
        (4, ItemKind.REBUTTAL, 1, "its question is rhetorical"),
        (5, ItemKind.CLAIM, None, "a rhetorical question"),
        (6, ItemKind.CRUX, 1, ""),  # a genuine question in a reply stays a crux
    ]


def test_the_draft_line_shows_why_an_item_is_what_it_is() -> None:
    draft = build_draft([_said(1, "Ana", CLAIM), _said(2, "Ben", "You're right that nobody slows down alone.")])
    assert item_line(draft.items[1], "Ben") == (
        "2. support of #1 — Ben: You're right that nobody slows down alone. (follows #1; agrees (“You're right”))"
    )
