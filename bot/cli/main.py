"""Command line: ``python -m bot`` runs the bot; ``db upgrade`` migrates; ``health`` checks the running bot;
``commands sync|clear`` manages the slash commands on Discord; ``demo`` plays a debate locally; ``export`` writes a
debate's record; ``import`` records a transcript; ``models fetch`` downloads the similarity model."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import NoReturn

import discord
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.cli import health, privacy
from bot.cli.importer import ImportRequest, ask_terminal, import_transcript
from bot.cli.models import FetchError, describe, fetch_model
from bot.client import DebateBot, bot_for
from bot.config import Settings, SettingsError, load_settings, warn_unknown_settings
from bot.core import text as t
from bot.core.debates.lifecycle import KEY_MAX, debate_numbered
from bot.core.errors import DomainError
from bot.core.exports.argmap import draw_pictures, draw_svg
from bot.core.exports.record import EXPORT_FORMATS, DebateExport, build_export, export_file
from bot.db import Database
from bot.runtime import event_loop
from bot.runtime.endpoints import DISCORD_API_BASE, use_endpoints
from bot.runtime.heap import tune_collector
from bot.runtime.llm import LanguageModel, draft_opinions
from bot.runtime.logs import LLM_KEY_MASK, setup_logging
from bot.runtime.model_files import ModelFileError
from bot.runtime.similar import stop_model_process
from bot.runtime.sync import CommandSyncer, scope_of
from bot.startup import (
    MAY_PASS,
    MUST_ACT,
    StartupError,
    database_problem,
    discord_problem,
    explained,
)
from schema import SNOWFLAKE_MAX, DebateNumber

log = logging.getLogger("bot")
DB_FILES = ("", "-wal", "-shm", "-journal")
"""A SQLite database's file and its companions (write-ahead log, shared memory, rollback journal)."""
REFUSED = 1
"""The exit status of a command that refused what was asked (no such debate, a bad transcript): the line says why."""


class _Parser(argparse.ArgumentParser):
    """argparse, refusing a command line in one line (not the usage and the error) with :data:`MUST_ACT`; its
    subcommands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(MUST_ACT, f"error: {message} (see {self.prog} --help)\n")


def _whole_number(what: str, largest: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to ``largest`` written in ASCII digits, else refused naming ``what``
    it must be. Zero is no id: taken as "none given", it would switch to a default scope."""

    def parse(text: str) -> int:
        digits = text.strip()
        if digits.isascii() and digits.isdigit() and len(digits) <= len(str(largest)) and 0 < int(digits) <= largest:
            return int(digits)
        raise argparse.ArgumentTypeError(
            f"“{t.one_line(text, 30)}” is not {what}: give a whole number from 1 to {largest}"
        )

    return parse


DEBATE_NUMBER = _whole_number("a debate's number", KEY_MAX)
SERVER_ID = _whole_number("a Discord server id", SNOWFLAKE_MAX)
USER_ID = _whole_number("a Discord user id", SNOWFLAKE_MAX)


