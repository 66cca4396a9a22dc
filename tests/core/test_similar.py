"""Similar records, the rule and its storage (``bot.core.claims.similar``), without the model: vectors are made by
hand."""

from __future__ import annotations

import struct

import pytest
from sqlalchemy import func, inspect, select

from bot.core.claims import arguments as claims
from bot.core.claims.similar import (
    ADJACENT_BONUS,
    DUPLICATE_THRESHOLD,
    OPPOSITE_THRESHOLD,
    Candidate,
    Comparison,
    Entry,
    HintTarget,
    Likeness,
    Record,
    comparison,
    contrary,
    duplicate_hint,
    likeness,
    ranked_targets,
    store_vectors,
)
from bot.core.cruxes import lifecycle as cruxes
from bot.core.cruxes.lifecycle import withdraw_in_favour
from bot.core.debates import lifecycle as core
from bot.core.errors import NotAllowed
from bot.db import Database
from schema import ClaimKind, ClaimStatus, ClaimVector, Crux, CruxOutcome, CruxStatus, CruxVector, Debate
from tests.core.support import started_debate

GUILD, THREAD = 1, 2
ALICE, BOB, CAROL, MOD = 11, 12, 13, 14  # Alice starts the debate: she moderates it
MODEL = "test-model"


def _vector(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


async def _debate(db: Database) -> Debate:
    return await started_debate(db, guild=GUILD, creator=ALICE, joined={ALICE: "for", BOB: "against"}, thread=THREAD)


def _claim(session, text: str, user: int = ALICE, kind: ClaimKind = ClaimKind.CLAIM, parent: int | None = None):  # type: ignore[no-untyped-def]
    debate = core.open_debate_in_thread(session, GUILD, THREAD)
    who = core.Actor(GUILD, user)
    if kind is ClaimKind.CLAIM:
        return claims.add_claim(session, debate, who, text).claim
    return claims.add_reply(session, debate, who, parent or 0, text, kind).claim


def test_a_hint_needs_the_threshold() -> None:
    found = Comparison(Record.CLAIM, 1, Entry(5, 3, "new"), [Entry(1, 1, "old")])
    assert duplicate_hint(found, None) is None
    assert duplicate_hint(found, (Entry(1, 1, "old"), DUPLICATE_THRESHOLD - 0.01)) is None
    hint = duplicate_hint(found, (Entry(1, 1, "old"), DUPLICATE_THRESHOLD))
    assert hint is not None and (hint.new_number, hint.original_number, hint.original_id) == (3, 1, 1)


def test_the_wording_reads_right_for_a_repeat_and_for_a_negation() -> None:
    """A crux and its negation are the same crux; a claim and its negation are two sides: the first hint offers to
    withdraw the new record, the second offers a rebuttal instead and withdraws nothing."""
    crux = duplicate_hint(Comparison(Record.CRUX, 1, Entry(9, 4, "new?"), []), (Entry(7, 3, "Will evals hold?"), 0.9))
    same = duplicate_hint(
        Comparison(Record.CLAIM, 1, Entry(9, 6, "Evals hold up"), []), (Entry(7, 2, "Evals hold."), 0.9)
    )
    negated = duplicate_hint(
        Comparison(Record.CLAIM, 1, Entry(9, 6, "Evals do not hold."), []), (Entry(7, 2, "Evals hold."), 0.9)
    )
    assert crux is not None and same is not None and negated is not None
    assert crux.text.startswith("Crux #4 looks like Crux #3: “Will evals hold?”")
    assert "negation are usually the same crux" in crux.text and "record credences on #3" in crux.text
    assert crux.offers_withdrawal
    assert same.text.startswith("Claim #6 looks like Claim #2: “Evals hold.”")
    assert "withdraw #6 in its favour" in same.text and same.offers_withdrawal
    assert same.button_label == "Withdraw #6 in favour of #2"
    assert negated.likeness is Likeness.OPPOSITE and not negated.offers_withdrawal
    assert negated.text.startswith("Claim #6 seems to say the opposite of Claim #2: “Evals hold.”")
    assert "a rebuttal of it fits better (`/rebut claim:2`)" in negated.text and "withdraw" not in negated.text


@pytest.mark.parametrize(
    ("new", "original"),
    [
        ("Evals do not hold.", "Evals hold."),  # negated, both short
        ("The tax is unfair to the poor.", "The tax is fair to the poor."),  # a negating prefix
        ("Export controls increase the risk.", "Export controls reduce the risk."),  # everyday opposites
        ("Compute governance won't slow AI.", "Compute governance will slow AI."),  # n't
    ],
)
def test_a_contrary_wording_is_an_opposite_never_a_duplicate(new: str, original: str) -> None:
    assert contrary(new, original) and contrary(original, new)
    assert likeness(new, original, 0.99) is Likeness.OPPOSITE
    assert likeness(new, original, OPPOSITE_THRESHOLD - 0.01) is None


@pytest.mark.parametrize(
    ("new", "original"),
    [
        ("Child actors should be allowed when supervised.", "Child actors should not be banned when supervised."),
        ("Uniforms don't let pupils express themselves.", "Uniforms harm pupils' self-expression."),
        ("Evals hold.", "Evals hold up."),
        # long texts negate many things: their negations say nothing of their polarity
        (
            "We should not abolish it, because no other tool has done as much to keep the rich from hoarding wealth.",
            "It is the best tool we have against hoarding of wealth by the richest people of the country.",
        ),
    ],
)
def test_the_same_point_worded_otherwise_is_not_contrary(new: str, original: str) -> None:
    assert not contrary(new, original)
    assert likeness(new, original, DUPLICATE_THRESHOLD) is Likeness.SAME
    assert likeness(new, original, DUPLICATE_THRESHOLD - 0.01) is None


def test_a_claim_of_the_other_side_is_an_opposite_even_worded_alike() -> None:
    assert likeness("Evals hold.", "Evals hold up.", 0.95, other_side=True) is Likeness.OPPOSITE
    found = Comparison(Record.CLAIM, 1, Entry(9, 6, "Evals hold.", side_id=2), [])
    hint = duplicate_hint(found, (Entry(7, 2, "Evals hold up.", side_id=1), 0.95))
    assert hint is not None and hint.likeness is Likeness.OPPOSITE and not hint.offers_withdrawal
    same_side = duplicate_hint(found, (Entry(7, 2, "Evals hold up.", side_id=2), 0.95))
    unknown = duplicate_hint(found, (Entry(7, 2, "Evals hold up.", side_id=None), 0.95))
    assert same_side is not None and same_side.likeness is unknown.likeness is Likeness.SAME  # type: ignore[union-attr]


CLAIMS = [
    "Chip export controls have already slowed rival AI programmes.",
    "Know-your-customer rules for cloud providers would catch most dangerous training runs.",
    "Compute governance concentrates power in the few countries that make chips.",
]


def test_rebuttal_targets_rank_by_meaning_then_by_words_shared_with_one_claim() -> None:
    by_meaning = [Candidate(n, text, score) for n, text, score in zip((1, 2, 3), CLAIMS, (0.5, 0.4, 0.3), strict=True)]
    assert ranked_targets("They did not.", by_meaning) == [1, 2, 3]
    reply = "Cloud providers outside those rules would rent to anyone: customer checks catch nothing."
    close = [Candidate(n, text, 0.42) for n, text in zip((1, 2, 3), CLAIMS, strict=True)]
    assert ranked_targets(reply, close)[0] == 2  # the words it shares with #2 alone


def test_a_quoted_claim_comes_first_whatever_the_meaning() -> None:
    candidates = [Candidate(n, text, score) for n, text, score in zip((1, 2, 3), CLAIMS, (0.7, 0.2, 0.1), strict=True)]
    for quoting in (
        "“concentrates power in the few countries” — they already hold it, regulation or not.",
        '"Concentrates power in the few countries"? They already hold it.',
        "> Compute governance concentrates power in the few countries\nThey already hold it.",
    ):
        assert ranked_targets(quoting, candidates)[0] == 3, quoting
    assert ranked_targets("“the few countries”: they already hold it.", candidates)[0] == 1  # too short to count


def test_a_reply_right_after_a_claim_favours_it_among_close_ones() -> None:
    close = [Candidate(1, CLAIMS[0], 0.50), Candidate(2, CLAIMS[1], 0.45, just_before=True)]
    assert ranked_targets("That is doubtful.", close) == [2, 1]
    far = [Candidate(1, CLAIMS[0], 0.45 + ADJACENT_BONUS + 0.05), Candidate(2, CLAIMS[1], 0.45, just_before=True)]
    assert ranked_targets("That is doubtful.", far) == [1, 2]  # meaning still outweighs place


async def test_a_claim_is_compared_with_earlier_standing_claims_and_their_stored_vectors(db: Database) -> None:
    await _debate(db)

    def log(session):  # type: ignore[no-untyped-def]
        first = _claim(session, "Interp scales.")
        withdrawn = _claim(session, "Interp never scales.")
        rebuttal = _claim(session, "It has not so far.", BOB, ClaimKind.REBUTTAL, first.id)
        claims.withdraw_claim(
            session, core.open_debate_in_thread(session, GUILD, THREAD), core.Actor(GUILD, ALICE), withdrawn.number
        )
        new = _claim(session, "Interpretability will scale.", BOB)
        store_vectors(session, Record.CLAIM, [(first.id or 0, _vector(1, 0))], MODEL)
        return first, rebuttal, new

    first, rebuttal, new = await db.transact(log)
    async with db.read() as session:
        found = await session.run_sync(comparison, Record.CLAIM, new.id or 0, MODEL)
        other_model = await session.run_sync(comparison, Record.CLAIM, new.id or 0, "another-model")
        of_rebuttal = await session.run_sync(comparison, Record.CLAIM, rebuttal.id or 0, MODEL)
    for_side, against = 1, 2  # Alice's side and Bob's: a claim of the other side is never a repeat
    assert found is not None and found.new == Entry(new.id or 0, 4, "Interpretability will scale.", side_id=against)
    assert found.earlier == [  # not withdrawn, no rebuttal
        Entry(first.id or 0, 1, "Interp scales.", _vector(1, 0), side_id=for_side)
    ]
    assert other_model is not None and other_model.earlier == [Entry(first.id or 0, 1, "Interp scales.", None, 1)]
    assert of_rebuttal is not None and of_rebuttal.earlier == []  # rebuttals are embedded, never hinted


async def test_vectors_are_replaced_skipped_for_deleted_records_and_dropped_when_the_text_changes(db: Database) -> None:
    debate = await _debate(db)
    first = await db.transact(lambda session: _claim(session, "Compute is the lever."))
    await db.transact(store_vectors, Record.CLAIM, [(first.id or 0, _vector(1, 0)), (999, _vector(0, 1))], MODEL)
    await db.transact(store_vectors, Record.CLAIM, [(first.id or 0, _vector(0, 1))], MODEL)
    async with db.read() as session:
        rows = (await session.execute(select(ClaimVector.claim_id, ClaimVector.vector))).all()
    assert [tuple(row) for row in rows] == [(first.id, _vector(0, 1))]

    await db.transact(
        lambda session: claims.edit_claim(session, debate, core.Actor(GUILD, ALICE), first.number, "Chips are.")
    )
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(ClaimVector))).scalar_one() == 0


