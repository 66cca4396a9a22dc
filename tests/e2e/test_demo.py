"""``python -m bot demo``: says what it shows, plays the debate to its end, writes the export and the map, and says
what to do next."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.demo import INTRODUCTION, NEXT_STEPS, play
from bot.core.exports.argmap import png_size
from sim import DiscordSim
from tests.programs import PROGRAMS, needs_dot, path_without


@pytest.mark.parametrize("graphviz", [pytest.param(True, marks=needs_dot), False], ids=["graphviz", "no-graphviz"])
async def test_the_demo_shows_the_debate_its_end_and_the_files_it_wrote(
    graphviz: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not graphviz:
        monkeypatch.setenv("PATH", path_without(PROGRAMS["dot"], tmp_path / "bin"))
    # what the demo prints is under test here, not how fast (a first calibration plot can take seconds to draw)
    monkeypatch.setattr(DiscordSim, "answer_timeout", 60.0)
    assert await play(tmp_path / "out") == 0
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert lines[0] == INTRODUCTION and printed.endswith(NEXT_STEPS + "\n")
    assert "ben: /debate summary" in printed and "Crux #2** · **double crux** · spread 40" in printed
    assert "ada: presses “Next ▶” under the summary\n  bot (only you can see this): **Resolved (1)**\n" in printed
    assert "(Crux 4 of 4)" in printed
    assert "ada: /debate end outcome:" in printed and "Debate #1 is closed by @ada." in printed

    export = tmp_path / "out" / "debate-1.md"
    assert f"  → wrote {export}" in lines
    assert "Will compute thresholds stay meaningful as algorithms improve?" in export.read_text(encoding="utf-8")
    picture = tmp_path / "out" / "debate-1.png"
    if graphviz:
        assert f"  → wrote {picture}" in lines and min(png_size(picture.read_bytes())) > 100
    else:  # said once, as the user saw it once
        assert printed.count("apt-get install graphviz") == 1 and not picture.exists()