def speaker_side(text: str) -> tuple[str, str]:
    """An argparse type: ``SPEAKER=SIDE`` (``--side``), split at its last ``=``."""
    speaker, equals, side = text.rpartition("=")
    if not equals or not speaker.strip() or not side.strip():
        raise argparse.ArgumentTypeError(f"“{t.one_line(text, 60)}” is not SPEAKER=SIDE (for example Ana=for)")
    return speaker.strip(), side.strip()


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m bot", description="The crux-finding debate bot for Discord.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the default)")
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="upgrade: migrate the database to the latest schema")
    commands.add_parser(
        "health", help="exit 0 when the running bot has its gateway connected and its database answering, else 1"
    )
    manage = commands.add_parser(
        "commands", help="send the slash commands to Discord now, or remove them (needs DISCORD_TOKEN)"
    )
    manage.add_argument(
        "action",
        choices=["sync", "clear"],
        help="sync: send them (clearing the scope synced before, if another); clear: remove them from that scope",
    )
    scope = manage.add_mutually_exclusive_group()
    scope.add_argument(
        "--guild", type=SERVER_ID, metavar="ID", help="this server (default: SYNC_GUILD_ID, else global)"
    )
    scope.add_argument("--global", dest="everywhere", action="store_true", help="the global commands")
    demo = commands.add_parser("demo", help="play a sample debate against a local Discord-compatible server")
    demo.add_argument("--output", type=Path, help="folder for the export and the map (default: a new temporary one)")
    export = commands.add_parser("export", help="write a debate's record from the configured database")
    export.add_argument("--debate", type=DEBATE_NUMBER, required=True, help="the debate's number")
    export.add_argument(
        "--guild", type=SERVER_ID, metavar="ID", help="the server's id (needed when several servers have that number)"
    )
    export.add_argument(
        "--format",
        choices=[*EXPORT_FORMATS, "png", "svg"],
        default="markdown",
        help="png: the argument map's pictures (FILE.png, FILE-2.png …); svg: the whole map in one file",
    )
    export.add_argument("--output", type=Path, help="file to write (default: standard output; png needs a file)")
    export.add_argument("--force", action="store_true", help="overwrite --output if it exists (never the database)")
    transcript = commands.add_parser(
        "import", help="record a transcript (CSV: id, interview, comment; or JSON lines: id, author, text, reply_to)"
    )
    transcript.add_argument("--debate", type=DEBATE_NUMBER, required=True, help="the debate's number")
    transcript.add_argument(
        "--guild", type=SERVER_ID, metavar="ID", help="the server's id (needed when several servers have that number)"
    )
    transcript.add_argument(
        "--by",
        type=USER_ID,
        metavar="USER_ID",
        help="the Discord user id recorded as who logged it (default: the creator)",
    )
    transcript.add_argument(
        "--side",
        type=speaker_side,
        action="append",
        default=[],
        metavar="SPEAKER=SIDE",
        help="log a speaker's records for a side of the debate (repeatable; a speaker named like a side is on it)",
    )
    transcript.add_argument("--yes", action="store_true", help="store the draft without asking")
    transcript.add_argument("file", type=Path, help="the transcript (.csv, or .jsonl)")
    models = commands.add_parser(
        "models", help="download the similarity model's files, pinned by revision and sha256 (the semantic extra)"
    )
    models.add_argument("action", choices=["fetch"], help="fetch: download them into MODEL_DIR and check them")
    models.add_argument("--dir", type=Path, metavar="DIR", help="where to put them (default: MODEL_DIR)")
    models.add_argument(
        "--endpoint", metavar="URL", help="a Hugging Face hub mirror to download from (default: the hub)"
    )
    privacy.add_parser(commands, USER_ID, SERVER_ID)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bot`` and the ``debate-bot`` script; returns the exit status. Whatever stops a
    command is one line on standard error (see :func:`_stopped`), never a traceback on its own."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "privacy":
        privacy.check(args, parser.error)
    try:
        settings = load_settings()
        token = settings.discord_token.get_secret_value() if settings.discord_token else ""
        llm_key = {LLM_KEY_MASK: settings.llm_api_key.get_secret_value()} if settings.llm_api_key else {}
        setup_logging(settings.log_level, settings.log_format, token, colour=settings.log_colour, named=llm_key)
        warn_unknown_settings()
        return _command(args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        return _stopped(error, serving=args.command in (None, "run"))


def _command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the command ``args`` name; its exit status."""
    if args.command == "db":
        asyncio.run(_upgrade(settings))
        return 0
    if args.command == "health":
        return health.main()
    if args.command == "export":
        return _export(settings, args.debate, args.guild, args.format, args.output, force=args.force)
    if args.command == "privacy":
        return privacy.run(settings, args)
    if args.command == "import":
        return _import(settings, ImportRequest(args.debate, args.file, args.guild, args.by, args.yes, tuple(args.side)))
    if args.command == "models":
        print(describe(fetch_model(args.dir or settings.model_dir, endpoint=args.endpoint)))
        return 0
    if args.command == "commands":
        return asyncio.run(_manage_commands(settings, settings.require_token(), args.action, _scope(args, settings)))
    if args.command == "demo":
        from bot.cli.demo import play

        logging.getLogger().setLevel(logging.ERROR)  # the conversation is the output
        return asyncio.run(play(args.output))
    return event_loop.run(run_bot(settings, settings.require_token()), settings.event_loop)


def _scope(args: argparse.Namespace, settings: Settings) -> int | None:
    """The server ``commands`` acts on: ``--guild``; none (global) with ``--global``; else ``SYNC_GUILD_ID``."""
    if args.everywhere:
        return None
    return args.guild if args.guild is not None else settings.sync_guild_id


def _stopped(error: Exception, *, serving: bool) -> int:
    """Say in one line on standard error why a command stopped; its exit status, as the README's table
    (Troubleshooting) gives it. The traceback is logged at DEBUG, except that of a fault of the bot's own while
    ``serving``: logged as an error, so that a bot that stops after days leaves in its log why."""
    explained = _explanation(error)
    if explained is not None:
        (message, status), level = explained, logging.DEBUG
    else:
        level = logging.ERROR if serving else logging.DEBUG
        where = "its traceback is logged above" if serving else "LOG_LEVEL=DEBUG shows the traceback"
        message, status = f"unexpected {type(error).__name__}: {_first_line(error)} ({where})", MAY_PASS
    log.log(level, "%s", message, exc_info=error)
    print(f"error: {message}", file=sys.stderr)
    return status


def _explanation(error: Exception) -> tuple[str, int] | None:
    """Why ``error`` stopped a command, in one line, and the exit status: :data:`MUST_ACT` for a setting to fix,
    :data:`REFUSED` for a refusal of what was asked, and :data:`MAY_PASS` for what waiting may fix (a database or
    Discord out of reach, explained as :mod:`bot.startup` does); ``None`` for a fault of the bot's own."""
    if isinstance(error, StartupError):
        return str(error), error.status
    if isinstance(error, SettingsError):
        return str(error), MUST_ACT
    if isinstance(error, DomainError):
        return str(error), REFUSED
    if isinstance(error, ModelFileError):
        return str(error), MUST_ACT
    if isinstance(error, FetchError):
        return str(error), MAY_PASS
    if isinstance(error, DBAPIError):
        return f"the database failed: {_first_line(error.orig)}", MAY_PASS
    if isinstance(error, OSError) and error.filename is not None:
        return f"cannot use {error.filename}: {error.strerror or _first_line(error)}", MAY_PASS
    return None


def _first_line(error: BaseException | None) -> str:
    return next(iter(str(error).splitlines()), "")


async def _upgrade(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await _migrate(db)
    finally:
        await db.dispose()
    print("database is at the latest schema")


async def _migrate(db: Database) -> None:
    with _database_explained(db):
        await db.upgrade()


def _database_explained(db: Database) -> contextlib.AbstractContextManager[None]:
    return explained(lambda error: database_problem(db.url, error))


def _import(settings: Settings, request: ImportRequest) -> int:
    _require_database(settings)
    ask = ask_terminal if sys.stdin.isatty() else None
    db = Database(settings.database_url)

    async def run() -> int:
        model = LanguageModel(settings)
        opinion = partial(draft_opinions, model) if model.enabled else None
        try:
            with _database_explained(db):
                return await import_transcript(db, request, sys.stdout, ask, opinion)
        finally:
            await model.close()
            await db.dispose()

    return asyncio.run(run())


def _require_database(settings: Settings) -> None:
    """Refuse to run where there is no SQLite database: connecting would create an empty one."""
    database = settings.sqlite_file()
    if database is not None and not database.is_file():
        raise SettingsError(
            f"there is no database at {database}: run this where the bot keeps debates.db, or set DATABASE_URL"
        )


def _export(
    settings: Settings, number: DebateNumber, guild: int | None, format: str, output: Path | None, *, force: bool
) -> int:
    if format == "png" and output is None:
        raise SettingsError("--format png writes pictures: give --output FILE.png")
    if output is not None:
        _check_output(settings, output, force=force)
    _require_database(settings)
    files = _rendered(asyncio.run(_load_export(settings, number, guild)), format)
    if output is None:
        sys.stdout.write(files[0].decode())
        return 0
    paths = [output] + [output.with_name(f"{output.stem}-{n}{output.suffix}") for n in range(2, len(files) + 1)]
    for path in paths[1:]:
        _check_output(settings, path, force=force)
    for path, data in zip(paths, files, strict=True):
        path.write_bytes(data)
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _rendered(record: DebateExport, format: str) -> list[bytes]:
    """The export in ``format``: one file, or the map's pictures."""
    if format == "png":
        return draw_pictures(record)
    if format == "svg":
        return [draw_svg(record)]
    return [export_file(record, format)[1]]


def _check_output(settings: Settings, output: Path, *, force: bool) -> None:
    """Refuse, with a :class:`SettingsError`, an ``--output`` that is a directory, lies in a missing directory, is
    the configured database (or one of its companion files, whatever path names it), or exists without ``--force``."""
    target = output.expanduser().resolve()
    if target.is_dir():
        raise SettingsError(f"--output {output} is a directory: give a file name, such as {output / 'debate.md'}")
    if not target.parent.is_dir():
        raise SettingsError(f"--output {output}: the directory {output.parent} does not exist")
    database = settings.sqlite_file()
    if database is not None and any(_same_file(target, database.with_name(database.name + end)) for end in DB_FILES):
        raise SettingsError(f"--output {output} is the bot's database: write the export to another file")
    if target.exists() and not force:
        raise SettingsError(f"--output {output} exists: add --force to overwrite it")


def _same_file(path: Path, other: Path) -> bool:
    """Whether two paths name one file: equal once resolved, or (both existing) one file under two names."""
    return path == other.resolve() or (path.exists() and other.exists() and path.samefile(other))


def _export_of(session: Session, number: DebateNumber, guild: int | None) -> DebateExport:
    return build_export(session, debate_numbered(session, number, guild))


async def _load_export(settings: Settings, number: DebateNumber, guild: int | None) -> DebateExport:
    db = Database(settings.database_url)
    try:
        with _database_explained(db):
            return await db.query(_export_of, number, guild)
    finally:
        await db.dispose()


async def _manage_commands(settings: Settings, token: str, action: str, guild_id: int | None) -> int:
    """``commands sync``: send the commands to server ``guild_id`` (or globally) now, whatever was synced before,
    and clear the scope synced before if it was another; ``commands clear``: remove the commands of that scope."""
    use_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    api_base = settings.discord_api_base or DISCORD_API_BASE
    db = Database(settings.database_url)
    try:
        await _migrate(db)
        async with DebateBot(settings, db, serve=False) as bot:
            with explained(lambda error: discord_problem(api_base, error)):
                await bot.login(token)  # loads the commands, sends nothing
                try:
                    print(await _apply(CommandSyncer(bot, bot.tree, db), action, guild_id))
                except discord.HTTPException as error:
                    print(
                        f"error: Discord refused ({scope_of(guild_id)}): {error.status} {error.text}", file=sys.stderr
                    )
                    return 1
    finally:
        await db.dispose()
    return 0


async def _apply(syncer: CommandSyncer, action: str, guild_id: int | None) -> str:
    """Sync or clear (see :func:`_manage_commands`); what was done, in one line."""
    if action == "clear":
        await syncer.clear(guild_id)
        return f"cleared the commands ({scope_of(guild_id)})"
    synced = await syncer.sync(guild_id, force=True)
    cleared = f"; cleared {', '.join(synced.cleared)}, synced before" if synced.cleared else ""
    return f"synced {synced.sent} commands ({synced.scope}){cleared}"


async def run_bot(settings: Settings, token: str) -> int:
    """Migrate the database, connect, and serve until closed or sent SIGTERM/SIGINT. Raises :class:`StartupError`
    when the database cannot be opened or Discord cannot be reached or refuses the token."""
    use_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    db = Database(settings.database_url)
    try:
        await _migrate(db)
        async with bot_for(settings, db) as bot:
            with _database_explained(db):  # a read-only database fails here, before connecting to Discord
                await bot.heartbeat.write()
            _close_on_signals(bot)
            bot.add_listener(_tune_collector, "on_ready")
            api_base = settings.discord_api_base or DISCORD_API_BASE
            with explained(lambda error: discord_problem(api_base, error)):
                await bot.start(token)
    finally:
        stop_model_process()
        await db.dispose()
    return 0


async def _tune_collector() -> None:
    """At every READY, once the guild cache is built, tune the garbage collector
    (:func:`bot.runtime.heap.tune_collector`): in this process only, never in one that hosts a bot among other things
    (tests, the demo)."""
    tune_collector()


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
