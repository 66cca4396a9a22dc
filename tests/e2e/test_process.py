"""``python -m bot`` as an operator runs it: a separate process, configured by the environment."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from bot.db import Database
from sim import DiscordSim
from tests.e2e.conftest import World, start_debate

SHUTDOWN_LIMIT = 5.0


def _environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DISCORD_TOKEN", "DATABASE_URL")}
    env.update(settings)
    return env


async def bot_command(tmp_path: Path, argv: list[str], env: dict[str, str]) -> tuple[int | None, str, str]:
    """``python -m bot *argv`` in ``tmp_path`` with ``env``, no input: its exit status, standard output and error."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *argv,
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_failure(tmp_path: Path, **settings: str) -> tuple[int | None, list[str]]:
    """Run the bot with ``settings`` (a token, warnings only) expecting it to stop: its exit status and stderr lines."""
    env = _environment(tmp_path, **{"DISCORD_TOKEN": "a-token", "LOG_LEVEL": "WARNING", **settings})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, stderr.decode().splitlines()


async def test_a_missing_database_folder_is_named_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    status, lines = await start_failure(tmp_path, DATABASE_URL=f"sqlite:///{missing / 'debates.db'}")
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"error: cannot use the SQLite database {missing / 'debates.db'}: ")
    assert f"the folder {missing} does not exist" in lines[0]


async def test_a_read_only_database_is_named_in_one_line(tmp_path: Path) -> None:
    # a migrated database opened read-only by SQLite, as a file without write permission is (root may write those)
    existing = Database(f"sqlite+aiosqlite:///{tmp_path / 'debates.db'}")
    await existing.upgrade()
    await existing.dispose()
    status, lines = await start_failure(tmp_path, DATABASE_URL="sqlite:///file:debates.db?mode=ro&uri=true")
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"error: cannot use the SQLite database {tmp_path / 'debates.db'}: ")
    assert "readonly database" in lines[0]


async def test_an_unreachable_postgresql_is_named_in_one_line(tmp_path: Path) -> None:
    port = closed_port()
    status, lines = await start_failure(tmp_path, DATABASE_URL=f"postgresql://bot@127.0.0.1:{port}/debates")
    assert status == 1 and len(lines) == 1, lines
    assert lines[0] == (
        f"error: cannot reach PostgreSQL at 127.0.0.1:{port} (Connection refused): "
        "start it, or fix the host and port in DATABASE_URL"
    )


async def test_an_unreachable_discord_is_named_in_one_line_with_no_voice_warnings(tmp_path: Path) -> None:
    port = closed_port()
    endpoints = {
        "DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10",
        "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}",
    }
    status, lines = await start_failure(tmp_path, **endpoints)
    assert status == 1 and len(lines) == 1, lines
    assert lines[0] == (
        f"error: cannot reach Discord at 127.0.0.1:{port} (Connection refused): "
        "check the network, DNS and firewall (or DISCORD_API_BASE)"
    )
    # at the default log level too: progress lines, but no traceback and no word of voice support
    status, lines = await start_failure(tmp_path, LOG_LEVEL="INFO", **endpoints)
    assert status == 1 and lines[-1].startswith("error: cannot reach Discord"), lines
    assert not [line for line in lines if "Traceback" in line or "voice" in line.lower()], lines


async def test_an_invalid_token_is_one_line(tmp_path: Path, sim: DiscordSim) -> None:
    endpoints = {"DISCORD_API_BASE": sim.api_base, "DISCORD_GATEWAY_URL": sim.gateway_url}
    status, lines = await start_failure(tmp_path, DISCORD_TOKEN="not-" + sim.token, **endpoints)
    assert status == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: Discord refused DISCORD_TOKEN: copy the bot token again")


