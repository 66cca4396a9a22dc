"""Issue 4 through Discord: the summary's pointer to the export, exports, the map, the agenda summary, and the
export CLI."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

from bot.client import DebateBot
from bot.core.exports.argmap import png_size
from bot.core.exports.record import DebateExport
from bot.db import Database
from sim import InteractionResult, SimChannel
from tests.e2e.conftest import World, start_debate, summarize
from tests.programs import needs_dot

CHECKOUT = Path(__file__).parents[2]
"""The code a ``python -m bot`` run by a test imports."""
LONG_QUESTION = "Will interpretability tools detect deception in frontier models by 2030? " + "Details. " * 60


async def _debate(world: World, **options: object) -> SimChannel:
    thread = await start_debate(world, **options)
    await world.sim.invoke(world.alice, thread, "debate join", side="for")
    await world.sim.invoke(world.bob, thread, "debate join", side="against")
    await world.sim.invoke(world.alice, thread, "claim", text="Interp tools will generalise")
    await world.sim.invoke(world.bob, thread, "crux add", question=LONG_QUESTION)
    crux = (await world.sim.autocomplete(world.bob, thread, "crux credence", "crux"))[0]["value"]
    await world.sim.invoke(world.alice, thread, "crux credence", crux=crux, value=80)
    await world.sim.invoke(world.bob, thread, "crux credence", crux=crux, value=20)
    return thread


def _file(result: InteractionResult) -> tuple[str, bytes]:
    message = result.message
    assert message is not None and len(message.attachments) == 1, result.text
    return message.attachments[0].filename, message.attachments[0].data


async def test_summary_shortens_long_text_and_points_to_the_export_that_has_it_whole(
    world: World, bot: DebateBot
) -> None:
    thread = await _debate(world)
    summary = await world.sim.invoke(world.carol, thread, "debate summary")
    assert summary.message is not None and summary.message.attachments == []
    assert "…" in summary.text and " ".join(LONG_QUESTION.split()) not in summary.text
    assert summary.text.endswith("The whole record, every text in full: `/debate export format:markdown`.")
    name, data = _file(await world.sim.invoke(world.carol, thread, "debate export", format="markdown"))
    assert name == "debate-1.md" and " ".join(LONG_QUESTION.split()) in " ".join(data.decode().split())


async def test_export_in_each_format(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    as_json = await world.sim.invoke(world.carol, thread, "debate export", format="json")
    name, data = _file(as_json)
    record = DebateExport.model_validate_json(data)
    assert name == "debate-1.json" and record.schema_version == 5
    assert [c.text for c in record.claims] == ["Interp tools will generalise"]
    assert [c.value for c in record.cruxes[0].credences] == [80, 20]
    name, data = _file(await world.sim.invoke(world.carol, thread, "debate export", format="markdown"))
    assert name == "debate-1.md" and "Interp tools will generalise" in data.decode()
    name, data = _file(await world.sim.invoke(world.carol, thread, "debate export", format="argdown"))
    assert name == "debate-1.argdown" and "[C1]" in data.decode()


@needs_dot
async def test_map_is_a_png_picture_and_an_svg(world: World, bot: DebateBot) -> None:
    thread = await _debate(world)
    result = await world.sim.invoke(world.carol, thread, "debate map")
    assert result.message is not None, result.text
    (picture, svg) = result.message.attachments
    width, height = png_size(picture.data)
    assert picture.filename == "debate-1.png" and width > 200 and height > 100
    assert svg.filename == "debate-1.svg" and b"<svg" in svg.data and b"Interp tools will generalise" in svg.data
    assert "The whole map is the SVG" in result.text
    assert world.sim.errors == []


async def test_agenda_summary_groups_unresolved_cruxes_by_debate(world: World, bot: DebateBot) -> None:
    first = await _debate(world, topic="First debate", agenda="AI safety")
    second = await start_debate(world, topic="Second debate", agenda="AI safety")
    await world.sim.invoke(world.alice, second, "crux add", question="Only question of the second?")
    await start_debate(world, topic="Elsewhere", agenda="Biosecurity")
    elsewhere = world.sim.add_text_channel(world.other_guild, "debates")
    await world.sim.invoke(world.eve, elsewhere, "debate start", topic="Other server", agenda="AI safety")

    offered = await world.sim.autocomplete(world.carol, world.channel, "agenda summary", "agenda", value="safety")
    assert [choice["name"] for choice in offered] == ["AI safety"]
    result = await world.sim.invoke(world.carol, world.channel, "agenda summary", agenda=offered[0]["value"])
    text = result.text
    assert "Agenda: AI safety" in text and "2 unresolved cruxes in 2 debates (of 2)" in text
    assert text.index("Debate #1: First debate") < text.index("Will interpretability") < text.index("Debate #2")
    assert "Only question of the second?" in text and "Elsewhere" not in text and "Other server" not in text
    assert "Every text in full: `/debate export format:markdown` in the debate's thread." in text
    assert result.message is not None and result.message.attachments == []
    assert first.id in {t.id for t in world.sim.threads(world.channel)}


async def test_the_outcome_given_at_the_end_is_in_every_export(
    world: World, bot: DebateBot, db: Database, tmp_path: Path
) -> None:
    thread = await _debate(world)
    await world.sim.invoke(world.alice, thread, "debate end", outcome="Agree to test on *GPT-2* first")

    _, data = _file(await world.sim.invoke(world.carol, thread, "debate export", format="json"))
    assert json.loads(data)["debate"]["outcome"] == "Agree to test on *GPT-2* first"
    _, data = _file(await world.sim.invoke(world.carol, thread, "debate export", format="markdown"))
    assert "## Outcome\n\nAgree to test on \\*GPT-2\\* first\n" in data.decode()
    _, data = _file(await world.sim.invoke(world.carol, thread, "debate export", format="argdown"))
    assert "[Outcome]: Agree to test on \\*GPT-2\\* first #outcome" in data.decode().splitlines()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "export", "--debate", "1", "--format", "markdown",
        env={"DATABASE_URL": db.url.render_as_string(hide_password=False), "PYTHONPATH": str(CHECKOUT)},
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert "## Outcome\n\nAgree to test on \\*GPT-2\\* first\n" in stdout.decode()


async def test_export_cli_writes_the_record_from_the_database(
    world: World, bot: DebateBot, db: Database, tmp_path: Path
) -> None:
    await _debate(world)
    url = db.url.render_as_string(hide_password=False)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "export", "--debate", "1", "--format", "json",
        env={"DATABASE_URL": url, "PATH": ""}, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert json.loads(stdout)["debate"]["number"] == 1
    if shutil.which("dot"):
        pictures = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "export", "--debate", "1", "--format", "png", "--output", "map.png",
            env={"DATABASE_URL": url, "PATH": os.environ["PATH"]}, cwd=tmp_path, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, stderr = await pictures.communicate()
        assert pictures.returncode == 0 and stderr.decode() == f"wrote {Path('map.png')}\n", stderr.decode()
        assert png_size((tmp_path / "map.png").read_bytes())[0] > 200
    missing = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "export", "--debate", "7", env={"DATABASE_URL": url}, cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await missing.communicate()
    assert missing.returncode == 1 and "There is no debate #7" in stderr.decode()


async def test_the_next_summary_says_what_changed_since_the_last(world: World, bot: DebateBot, db: Database) -> None:
    thread = await _debate(world)
    first = await summarize(world, db, world.carol, thread)
    assert "since the last summary" not in first.text
    quiet = await summarize(world, db, world.carol, thread)
    assert "Nothing new since the last summary." in quiet.text
    await world.sim.invoke(world.alice, thread, "claim", text="A second claim")
    crux = (await world.sim.autocomplete(world.bob, thread, "crux credence", "crux"))[0]["value"]
    await world.sim.invoke(world.bob, thread, "crux credence", crux=crux, value=35, reason="moved")
    await world.sim.invoke(world.alice, thread, "crux add", question="A new question?")
    busy = await world.sim.invoke(world.carol, thread, "debate summary")
    assert "Since the last summary: 1 claim, 1 new crux, 1 credence." in busy.text