async def test_withdrawing_in_favour_is_for_the_author_or_a_moderator(db: Database) -> None:
    debate = await _debate(db)
    async with db.write() as session:
        original, _ = await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, ALICE), "Will evals hold?")
        repeat, _ = await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, BOB), "Will evals fail?")
    await db.transact(lambda session: _claim(session, "Evals will hold."))
    claim = await db.transact(lambda session: _claim(session, "Evals hold.", BOB))
    crux_target = HintTarget(Record.CRUX, repeat.id or 0, original.number)

    def withdraw(actor: core.Actor, target: HintTarget):  # type: ignore[no-untyped-def]
        return db.transact(lambda session: withdraw_in_favour(session, debate, actor, target))

    with pytest.raises(NotAllowed, match="Crux #2 is not yours"):
        await withdraw(core.Actor(GUILD, CAROL), crux_target)
    said = await withdraw(core.Actor(GUILD, BOB), crux_target)
    assert said == "Crux #2 withdrawn in favour of Crux #1."
    moderator = core.Actor(GUILD, MOD, can_moderate=True)
    said = await withdraw(moderator, HintTarget(Record.CLAIM, claim.id, 1))
    assert said == "Claim #2 withdrawn in favour of Claim #1."
    async with db.read() as session:
        withdrawn = (await session.execute(select(Crux).where(Crux.id == repeat.id))).scalar_one()
        status = (await session.execute(select(claims.Claim.status).where(claims.Claim.id == claim.id))).scalar_one()
    assert withdrawn.status is CruxStatus.RESOLVED and withdrawn.outcome is CruxOutcome.ANNULLED
    assert withdrawn.resolution == ("Withdrawn in favour of Crux #1 (the same crux).")
    assert status is ClaimStatus.WITHDRAWN


