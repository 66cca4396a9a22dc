"""``benchmarks.llm_draft`` records a model's answers once and reports from the recordings alone. Checked here on a
two-thread set written for this test (not real data) against the loopback stand-in endpoint; the figures are the
harness's arithmetic, not a model's quality."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from benchmarks import llm_draft
from tests.llm_stub import Reply, llm_stub

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("openai") is None, reason="the llm extra is not installed: pip install -e '.[llm]'"
)
ROWS = [
    ("t1", "a", "Ada", "Audits should be mandatory for frontier labs.", "claim"),
    ("t1", "b", "Ben", "Agreed, audits caught real problems in aviation.", "support"),
    ("t1", "c", "Ada", "Would audits slow open research down?", "question"),
    ("t2", "d", "Cy", "Compute caps are unenforceable in practice.", "claim"),
    ("t2", "e", "Di", "They are enforceable through chip export controls.", "rebuttal"),
]


@pytest.fixture
def written_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    lines = [
        json.dumps({"thread": t, "id": i, "author": a, "text": x, "kind": k, "target": None}) for t, i, a, x, k in ROWS
    ]
    (data / "drafting_dev.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(llm_draft, "DATA", data)
    monkeypatch.setattr(llm_draft, "RECORDINGS", tmp_path / "recordings")
    monkeypatch.setattr(llm_draft, "REPO_ROOT", tmp_path)


async def test_it_records_once_and_reports_from_the_recordings(
    written_set: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert llm_draft.report() == 2 and "none has been made" in capsys.readouterr().out
    async with llm_stub() as stub:
        stub.record(
            "Audits should be mandatory",
            Reply(
                content={
                    "items": [
                        {"item": 1, "kind": "claim", "answers": None},
                        {"item": 2, "kind": "support", "answers": 1},
                        {"item": 3, "kind": "crux", "answers": 7},
                    ]
                }
            ),
        )
        stub.record("Compute caps", Reply(content="not JSON"))
        path = await llm_draft.record(stub.base_url, "stub/model:1", None, ["dev"])
        assert len(stub.requests) == 2
    assert path.name == "stub_model_1.jsonl" and len(path.read_text(encoding="utf-8").splitlines()) == 2
    capsys.readouterr()
    assert llm_draft.report() == 0
    out = capsys.readouterr().out
    # rules: t1 claim, rebuttal (no reply_to: claim), crux → 2 of 3 right; t2 claim, claim → 1 of 2 right.
    # model: t1 valid (support right), t2 malformed (rules kept). Links: 1 of 2 name an earlier item sent.
    dev = next(line for line in out.splitlines() if line.strip().startswith("dev"))
    assert dev.split()[1:] == ["2", "0.50", "(1/2)", "0.50", "(1/2)", "0.60", "(3/5)", "0.80", "(4/5)"]


def test_it_says_how_much_of_the_set_a_budget_sends(written_set: None, capsys: pytest.CaptureFixture[str]) -> None:
    llm_draft.fit(50)  # an item costs its text's tokens (characters / 4, rounded up) and 12 for its keys
    dev = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("dev"))
    assert dev.split() == ["dev", "2", "1", "0.20", "(1/5)"]  # t1: 24 + 24 fit, 22 more does not; t2: 23 + 25
