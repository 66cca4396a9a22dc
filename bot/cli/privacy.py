"""``python -m bot privacy``: an operator's export and erasure of a person's data, for requests that come by email,
for deleted Discord accounts (no member left to ask; Red-DiscordBot's ``discord_deleted_user``), and for a person
named in an imported transcript (a speaker is a name, not a Discord user)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from bot.config import Settings
from bot.core import text as t
from bot.core.errors import InvalidInput
from bot.core.importing.drafts import SPEAKER_MAX
from bot.core.privacy.erasure import forget_member, forget_speaker
from bot.core.privacy.export import export_json
from bot.db import Database
from bot.runtime.privacy import erase, export
from bot.startup import database_problem, explained

T = TypeVar("T")


def add_parser(
    commands: argparse._SubParsersAction[Any],
    user_id: Callable[[str], int],
    server_id: Callable[[str], int],
) -> None:
    """The ``privacy`` command and its ``export`` and ``forget`` actions."""
    privacy = commands.add_parser(
        "privacy", help="export or erase a person's data (a member, or a transcript's speaker)"
    )
    actions = privacy.add_subparsers(dest="action", required=True)
    exporting = actions.add_parser("export", help="write everything the bot holds about a Discord user, as JSON")
    exporting.add_argument("--user", type=user_id, required=True, metavar="ID", help="the Discord user's id")
    exporting.add_argument("--guild", type=server_id, metavar="ID", help="this server only (default: every server)")
    exporting.add_argument("--output", type=Path, help="file to write (default: standard output)")
    forgetting = actions.add_parser(
        "forget", help="erase a Discord user's data, or a transcript speaker's by name (docs/privacy.md)"
    )
    who = forgetting.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", type=user_id, metavar="ID", help="the Discord user's id")
    who.add_argument("--speaker", metavar="NAME", help="a person named in an imported transcript (needs --guild)")
    forgetting.add_argument("--guild", type=server_id, metavar="ID", help="this server only (default: every server)")


def check(args: argparse.Namespace, refuse: Callable[[str], NoReturn]) -> None:
    """Refuse (before anything is opened) a speaker without a name of the right length or without a server."""
    if args.action == "forget" and args.speaker is not None:
        args.speaker = _speaker_name(args.speaker)
        if args.speaker is None or args.guild is None:
            refuse(f"privacy forget --speaker needs a name of 1 to {SPEAKER_MAX} characters and --guild ID")


def _speaker_name(given: str) -> str | None:
    """The name as an import stored it (cleaned as ``bot.core.importing.transcripts`` cleans a speaker's), or
    ``None`` when it cannot be one."""
    try:
        return t.clean_text(given, "the speaker", SPEAKER_MAX, multiline=False)
    except InvalidInput:
        return None


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``privacy export|forget`` as ``args`` say (checked by :func:`check`); what was done is printed."""
    if args.action == "export":
        document = asyncio.run(_on_database(settings, lambda db: export(db, args.user, args.guild)))
        text = export_json(document) + "\n"
        if args.output is None:
            print(text, end="")
        else:
            args.output.write_text(text, encoding="utf-8")
        return 0
    if args.speaker is not None:
        plan, who = forget_speaker(args.speaker, args.guild), f"speaker “{args.speaker}”"
    else:
        plan, who = forget_member(args.user, args.guild), f"user {args.user}"
    changed = asyncio.run(_on_database(settings, lambda db: erase(db, plan)))
    print(_forgot(who, args.guild, changed))
    return 0


async def _on_database(settings: Settings, job: Callable[[Database], Awaitable[T]]) -> T:
    db = Database(settings.database_url)
    try:
        with explained(lambda error: database_problem(db.url, error)):
            return await job(db)
    finally:
        await db.dispose()


def _forgot(who: str, guild_id: int | None, changed: int) -> str:
    where = "every server" if guild_id is None else f"server {guild_id}"
    if not changed:
        return f"nothing stored about {who} in {where}: nothing to forget"
    return f"forgot {who} in {where}: {changed} rows erased or changed (docs/privacy.md, What erasure keeps)"
