"""Log set-up: discord.py's handler and text lines (coloured on a terminal only, unless ``LOG_COLOUR`` says
otherwise), or JSON lines for log collectors (``LOG_FORMAT=json``). The token (and the language model's key, when
set) is masked in every record, whoever logs it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TextIO

import discord
from pythonjsonlogger.json import JsonFormatter

MASK = "[DISCORD_TOKEN]"
LLM_KEY_MASK = "[LLM_API_KEY]"
SHORTEST_SECRET = 8
"""A secret shorter than this is a placeholder, not a token (Discord's are about 70 characters): it is not masked,
so that it cannot garble the words it happens to be in or equal."""
TEXT_LINE = "[{asctime}] [{levelname:<8}] {name}: {message}"
"""discord.py's own text line, without colour."""


class Redact(logging.Filter):
    """Replaces every occurrence of a secret in a record's message by ``MASK`` (or, for one of ``named``, by its
    name: ``{mask: secret}``), wherever it stands (in a URL, after ``Bot%20``, glued to other text); a secret shorter
    than :data:`SHORTEST_SECRET` is no token and is left alone."""

    def __init__(self, *secrets: str, named: Mapping[str, str] | None = None) -> None:
        super().__init__()
        masks = {secret: MASK for secret in secrets} | {secret: mask for mask, secret in (named or {}).items()}
        long_enough = [(secret, mask) for secret, mask in masks.items() if len(secret) >= SHORTEST_SECRET]
        self.secrets = sorted(long_enough, key=lambda pair: len(pair[0]), reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret, _ in self.secrets):
            for secret, mask in self.secrets:
                message = message.replace(secret, mask)
            record.msg, record.args = message, None
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object a line: time, level, logger, message (and the traceback, when there is one)."""
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


def text_formatter(stream: TextIO, colour: bool | None) -> logging.Formatter:
    """discord.py's text lines, coloured when ``colour`` says so or, when it is ``None``, when ``stream`` is a
    terminal (discord.py itself also colours whenever it runs in a container, into files and pipes)."""
    if stream.isatty() if colour is None else colour:
        return discord.utils._ColourFormatter()
    return logging.Formatter(TEXT_LINE, "%Y-%m-%d %H:%M:%S", style="{")


def setup_logging(
    level: str, format: str, *secrets: str, colour: bool | None = None, named: Mapping[str, str] | None = None
) -> None:
    """Log to standard error at ``level`` in ``format`` (``text`` or ``json``), never showing ``secrets`` nor the
    ``named`` ones (``{mask: secret}``); text in colour as :func:`text_formatter` decides."""
    handler = logging.StreamHandler()
    handler.addFilter(Redact(*secrets, named=named))
    formatter = json_formatter() if format == "json" else text_formatter(handler.stream, colour)
    discord.utils.setup_logging(handler=handler, formatter=formatter, level=logging.getLevelName(level.upper()))
