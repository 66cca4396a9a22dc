"""A do-nothing bot: the floor the real bot is compared with in ``benchmarks.throughput``.

A minimal discord.py 2.7.1 client with one slash command, ``/claim text [side]`` (the real bot's signature, side
autocomplete included), that answers "ok" and touches no database. It runs as its own process, configured by the
same environment variables as ``python -m bot`` (``DISCORD_TOKEN``, ``DISCORD_API_BASE``, ``DISCORD_GATEWAY_URL``,
``LOG_LEVEL``, ``EVENT_LOOP``; unlike the bot, it serves on asyncio's own loop unless ``EVENT_LOOP`` is set), and
stops on SIGTERM or SIGINT::

    python -m benchmarks.null_bot
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import discord
from discord import app_commands

from bot.config import SettingsError, load_settings
from bot.runtime import event_loop
from bot.runtime.endpoints import use_endpoints
from bot.runtime.heap import tune_collector


@app_commands.command(name="claim", description="Log a claim in this debate")
@app_commands.describe(text="The claim", side="The side it argues for (default: the side you joined)")
async def claim(interaction: discord.Interaction, text: str, side: str | None = None) -> None:
    """Answer "ok" publicly, as the real bot answers a claim publicly."""
    await interaction.response.send_message("ok")


@claim.autocomplete("side")
async def side_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """No suggestions (present only so the command's definition matches the real one)."""
    return []


class NullBot(discord.Client):
    """Guilds intent only, mentions disabled, commands synced on start: like the real bot, minus everything else."""

    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none())
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(claim)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_ready(self) -> None:
        tune_collector()  # as the real bot does


async def serve(token: str) -> None:
    """Run until closed by SIGTERM/SIGINT."""
    async with NullBot() as client:
        loop = asyncio.get_running_loop()
        closing: set[asyncio.Task[None]] = set()

        def close() -> None:
            task = loop.create_task(client.close())
            closing.add(task)
            task.add_done_callback(closing.discard)

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, close)
        await client.start(token)


def main() -> int:
    """Entry point; the exit status."""
    try:
        settings = load_settings()
        token = settings.require_token()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    use_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    event_loop.run(serve(token), settings.event_loop if "event_loop" in settings.model_fields_set else "asyncio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
