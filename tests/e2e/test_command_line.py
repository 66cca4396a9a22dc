"""Every operator command (``python -m bot …``) answers bad input and faults in one line on standard error with an
exit status from the README's table (Troubleshooting), never a traceback."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from benchmarks.common import reset_postgres
from bot.cli.main import main
from bot.core.debates import lifecycle as debates
from bot.db import Database
from schema import Claim
from tests.conftest import TEST_DATABASE_URL
from tests.e2e.test_process import _environment, bot_command, closed_port

TRANSCRIPT = "id,interview,comment\n1,Dr. Ng,Carbon taxes cut emissions faster than subsidies do.\n"
EXPORT, IMPORT = ["export", "--debate", "1"], ["import", "--debate", "1", "--yes", "transcript.csv"]
PRIVACY_EXPORT, FORGET = ["privacy", "export", "--user", "5"], ["privacy", "forget", "--user", "5"]
ID_OPTIONS = [
    pytest.param(
        argv,
        option,
        id=f"{argv[0]} {option}" if argv[0] not in ("commands", "privacy") else f"{argv[0]} {argv[1]} {option}",
    )
    for argv, options in [
        (EXPORT, ["--debate", "--guild"]),
        (IMPORT, ["--debate", "--guild", "--by"]),
        (["commands", "sync"], ["--guild"]),
        (["commands", "clear"], ["--guild"]),
        (PRIVACY_EXPORT, ["--user", "--guild"]),
        (FORGET, ["--user", "--guild"]),
    ]
    for option in options
]
"""Each operator command with every option that takes an id or a debate's number."""
NOT_IDS = ["0", "-1", "1.5", "abc", "", "١٢", str(2**63), str(2**64), "9" * 5000]
"""No Discord id: zero, negative, fractional, not a number, non-ASCII digits, beyond the 63 bits of a snowflake
(Discord's ids, as the database keeps them), thousands of digits."""
NOT_NUMBERS = [*NOT_IDS, str(2**31)]
"""No debate's number: no id, nor beyond the 32-bit column a debate's number lives in."""
MUST_ACT, MAY_PASS = 2, 1
"""The README's exit statuses: the operator must act; waiting may help."""


def _with(argv: list[str], option: str, value: str) -> list[str]:
    """``argv`` with ``option`` set to ``value`` (``--opt=value``, so that "-1" stays a value)."""
    kept = [arg for index, arg in enumerate(argv) if arg != option and (index == 0 or argv[index - 1] != option)]
    return [*kept, f"{option}={value}"]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``python -m bot *argv`` in this process: its exit status, standard output and standard error."""
    try:
        status = main(argv)
    except SystemExit as exit:
        status = exit.code if isinstance(exit.code, int) else MUST_ACT
    captured = capsys.readouterr()
    return status, captured.out, captured.err


async def _database_with_a_debate(url: str) -> int:
    """Prepare the database at ``url`` (migrated, holding Debate #1); the number of claims it holds."""
    if TEST_DATABASE_URL:
        await reset_postgres(url)
    db = Database(url)
    try:
        await db.upgrade()
        async with db.write() as session:
            plan = debates.plan_debate("A topic")
            await session.run_sync(debates.start_debate, debates.Actor(1, 2), plan, channel_id=3, thread_id=4)
        return await _claims(db)
    finally:
        await db.dispose()


async def _claims(db: Database) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.count()).select_from(Claim))).scalar_one())


async def _claims_at(url: str) -> int:
    db = Database(url)
    try:
        return await _claims(db)
    finally:
        await db.dispose()


