"""A record's id and its number in its debate have distinct types (``schema.types``), so that mypy refuses one where
the other is taken: the confusion that withdrew another user's claim (issue 25) cannot be written again."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api", reason="mypy is not installed (it comes with the dev extra)")

ROOT = Path(__file__).resolve().parent.parent
HEADER = """\
from sqlalchemy.orm import Session

from bot.core.claims import arguments as claims
from bot.core.claims import similar
from bot.core.cruxes import lifecycle as cruxes
from bot.core.debates.lifecycle import Actor, by_id, numbered
from bot.core.records import ClaimSnapshot, CruxSnapshot, SideSnapshot
from cogs.common import Interaction, actor, write_debate
from schema import Claim, ClaimNumber, Crux, Debate, Side


async def uses(
    session: Session,
    debate: Debate,
    who: Actor,
    claim: ClaimSnapshot,
    crux: CruxSnapshot,
    side: SideSnapshot,
    hint: similar.HintTarget,
    interaction: Interaction,
) -> None:
"""
CONFUSED = """\
claims.withdraw_claim(session, debate, who, claim.id)
claims.withdraw_claim(session, debate, who, hint.new_id)
claims.withdraw_claim(session, debate, who, 5)
claims.withdraw_claim_by_id(session, debate, who, claim.number)
claims.edit_claim(session, debate, who, crux.number, "text")
cruxes.reopen_crux(session, debate, who, crux.id)
cruxes.reopen_crux(session, debate, who, claim.number)
cruxes.resolvable_crux_by_id(session, debate, who, crux.number)
cruxes.resolvable_crux_by_id(session, debate, who, claim.id)
numbered(session, debate, Claim, claim.id)
by_id(session, debate, Crux, crux.number)
by_id(session, debate, Side, claim.id)
await write_debate(interaction, claims.withdraw_claim, actor(interaction), claim.id)
"""
CORRECT = """\
claims.withdraw_claim(session, debate, who, claim.number)
claims.withdraw_claim(session, debate, who, ClaimNumber(5))
claims.withdraw_claim_by_id(session, debate, who, claim.id)
claims.edit_claim(session, debate, who, claim.number, "text")
cruxes.reopen_crux(session, debate, who, crux.number)
cruxes.resolvable_crux_by_id(session, debate, who, crux.id)
numbered(session, debate, Claim, claim.number)
by_id(session, debate, Crux, crux.id)
by_id(session, debate, Side, side.id)
await write_debate(interaction, claims.withdraw_claim, actor(interaction), claim.number)
"""


def _module(body: str) -> str:
    return HEADER + textwrap.indent(body, "    ")


def _errors(path: Path, output: str) -> dict[int, str]:
    """The lines of ``path`` mypy reported an error on, with the error."""
    found = {}
    for line in output.splitlines():
        file, _, rest = line.partition(":")
        if Path(file).name == path.name and ": error:" in rest:
            number, _, error = rest.partition(":")
            found[int(number)] = error.strip()
    return found


def test_mypy_refuses_an_id_where_a_number_is_taken_and_a_number_where_an_id_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    confused, correct = tmp_path / "confused.py", tmp_path / "correct.py"
    confused.write_text(_module(CONFUSED))
    correct.write_text(_module(CORRECT))
    monkeypatch.chdir(ROOT)  # the project's .mypy_cache, warm from the lint run, keeps this quick
    monkeypatch.setenv("MYPYPATH", str(ROOT))
    out, err, _ = api.run(["--config-file", str(ROOT / "pyproject.toml"), str(confused), str(correct)])
    assert not err, err
    first = HEADER.count("\n") + 1
    wrong = _errors(confused, out)
    assert sorted(wrong) == list(range(first, first + CONFUSED.count("\n"))), out
    assert all("[arg-type]" in error or "[call-overload]" in error for error in wrong.values()), out
    assert _errors(correct, out) == {}, out
