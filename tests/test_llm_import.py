"""The import draft's second opinion on the command line (``python -m bot import``): with language-model help on,
each item the model sees otherwise than the rules is printed with both, and the person chooses; off, or failing,
the draft is the rules' alone. Driven against the loopback stand-in endpoint (``tests/llm_stub.py``)."""

from __future__ import annotations

import importlib.util
import io
import json
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.cli.importer import ImportRequest, import_transcript
from bot.config import load_settings
from bot.db import Database
from bot.runtime.llm import LanguageModel, draft_opinions
from schema import Claim, ClaimKind, DebateNumber
from tests.core.support import started_debate
from tests.llm_stub import LlmStub, Reply, llm_stub

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("openai") is None, reason="the llm extra is not installed: pip install -e '.[llm]'"
)
ROWS = [
    {"id": 1, "author": "Ada", "text": "Interpretability scales with compute budgets."},
    {"id": 2, "author": "Ben", "text": "Probing results say otherwise once you control for scale.", "reply_to": 1},
    {"id": 3, "author": "Ada", "text": "Governance matters more in the long run."},
]
OPINION = {
    "items": [
        {"item": 1, "kind": "claim", "answers": None},
        {"item": 2, "kind": "support", "answers": 1},
        {"item": 3, "kind": "claim", "answers": None},
        {"item": 9, "kind": "claim", "answers": None},
    ]
}
DIFFERENCE = "Item #2: the rules draft a rebuttal of #1; the language model, a support of #1."


@pytest.fixture
async def stub() -> AsyncIterator[LlmStub]:
    async with llm_stub() as running:
        yield running


async def _import(db: Database, tmp_path: Path, model: LanguageModel | None, take: bool) -> tuple[str, list[str]]:
    await started_debate(db, guild=1, creator=11)
    path = tmp_path / "talk.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    out = io.StringIO()
    asked: list[str] = []

    def ask(question: str) -> bool:
        asked.append(question)
        return take or question.startswith("Record")

    opinion = partial(draft_opinions, model) if model is not None else None
    try:
        status = await import_transcript(db, ImportRequest(DebateNumber(1), path, guild=1), out, ask, opinion)
    finally:
        if model is not None:
            await model.close()
    assert status == 0, out.getvalue()
    return out.getvalue(), asked


async def _kinds(db: Database) -> list[ClaimKind]:
    async with db.read() as session:
        return list((await session.execute(select(col(Claim.kind)).order_by(col(Claim.number)))).scalars())


def _model(stub: LlmStub) -> LanguageModel:
    return LanguageModel(load_settings(_env_file=None, llm_base_url=stub.base_url, llm_model="stub"))


@pytest.mark.parametrize("take", [True, False])
async def test_where_the_model_differs_both_are_shown_and_the_person_chooses(
    db: Database, tmp_path: Path, stub: LlmStub, take: bool
) -> None:
    stub.record("Interpretability scales", Reply(content=OPINION))
    printed, asked = await _import(db, tmp_path, _model(stub), take)
    assert DIFFERENCE in printed
    assert "opinion on item #9 was dropped: no such item was sent" in printed
    assert [q for q in asked if q.startswith("Take")] == [
        "Take the language model's (support of #1) for item #2? [y/N] "
    ]
    expected = ClaimKind.SUPPORT if take else ClaimKind.REBUTTAL
    assert await _kinds(db) == [ClaimKind.CLAIM, expected, ClaimKind.CLAIM]
    [request] = stub.requests
    assert "Ada" not in json.dumps(request) and "Ben" not in json.dumps(request)
    assert '"by": "P2"' in request["messages"][1]["content"] and '"replies_to": 1' in request["messages"][1]["content"]


async def test_a_failing_model_leaves_the_rules_draft(db: Database, tmp_path: Path, stub: LlmStub) -> None:
    stub.record("Interpretability scales", Reply(status=429))
    printed, asked = await _import(db, tmp_path, _model(stub), True)
    assert "No second opinion from the language model" in printed and "429" in printed
    assert not [q for q in asked if q.startswith("Take")]
    assert await _kinds(db) == [ClaimKind.CLAIM, ClaimKind.REBUTTAL, ClaimKind.CLAIM]


async def test_unset_the_draft_is_the_rules_alone(db: Database, tmp_path: Path, stub: LlmStub) -> None:
    printed, asked = await _import(db, tmp_path, None, True)
    assert "language model" not in printed and stub.requests == []
    assert [q.split()[0] for q in asked] == ["Record"]
    assert await _kinds(db) == [ClaimKind.CLAIM, ClaimKind.REBUTTAL, ClaimKind.CLAIM]