@pytest.mark.parametrize(("argv", "option"), ID_OPTIONS)
def test_every_id_option_refuses_what_is_no_id_in_one_line_and_does_nothing(
    argv: list[str],
    option: str,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    claims = asyncio.run(_database_with_a_debate(database_url))
    (tmp_path / "transcript.csv").write_text(TRANSCRIPT)
    monkeypatch.chdir(tmp_path)
    port = closed_port()  # were a command to go as far as Discord, it would find nothing there
    for name, value in {
        "DATABASE_URL": database_url,
        "DISCORD_TOKEN": "a-token",
        "DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10",
        "LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SYNC_GUILD_ID", raising=False)
    wrong = []
    for value in NOT_NUMBERS if option == "--debate" else NOT_IDS:
        status, out, err = _run(_with(argv, option, value), capsys)
        lines = err.splitlines()
        if not (
            status == MUST_ACT and out == "" and len(lines) == 1 and lines[0].startswith(f"error: argument {option}: ")
        ):
            wrong.append((value[:20], status, out[:200], err[-300:]))
    assert wrong == []
    assert asyncio.run(_claims_at(database_url)) == claims


def test_the_largest_number_and_id_there_can_be_are_looked_for(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_database_with_a_debate(database_url))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    status, out, err = _run(["export", "--debate", str(2**31 - 1), "--guild", str(2**63 - 1)], capsys)
    assert (status, out, err) == (1, "", "error: There is no debate #2147483647 in guild 9223372036854775807.\n")


@pytest.mark.parametrize(
    ("argv", "logged"),
    [
        (["db", "upgrade"], "LOG_LEVEL=DEBUG shows the traceback"),
        (["run"], "its traceback is logged above"),
    ],
    ids=["operator command", "the running bot"],
)
def test_a_fault_of_the_bots_own_is_one_line_and_the_running_bot_logs_its_traceback(
    argv: list[str],
    logged: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    def fault(*_: object) -> int:
        raise RuntimeError("a fault of the bot's own\nwith more lines")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "a-token-for-the-test")
    monkeypatch.setattr("bot.cli.main.setup_logging", lambda *_, **__: None)  # this process's logging stays the tests'
    monkeypatch.setattr("bot.cli.main._upgrade", fault)
    monkeypatch.setattr("bot.cli.main.run_bot", fault)
    status, out, err = _run(argv, capsys)
    assert (status, out) == (MAY_PASS, "")
    assert err == f"error: unexpected RuntimeError: a fault of the bot's own ({logged})\n"
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    if argv == ["run"]:  # a service that stops after days leaves why in its log
        assert [type(record.exc_info[1]) for record in errors if record.exc_info] == [RuntimeError]
    else:
        assert errors == []


OPERATOR_COMMANDS = [
    ["run"],
    ["db", "upgrade"],
    ["health"],
    ["commands", "sync"],
    ["commands", "clear"],
    EXPORT,
    IMPORT,
    PRIVACY_EXPORT,
    FORGET,
]


async def _command(tmp_path: Path, argv: list[str], **settings: str) -> tuple[int | None, list[str]]:
    """Run ``python -m bot *argv`` in ``tmp_path`` with ``settings`` (a token; Discord nowhere): its exit status and
    standard error's lines."""
    port = closed_port()
    nowhere = {"DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10", "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}"}
    env = _environment(tmp_path, DISCORD_TOKEN="a-token", **nowhere, **settings)
    status, _, stderr = await bot_command(tmp_path, argv, env)
    return status, stderr.splitlines()


@pytest.mark.parametrize("argv", OPERATOR_COMMANDS, ids=" ".join)
async def test_every_command_says_in_one_line_that_postgresql_is_out_of_reach(tmp_path: Path, argv: list[str]) -> None:
    (tmp_path / "transcript.csv").write_text(TRANSCRIPT)
    port = closed_port()
    status, lines = await _command(tmp_path, argv, DATABASE_URL=f"postgresql://bot@127.0.0.1:{port}/debates")
    said = f"cannot reach PostgreSQL at 127.0.0.1:{port} (Connection refused): start it, or fix the host and port"
    expected = f"unhealthy: the database does not answer: {said}" if argv == ["health"] else f"error: {said}"
    assert status == MAY_PASS and len(lines) == 1 and lines[0].startswith(expected), lines


@pytest.mark.parametrize("argv", OPERATOR_COMMANDS, ids=" ".join)
async def test_every_command_says_in_one_line_that_the_sqlite_file_is_no_database(
    tmp_path: Path, argv: list[str]
) -> None:
    (tmp_path / "transcript.csv").write_text(TRANSCRIPT)
    (tmp_path / "debates.db").write_text("not a database, but a note someone left here\n" * 100)
    status, lines = await _command(tmp_path, argv, DATABASE_URL="sqlite:///debates.db")
    said = f"cannot use the SQLite database {tmp_path / 'debates.db'}: file is not a database"
    expected = f"unhealthy: the database does not answer: {said}" if argv == ["health"] else f"error: {said}"
    assert len(lines) == 1 and lines[0].startswith(expected), lines
    assert status == (MAY_PASS if argv == ["health"] else MUST_ACT), lines
