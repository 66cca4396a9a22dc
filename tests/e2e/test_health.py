"""``python -m bot health`` against a running bot process: healthy while it serves; unhealthy once its gateway is
down, or once its database stops taking its heartbeat, or when the database does not answer the check itself."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.db import Database
from sim import DiscordSim
from tests.e2e.conftest import World
from tests.e2e.test_process import _environment, closed_port

HEARTBEAT = "0.5"  # seconds: stale after three missed beats
PATIENCE = 60.0


async def health(env: dict[str, str], cwd: Path) -> tuple[int | None, str]:
    """Run the health command: its exit status and its one line (stdout when healthy, stderr otherwise)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "health",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), PATIENCE)
    output = (stdout + stderr).decode().strip()
    assert "\n" not in output, output
    return process.returncode, output


async def health_becomes(status: int, env: dict[str, str], cwd: Path) -> str:
    """Run the health command until it exits with ``status``; its line then."""
    async with asyncio.timeout(PATIENCE):
        while True:
            returned, line = await health(env, cwd)
            if returned == status:
                return line


@contextlib.asynccontextmanager
async def bot_process(env: dict[str, str], cwd: Path, sim: DiscordSim) -> AsyncIterator[None]:
    """The bot as an operator runs it, until the block ends (then SIGTERM)."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=cwd, env=env)
    try:
        await sim.wait_until_ready(timeout=PATIENCE)
        yield
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


def _bot_environment(tmp_path: Path, sim: DiscordSim, db: Database) -> dict[str, str]:
    return _environment(
        tmp_path,
        DISCORD_TOKEN=sim.token,
        DATABASE_URL=db.url.render_as_string(hide_password=False),
        DISCORD_API_BASE=sim.api_base,
        DISCORD_GATEWAY_URL=sim.gateway_url,
        HEARTBEAT_SECONDS=HEARTBEAT,
        LOG_LEVEL="ERROR",
    )


async def test_healthy_while_serving_then_unhealthy_once_the_gateway_is_down(
    tmp_path: Path, sim: DiscordSim, world: World, db: Database
) -> None:
    env = _bot_environment(tmp_path, sim, db)
    assert (await health(env, tmp_path))[1].startswith("unhealthy: shard 0: no heartbeat yet")
    async with bot_process(env, tmp_path, sim):
        line = await health_becomes(0, env, tmp_path)
        assert line.startswith("healthy: shard 0: gateway connected, database answering (heartbeat ")

        await sim.stop()  # Discord's gateway goes away; the bot keeps trying to reconnect
        line = await health_becomes(1, env, tmp_path)
        assert line.startswith("unhealthy: shard 0: the gateway is disconnected")


@contextlib.contextmanager
def _sqlite_write_lock(url: str) -> Iterator[None]:
    connection = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")  # readers go on (WAL); writers wait, then give up
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


@contextlib.asynccontextmanager
async def heartbeat_table_locked(db: Database) -> AsyncIterator[None]:
    """The database stops taking writes to the heartbeat; reads still answer."""
    url = db.url.render_as_string(hide_password=False)
    if db.is_sqlite:
        with _sqlite_write_lock(url):
            yield
        return
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    try:
        async with connection.transaction():
            await connection.execute("LOCK TABLE heartbeat IN EXCLUSIVE MODE")
            yield
    finally:
        await connection.close()


async def test_unhealthy_while_the_database_takes_no_heartbeat_and_healthy_again_after(
    tmp_path: Path, sim: DiscordSim, world: World, db: Database
) -> None:
    env = _bot_environment(tmp_path, sim, db)
    async with bot_process(env, tmp_path, sim):
        await health_becomes(0, env, tmp_path)
        async with heartbeat_table_locked(db):
            line = await health_becomes(1, env, tmp_path)
            assert line.startswith("unhealthy: shard 0: no heartbeat for ")
            assert line.endswith("(the bot is stopped, stuck, or cannot write to its database)")
        await health_becomes(0, env, tmp_path)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_unhealthy_when_the_database_does_not_answer(tmp_path: Path, backend: str) -> None:
    port = closed_port()
    url = {"sqlite": f"sqlite:///{tmp_path / 'nowhere.db'}", "postgresql": f"postgresql://bot@127.0.0.1:{port}/db"}
    status, line = await health(_environment(tmp_path, DATABASE_URL=url[backend]), tmp_path)
    expected = {
        "sqlite": f"unhealthy: no database at {tmp_path / 'nowhere.db'}",
        "postgresql": f"unhealthy: the database does not answer: cannot reach PostgreSQL at 127.0.0.1:{port} "
        "(Connection refused): start it, or fix the host and port in DATABASE_URL",
    }
    assert (status, line) == (1, expected[backend])
    assert not (tmp_path / "nowhere.db").exists()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_check_loads_neither_discord_nor_sqlalchemy_nor_pydantic(tmp_path: Path, backend: str) -> None:
    """A container runs the check every 30 s: it loads the bare driver, not the bot (benchmarks/health.py times it)."""
    (tmp_path / "debates.db").touch()
    url = {"sqlite": "sqlite:///debates.db", "postgresql": f"postgresql://bot@127.0.0.1:{closed_port()}/db"}
    script = "import sys; from bot.__main__ import main; main(); print(' '.join(sys.modules), file=sys.stderr)"
    result = subprocess.run(
        [sys.executable, "-c", script, "health"],
        cwd=tmp_path,
        env=_environment(tmp_path, DATABASE_URL=url[backend], PYTHONPATH=str(Path(__file__).parents[2])),
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
    line, modules = result.stderr.splitlines()
    assert line.startswith("unhealthy: ")  # the check ran: no table, or no server
    loaded = {name.split(".")[0] for name in modules.split()}
    assert {"bot", {"sqlite": "sqlite3", "postgresql": "asyncpg"}[backend]} <= loaded
    assert not {"discord", "sqlalchemy", "pydantic", "pydantic_settings", "aiohttp"} & loaded
