"""Log set-up: discord.py's handler and formatter (colour on a terminal), or JSON lines for log collectors
(``LOG_FORMAT=json``). The token is masked in every record, whoever logs it."""

from __future__ import annotations

import logging

import discord
from pythonjsonlogger.json import JsonFormatter

MASK = "[DISCORD_TOKEN]"


class Redact(logging.Filter):
    """Replaces each secret in a record's message by ``MASK``."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, MASK)
            record.msg, record.args = message, None
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object a line: time, level, logger, message (and the traceback, when there is one)."""
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


def setup_logging(level: str, format: str, *secrets: str) -> None:
    """Log to standard error at ``level`` in ``format`` (``text`` or ``json``), never showing ``secrets``."""
    handler = logging.StreamHandler()
    handler.addFilter(Redact(*secrets))
    formatter = json_formatter() if format == "json" else discord.utils.MISSING
    discord.utils.setup_logging(handler=handler, formatter=formatter, level=logging.getLevelName(level.upper()))
