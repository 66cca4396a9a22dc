"""Command sync hygiene through the local server: ``SYNC_GUILD_ID`` switched on and off leaves each command listed
once, and ``python -m bot commands sync|clear`` lets an operator do the same by hand."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

from bot.db import Database
from bot.local import LocalBot
from sim import DiscordSim
from tests.e2e.conftest import World, start_debate
from tests.e2e.test_process import _environment

PATIENCE = 60.0


def listed_in(world: World) -> Counter[str]:
    """How many times each slash command is listed in the debating server: its own copies and the global ones."""
    return Counter(c["name"] for c in world.sim.commands(world.guild) + world.sim.commands() if c["type"] == 1)


async def test_switching_sync_guild_id_clears_the_scope_no_longer_used(world: World, running: LocalBot) -> None:
    sim = world.sim
    names = set(listed_in(world))
    assert {"debate", "crux", "digest"} <= names and sim.commands(world.guild) == []

    running.sync_guild_id = world.guild.id
    await running.restart()
    assert {c["name"] for c in sim.commands(world.guild) if c["type"] == 1} == names
    assert sim.commands() == [] and set(listed_in(world).values()) == {1}
    assert "started" in (await sim.invoke(world.alice, world.channel, "debate start", topic="Guild-synced")).text
    puts = sim.command_puts
    await running.restart()
    assert sim.command_puts == puts  # unchanged: nothing sent, nothing cleared

    running.sync_guild_id = None
    await running.restart()
    assert sim.commands(world.guild) == [] and set(listed_in(world).values()) == {1} and set(listed_in(world)) == names
    thread = await start_debate(world)
    assert thread.name.startswith("Should the marginal")


async def manage(env: dict[str, str], cwd: Path, *args: str) -> tuple[int | None, str, str]:
    """Run ``python -m bot commands …``: its exit status, standard output and standard error."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "commands",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), PATIENCE)
    return process.returncode, stdout.decode().strip(), stderr.decode().strip()


def _operator(tmp_path: Path, sim: DiscordSim, db: Database, **settings: str) -> dict[str, str]:
    operator = {
        "DISCORD_TOKEN": sim.token,
        "DATABASE_URL": db.url.render_as_string(hide_password=False),
        "DISCORD_API_BASE": sim.api_base,
        "LOG_LEVEL": "ERROR",
    }
    return _environment(tmp_path, **(operator | settings))


async def test_operators_sync_and_clear_commands_by_hand(world: World, db: Database, tmp_path: Path) -> None:
    sim, guild = world.sim, world.guild
    env = _operator(tmp_path, sim, db)
    assert await manage(env, tmp_path, "sync", "--guild", str(guild.id)) == (0, f"synced 15 commands ({guild.id})", "")
    assert len(sim.commands(guild)) == 15 and sim.commands() == []
    status, out, _ = await manage(env, tmp_path, "sync")
    assert (status, out) == (0, f"synced 15 commands (global); cleared {guild.id}, synced before")
    assert len(sim.commands()) == 15 and sim.commands(guild) == []

    assert await manage(env, tmp_path, "clear") == (0, "cleared the commands (global)", "")
    assert sim.commands() == [] and sim.commands(guild) == []
    async with LocalBot(sim, db):  # nothing is remembered as synced any more: the bot syncs at start
        assert len(sim.commands()) == 15

    in_guild = _operator(tmp_path, sim, db, SYNC_GUILD_ID=str(guild.id))
    assert await manage(in_guild, tmp_path, "clear", "--global") == (0, "cleared the commands (global)", "")
    assert await manage(in_guild, tmp_path, "sync") == (0, f"synced 15 commands ({guild.id})", "")
    assert sim.commands() == [] and len(sim.commands(guild)) == 15


async def test_the_commands_command_explains_what_stops_it(world: World, db: Database, tmp_path: Path) -> None:
    sim = world.sim
    status, out, err = await manage(_operator(tmp_path, sim, db, DISCORD_TOKEN="wrong"), tmp_path, "sync")
    assert status == 2 and out == "" and err.startswith("error: Discord refused DISCORD_TOKEN"), err
    status, out, err = await manage(_operator(tmp_path, sim, db), tmp_path, "sync", "--guild", "42")
    assert (status, out) == (1, "") and err == "error: Discord refused (42): 403 Missing Access", err
    status, _, err = await manage(_operator(tmp_path, sim, db), tmp_path, "sync", "--guild", "1", "--global")
    assert status == 2 and "not allowed with argument" in err


async def test_server_id_zero_is_refused_and_clears_nothing(world: World, db: Database, tmp_path: Path) -> None:
    sim, env = world.sim, _operator(tmp_path, world.sim, db)
    assert await manage(env, tmp_path, "sync", "--global") == (0, "synced 15 commands (global)", "")
    status, out, err = await manage(env, tmp_path, "clear", "--guild", "0")
    assert (status, out) == (2, "") and err.startswith("error: argument --guild: “0” is not a Discord server id"), err
    status, out, err = await manage(_operator(tmp_path, sim, db, SYNC_GUILD_ID="0"), tmp_path, "clear")
    assert (status, out) == (2, "") and err.startswith("error: invalid setting — SYNC_GUILD_ID: "), err
    assert len(sim.commands()) == 15 and sim.commands(world.guild) == []


async def test_a_database_reused_with_another_application_syncs_to_that_application(world: World, db: Database) -> None:
    async with LocalBot(world.sim, db):
        assert len(world.sim.commands()) == 15
    async with DiscordSim() as other:
        assert other.application_id != world.sim.application_id
        async with LocalBot(other, db):
            assert len(other.commands()) == 15
