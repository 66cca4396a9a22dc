"""``python -m bot`` as an operator runs it: a separate process, configured by the environment."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.db import Database
from bot.sim import DiscordSim
from tests.e2e.conftest import World, start_debate

SHUTDOWN_LIMIT = 5.0


def _environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DISCORD_TOKEN", "DATABASE_URL")}
    env.update(settings)
    return env


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


async def test_the_bot_process_serves_and_stops_cleanly_on_sigterm(
    tmp_path: Path, sim: DiscordSim, world: World, db: Database
) -> None:
    env = _environment(
        tmp_path,
        DISCORD_TOKEN=sim.token,
        DATABASE_URL=db.url.render_as_string(hide_password=False),
        DISCORD_API_BASE=sim.api_base,
        DISCORD_GATEWAY_URL=sim.gateway_url,
        LOG_LEVEL="WARNING",
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
    assert sim.token not in stderr.decode()