async def test_the_migration_adds_and_removes_the_vector_tables(db: Database) -> None:
    debate = await _debate(db)
    async with db.write() as session:
        crux, _ = await session.run_sync(cruxes.add_crux, debate, core.Actor(GUILD, ALICE), "Kept?")
    await db.transact(store_vectors, Record.CRUX, [(crux.id or 0, _vector(1, 0))], MODEL)
    await db.downgrade("0006")
    async with db.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        assert "crux" in tables and not {"claim_vector", "crux_vector"} & set(tables)
        assert (await connection.execute(select(func.count()).select_from(Crux))).scalar_one() == 1
    await db.upgrade()
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(CruxVector))).scalar_one() == 0


@pytest.mark.parametrize("presser", [BOB, MOD], ids=["author", "moderator"])
async def test_withdrawing_in_favour_withdraws_the_hinted_claim_where_ids_and_numbers_differ(
    db: Database, presser: int
) -> None:
    """Issue 25: outside the database's first debate a claim's id is not its number; the button carries the id."""
    await started_debate(db, guild=GUILD, creator=CAROL, joined={CAROL: "for"}, thread=THREAD + 1)
    await db.transact(lambda session: _claim_in(session, THREAD + 1, CAROL, "An earlier debate's claim."))
    await db.transact(lambda session: _claim_in(session, THREAD + 1, CAROL, "And another."))
    debate = await _debate(db)
    await db.transact(lambda session: _claim_in(session, THREAD, ALICE, "Evals will hold."))
    repeat = await db.transact(lambda session: _claim_in(session, THREAD, BOB, "Evals hold."))
    for text in ("Evals are cheap.", "Evals are fast."):
        await db.transact(lambda session, text=text: _claim_in(session, THREAD, ALICE, text))
    assert repeat != 2  # the claim's id, which the button carries, is not its number

    moderator = presser == MOD
    target = HintTarget(Record.CLAIM, repeat, original_number=1)
    said = await db.transact(
        lambda session: withdraw_in_favour(session, debate, core.Actor(GUILD, presser, can_moderate=moderator), target)
    )

    assert said == "Claim #2 withdrawn in favour of Claim #1."
    async with db.read() as session:
        rows = await session.execute(
            select(claims.Claim.number, claims.Claim.status)
            .where(claims.Claim.debate_id == debate.id)
            .order_by(claims.Claim.number)
        )
    statuses = [tuple(row) for row in rows]
    standing, withdrawn = ClaimStatus.STANDING, ClaimStatus.WITHDRAWN
    assert statuses == [(1, standing), (2, withdrawn), (3, standing), (4, standing)]


def _claim_in(session, thread: int, user: int, text: str) -> int:  # type: ignore[no-untyped-def]
    """Log a claim by ``user`` in the debate of ``thread``; its database id."""
    debate = core.open_debate_in_thread(session, GUILD, thread)
    return claims.add_claim(session, debate, core.Actor(GUILD, user), text).claim.id


def test_the_hint_shows_the_original_claim_as_typed() -> None:
    """The quoted claim is a user's text: its Markdown is shown, not rendered, and it stays on one line."""
    found = Comparison(Record.CLAIM, 1, Entry(9, 6, "Evals hold up."), [])
    hint = duplicate_hint(found, (Entry(7, 2, "Evals *always*\nhold __up__."), 0.95))
    assert hint is not None
    assert hint.text.startswith("Claim #6 looks like Claim #2: “Evals \\*always\\* hold \\_\\_up\\_\\_.”")
