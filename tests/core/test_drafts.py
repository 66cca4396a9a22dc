"""The drafting rules (a conversation → candidate records) and recording a draft, directly."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.debates import lifecycle as core
from bot.core.errors import DomainError, InvalidInput
from bot.core.importing.chat import INTENT_OFF, require_readable, require_text
from bot.core.importing.drafts import (
    Draft,
    ItemKind,
    Message,
    Recorded,
    build_draft,
    change_kind,
    is_question,
    record_draft,
)
from bot.db import Database
from schema import Claim, ClaimKind, Crux, CruxClaim, Debate, DebateFormat

GUILD, ALICE, BOB, MOD = 1001, 1, 2, 4


def _message(key: int, text: str, author: int = ALICE, reply_to: int | None = None, **extra: object) -> Message:
    return Message(
        key=str(key),
        text=text,
        author_id=author,
        reply_to=str(reply_to) if reply_to is not None else None,
        message_id=key,
        jump_url=f"https://chat.example/channels/{GUILD}/100/{key}",
        **extra,  # type: ignore[arg-type]
    )


def test_each_substantive_message_is_a_claim_and_the_rest_is_skipped_and_counted() -> None:
    draft = build_draft(
        [
            _message(1, "Interpretability will not scale to frontier models."),
            _message(2, "done", author=BOB),
            _message(3, "/debate summary", author=BOB),
            _message(4, "!help me", author=BOB),
            _message(5, "Logged as Claim #1.", is_bot=True),
            _message(6, "  interpretability will not   scale to frontier models.  ", author=BOB),
            _message(7, "\u200b \u2800"),
        ]
    )
    assert [(item.number, item.kind, item.key) for item in draft.items] == [(1, ItemKind.CLAIM, "1")]
    assert draft.skipped == {
        "one-word message": 1,
        "command": 2,
        "bot message": 1,
        "repeat": 1,
        "textless message": 1,
    }
    item = draft.items[0]
    assert (item.author_id, item.message_id, item.accepted) == (ALICE, 1, False)
    assert item.jump_url == f"https://chat.example/channels/{GUILD}/100/1"


def test_a_reply_to_a_candidate_is_a_rebuttal_and_a_question_a_crux() -> None:
    draft = build_draft(
        [
            _message(1, "Governance buys time for alignment research."),
            _message(2, "Only if labs comply, which they have not.", author=BOB, reply_to=1),
            _message(3, "Compliance has improved since the summit.", reply_to=2),
            _message(4, "Will compute thresholds stay meaningful?"),
            _message(5, "Would labs accept audits (“external ones”)?", author=BOB, reply_to=1),
            _message(6, "Probably yes, with enough pressure.", reply_to=4),
            _message(7, "A reply to a message from before the import.", reply_to=999),
            _message(8, "Governance buys time for alignment research.", author=BOB),
            _message(9, "Repeating it does not make it true.", reply_to=8),
        ]
    )
    shapes = [(item.number, item.kind, item.parent) for item in draft.items]
    assert shapes == [
        (1, ItemKind.CLAIM, None),
        (2, ItemKind.REBUTTAL, 1),
        (3, ItemKind.REBUTTAL, 2),
        (4, ItemKind.CRUX, None),
        (5, ItemKind.CRUX, 1),  # a question bears on the claim it answers
        (6, ItemKind.CLAIM, None),  # an answer to a question stands on its own
        (7, ItemKind.CLAIM, None),
        (8, ItemKind.REBUTTAL, 1),  # a reply to a repeat answers the original
    ]
    assert draft.skipped == {"repeat": 1}


def test_questions_end_with_a_question_mark() -> None:
    assert is_question("Does RLHF hide deception?")
    assert is_question("Does it? ")
    assert is_question("Is it “safe?”")
    assert not is_question("Why? Because it scales.")
    assert not is_question("It scales.")


def test_messages_already_logged_are_skipped_and_replies_to_them_rebut_the_logged_claim() -> None:
    messages = [
        _message(1, "Already logged as Claim #3."),
        _message(2, "And here is why it is wrong.", author=BOB, reply_to=1),
    ]
    draft = build_draft(messages, logged={"1": 3})
    assert [(item.kind, item.parent, item.parent_claim) for item in draft.items] == [(ItemKind.REBUTTAL, None, 3)]
    assert draft.skipped == {"already-logged message": 1}


def test_a_repeat_of_a_logged_message_is_skipped_and_a_reply_to_it_rebuts_the_logged_claim() -> None:
    messages = [
        _message(1, "Already logged as Claim #3."),
        _message(2, "already logged as  claim #3.", author=BOB),
        _message(3, "And here is why it is wrong.", reply_to=2),
    ]
    draft = build_draft(messages, logged={"1": 3})
    assert [(item.key, item.kind, item.parent, item.parent_claim) for item in draft.items] == [
        ("3", ItemKind.REBUTTAL, None, 3)
    ]
    assert draft.skipped == {"already-logged message": 1, "repeat": 1}


LONG = "A claim longer than a crux's question may be. " * 30
TOO_LONG = f"its text is {len(LONG.strip()):,} characters long, and a crux may have 1,000 at most"


def test_a_kind_is_offered_only_when_the_text_fits_it() -> None:
    draft = build_draft([_message(1, LONG), _message(2, f"Not so. {LONG}", author=BOB, reply_to=1)])
    claim, reply = draft.items
    assert claim.kinds == (ItemKind.CLAIM,)
    with pytest.raises(InvalidInput) as refused:
        change_kind(claim)
    assert str(refused.value) == f"Item #1 can only be a claim: {TOO_LONG}."
    with pytest.raises(InvalidInput) as refused:
        change_kind(claim, ItemKind.CRUX)
    assert str(refused.value) == f"Item #1 cannot be a crux: {TOO_LONG}."
    assert claim.kind is ItemKind.CLAIM
    assert [change_kind(reply) for _ in range(3)] == [ItemKind.SUPPORT, ItemKind.CLAIM, ItemKind.REBUTTAL]
    claim.kind = ItemKind.CRUX  # as a draft stored by an earlier version may hold it
    assert change_kind(claim) is ItemKind.CLAIM


def test_kinds_change_within_what_the_item_can_be() -> None:
    draft = build_draft([_message(1, "A claim to rebut."), _message(2, "A rebuttal of it.", author=BOB, reply_to=1)])
    claim, rebuttal = draft.items
    assert [change_kind(rebuttal) for _ in range(4)] == [
        ItemKind.SUPPORT,
        ItemKind.CLAIM,
        ItemKind.CRUX,
        ItemKind.REBUTTAL,
    ]
    assert change_kind(claim) is ItemKind.CRUX
    with pytest.raises(InvalidInput, match="answers no claim"):
        change_kind(claim, ItemKind.SUPPORT)


def test_a_draft_survives_its_json_form() -> None:
    draft = build_draft([_message(1, "A claim to rebut."), _message(2, "A rebuttal of it.", reply_to=1)])
    draft.items[1].accepted = True
    assert Draft.from_json(draft.to_json()) == draft


async def _debate(db: Database, format: DebateFormat = DebateFormat.OPEN) -> Debate:
    async with db.write() as session:
        debate = await session.run_sync(
            core.start_debate,
            core.Actor(GUILD, ALICE),
            core.plan_debate("Interp or governance?", format=format),
            channel_id=10,
            thread_id=100,
        )
        await session.run_sync(core.join, debate, ALICE, "for")
    return debate


async def _record(db: Database, debate: Debate, draft: Draft, *, all_or_nothing: bool = False) -> Recorded:
    def job(session: Session) -> Recorded:
        current = session.get(Debate, debate.id)
        assert current is not None
        return record_draft(session, current, core.Actor(GUILD, MOD), draft, all_or_nothing=all_or_nothing)

    return await db.transact(job)


def _conversation() -> Draft:
    return build_draft(
        [
            _message(1, "Governance buys time for alignment research."),
            _message(2, "Only if labs comply, which they have not.", author=BOB, reply_to=1),
            _message(3, "Will labs accept external audits?", author=BOB, reply_to=1),
            Message(key="t4", text="Speakers outside Discord count too.", speaker="Dr. Ng"),
        ]
    )


async def test_record_stores_the_accepted_items_in_message_order(db: Database) -> None:
    debate = await _debate(db)
    draft = _conversation()
    for item in draft.items:
        item.accepted = item.number != 4
    recorded = await _record(db, debate, draft)
    assert recorded.records == [(ItemKind.CLAIM, 1), (ItemKind.REBUTTAL, 2), (ItemKind.CRUX, 1)]
    assert recorded.held == []
    async with db.read() as session:
        claims = list((await session.execute(select(Claim).order_by(Claim.number))).scalars())
        crux = (await session.execute(select(Crux))).scalar_one()
        link = (await session.execute(select(CruxClaim))).scalar_one()
    assert [(c.number, c.kind, c.author_id, c.logged_by_id, c.source_message_id) for c in claims] == [
        (1, ClaimKind.CLAIM, ALICE, MOD, 1),
        (2, ClaimKind.REBUTTAL, BOB, MOD, 2),
    ]
    assert claims[1].parent_id == claims[0].id
    assert claims[0].side_id is not None and claims[1].side_id is None  # bob joined no side
    assert (crux.author_id, crux.logged_by_id, crux.source_message_id) == (BOB, MOD, 3)
    assert link.claim_id == claims[0].id
    # the rest of the draft can be recorded later: item 4, a speaker without a Discord user
    draft.items[3].accepted = True
    again = await _record(db, debate, draft)
    assert again.records == [(ItemKind.CLAIM, 3)]
    async with db.read() as session:
        spoken = (await session.execute(select(Claim).where(Claim.number == 3))).scalar_one()
    assert (spoken.author_id, spoken.speaker, spoken.source_message_id) == (None, "Dr. Ng", None)


async def test_items_the_phase_does_not_allow_are_held_and_marked_why(db: Database) -> None:
    debate = await _debate(db, format=DebateFormat.ROUNDS)  # opening phase: claims only
    draft = _conversation()
    for item in draft.items:
        item.accepted = True
    recorded = await _record(db, debate, draft)
    assert recorded.records == [(ItemKind.CLAIM, 1), (ItemKind.CLAIM, 2)]
    assert [(item.number, item.held) for item in recorded.held] == [
        (2, "the opening phase does not allow rebuttals"),
        (3, "the opening phase does not allow cruxes"),
    ]


async def test_all_or_nothing_refuses_the_whole_draft(db: Database) -> None:
    debate = await _debate(db, format=DebateFormat.ROUNDS)
    draft = _conversation()
    for item in draft.items:
        item.accepted = True
    with pytest.raises(InvalidInput, match="Nothing was recorded: 2 items cannot be recorded now"):
        await _record(db, debate, draft, all_or_nothing=True)
    async with db.read() as session:
        assert (await session.execute(select(Claim))).first() is None


async def test_a_rebuttal_of_a_skipped_item_is_held(db: Database) -> None:
    debate = await _debate(db)
    draft = _conversation()
    draft.items[1].accepted = True
    recorded = await _record(db, debate, draft)
    assert recorded.records == []
    assert (
        recorded.held[0].held
        == "it answers item #1, which is not recorded as a claim (accept it, or make this a claim)"
    )


async def test_record_stores_what_is_valid_and_holds_each_item_it_cannot_store_naming_why(db: Database) -> None:
    debate = await _debate(db)
    draft = build_draft([_message(1, LONG), _message(2, "A short claim beside it.", author=BOB)])
    for item in draft.items:
        item.accepted = True
    draft.items[0].kind = ItemKind.CRUX  # as a draft stored by an earlier version may hold it
    recorded = await _record(db, debate, draft)
    assert recorded.records == [(ItemKind.CLAIM, 1)]
    assert [(item.number, item.held) for item in recorded.held] == [(1, f"{TOO_LONG} (change its kind)")]
    async with db.read() as session:
        assert list((await session.execute(select(Claim.text))).scalars()) == ["A short claim beside it."]
        assert (await session.execute(select(Crux))).first() is None


async def test_a_message_logged_meanwhile_as_another_kind_is_not_recorded_again(db: Database) -> None:
    debate = await _debate(db)
    first, second = (build_draft([_message(1, "Governance buys time for alignment research.")]) for _ in range(2))
    first.items[0].accepted = second.items[0].accepted = True
    assert (await _record(db, debate, first)).records == [(ItemKind.CLAIM, 1)]
    change_kind(second.items[0], ItemKind.CRUX)
    recorded = await _record(db, debate, second)
    assert recorded.records == []
    assert [(item.number, item.held) for item in recorded.held] == [(1, "its message was logged meanwhile")]


def test_an_import_whose_people_all_came_without_text_says_how_to_switch_the_intent_on() -> None:
    blank = [Message("1", "", author_id=1), Message("2", "", author_id=2), Message("3", "Posted by me", is_bot=True)]
    with pytest.raises(InvalidInput) as refused:
        require_text(blank)
    assert str(refused.value) == INTENT_OFF
    require_text([*blank, Message("4", "", author_id=3, media=True)])  # a picture: Discord gave what it holds
    require_text([Message("5", "Some text", author_id=1), Message("6", "", author_id=2)])


@pytest.mark.parametrize(
    ("readable", "view", "history", "refusal"),
    [
        (False, True, True, "only from a text channel or a thread, and #voice is neither"),
        (True, False, True, "You need View Channel and Read Message History in #voice"),
        (True, True, False, "You need View Channel and Read Message History in #voice"),
    ],
)
def test_an_import_source_must_be_readable_by_its_importer(
    readable: bool, view: bool, history: bool, refusal: str
) -> None:
    with pytest.raises(DomainError, match=refusal):
        require_readable("#voice", readable=readable, can_view=view, can_read_history=history)
    require_readable("#voice", readable=True, can_view=True, can_read_history=True)
