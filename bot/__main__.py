"""Command line: ``python -m bot`` runs the bot; ``db upgrade`` migrates; ``demo`` plays a debate locally."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

import discord

from bot.client import DebateBot
from bot.config import Settings, SettingsError, load_settings
from bot.db import Database
from bot.endpoints import use_endpoints

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="The crux-finding debate bot for Discord.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the default)")
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="upgrade: migrate the database to the latest schema")
    commands.add_parser("demo", help="play a sample debate against a local Discord-compatible server")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bot`` and the ``debate-bot`` script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        if args.command == "db":
            asyncio.run(_upgrade(settings))
            return 0
        if args.command == "demo":
            from bot.demo import play

            logging.getLogger().setLevel(logging.ERROR)  # the conversation is the output
            return asyncio.run(play())
        return asyncio.run(run_bot(settings, settings.require_token()))
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _upgrade(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()
    print("database is at the latest schema")


async def run_bot(settings: Settings, token: str) -> int:
    """Migrate the database, connect, and serve until closed or sent SIGTERM/SIGINT."""
    use_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    db = Database(settings.database_url)
    try:
        await db.upgrade()
        async with DebateBot(settings, db) as bot:
            _close_on_signals(bot)
            try:
                await bot.start(token)
            except discord.LoginFailure:
                print(
                    "error: Discord refused DISCORD_TOKEN: copy the bot token again (see the README).", file=sys.stderr
                )
                return 2
    finally:
        await db.dispose()
    return 0


def _close_on_signals(bot: DebateBot) -> None:
    """discord.py does not close on SIGTERM: close the gateway (and so end ``bot.start``) on SIGTERM and SIGINT."""
    loop = asyncio.get_running_loop()
    closing: set[asyncio.Task[None]] = set()

    def close(sig: signal.Signals) -> None:
        log.info("%s received: closing.", sig.name)
        task = loop.create_task(bot.close())
        closing.add(task)
        task.add_done_callback(closing.discard)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, close, sig)


if __name__ == "__main__":
    sys.exit(main())