async def test_without_a_token_it_says_what_to_do_in_one_line(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=_environment(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2 and stdout == b""
    assert len(lines) == 1 and "DISCORD_TOKEN is not set" in lines[0] and ".env" in lines[0]


async def test_an_invalid_database_url_is_one_line_too(tmp_path: Path) -> None:
    env = _environment(tmp_path, DISCORD_TOKEN="x", DATABASE_URL="mysql://nobody@localhost/db")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await process.communicate()
    assert process.returncode == 2 and stderr.decode().count("\n") == 1 and "DATABASE_URL" in stderr.decode()


async def test_the_bot_process_serves_logs_json_lines_without_the_token_and_stops_cleanly_on_sigterm(
    tmp_path: Path, sim: DiscordSim, world: World, db: Database
) -> None:
    env = _environment(
        tmp_path,
        DISCORD_TOKEN=sim.token,
        DATABASE_URL=db.url.render_as_string(hide_password=False),
        DISCORD_API_BASE=sim.api_base,
        DISCORD_GATEWAY_URL=sim.gateway_url,
        LOG_LEVEL="INFO",
        LOG_FORMAT="json",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        await sim.wait_until_ready(timeout=30)
        await world.sim.wait_for(lambda: bool(world.sim.commands()), timeout=10, what="the command sync")
        thread = await start_debate(world)
        assert thread.name.startswith("Should the marginal")
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), SHUTDOWN_LIMIT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    logged = [json.loads(line) for line in stderr.decode().splitlines()]  # JSON lines, every one
    assert {"discord.gateway", "bot"} <= {record["logger"] for record in logged}
    assert sim.token not in stderr.decode()


async def _export(cwd: Path, database_url: str | None, *args: str | Path) -> tuple[int, str, str]:
    """``python -m bot export`` run in ``cwd``: (exit status, standard output, standard error)."""
    env = _environment(cwd, **({"DATABASE_URL": database_url} if database_url else {}))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "export", "--debate", "1", *map(str, args),
        cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await process.communicate()
    return process.returncode or 0, stdout.decode(), stderr.decode()


def _contents(directory: Path) -> dict[str, bytes]:
    """Every file of ``directory`` (not its subdirectories) and what it holds."""
    return {path.name: path.read_bytes() for path in directory.iterdir() if not path.is_dir()}


async def _sqlite_with_a_debate(directory: Path) -> Path:
    """A migrated SQLite database in ``directory`` (WAL mode: it has -wal and -shm files) holding Debate #1."""
    from bot.core.debates import lifecycle as debates

    path = directory / "debates.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await db.upgrade()
        async with db.write() as session:
            plan = debates.plan_debate("A topic")
            await session.run_sync(debates.start_debate, debates.Actor(1, 2), plan, channel_id=3, thread_id=4)
    finally:
        await db.dispose()
    return path


async def test_export_never_writes_over_the_database_even_with_force(tmp_path: Path) -> None:
    database = await _sqlite_with_a_debate(tmp_path)
    (tmp_path / "debates.db-wal").touch(), (tmp_path / "debates.db-shm").touch()
    (tmp_path / "link.db").symlink_to(database)
    (tmp_path / "sub").mkdir()
    before = _contents(tmp_path)
    outputs = [("debates.db",), ("sub/../debates.db", "--force"), (tmp_path / "debates.db-wal", "--force")]
    for output, *force in [*outputs, ("link.db", "--force"), ("debates.db-shm", "--force")]:
        status, _, stderr = await _export(tmp_path, None, "--output", output, *force)
        assert status != 0 and stderr.count("\n") == 1 and "is the bot's database" in stderr, (output, stderr)
    assert _contents(tmp_path) == before


async def test_export_overwrites_an_existing_file_only_with_force(tmp_path: Path) -> None:
    await _sqlite_with_a_debate(tmp_path)
    target = tmp_path / "record.md"
    target.write_text("keep me")
    status, _, stderr = await _export(tmp_path, None, "--output", "record.md")
    assert status != 0 and stderr.count("\n") == 1 and "exists: add --force" in stderr
    assert target.read_text() == "keep me"
    status, _, stderr = await _export(tmp_path, None, "--output", "record.md", "--force")
    assert status == 0 and target.read_text().startswith("# Debate #1: A topic"), stderr


async def test_export_to_a_directory_or_a_missing_one_is_a_one_line_error(tmp_path: Path) -> None:
    await _sqlite_with_a_debate(tmp_path)
    for output, error in ((".", "is a directory"), ("missing/record.md", "the directory missing does not exist")):
        status, stdout, stderr = await _export(tmp_path, None, "--output", output)
        assert status != 0 and stdout == "" and stderr.count("\n") == 1 and error in stderr, stderr
    assert not (tmp_path / "missing").exists()


async def test_export_where_there_is_no_database_says_so_and_creates_nothing(tmp_path: Path) -> None:
    status, stdout, stderr = await _export(tmp_path, None)
    assert status != 0 and stdout == "" and stderr.count("\n") == 1, stderr
    assert f"there is no database at {tmp_path / 'debates.db'}" in stderr and _contents(tmp_path) == {}


def test_the_database_the_bot_creates_is_readable_by_its_user_only(tmp_path: Path) -> None:
    """In the container and by hand alike (the systemd unit's UMask=0077 says the same): debates are private."""
    previous = os.umask(0o022)  # a shell's usual umask, inherited by the process started below
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "db", "upgrade"],
            cwd=tmp_path,
            env=_environment(tmp_path, DATABASE_URL="sqlite:///debates.db"),
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        os.umask(previous)
    assert result.returncode == 0, result.stderr
    created = sorted(tmp_path.glob("debates.db*"))
    assert created and {path.name: oct(path.stat().st_mode & 0o777) for path in created} == {
        path.name: "0o600" for path in created
    }
