"""Log set-up: discord.py's text lines or JSON lines, and the token masked whoever logs it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import MASK, setup_logging

TOKEN = "MTA1.secret-token.xyz"


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_json_lines_carry_time_level_logger_and_message_without_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("info", "json", TOKEN)
    logging.getLogger("discord.http").info("sending %s with token %s", "GET /users/@me", TOKEN)
    logging.getLogger("bot").debug("below the level")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert {"time", "level", "logger", "message"} <= set(record)
    assert (record["level"], record["logger"]) == ("INFO", "discord.http")
    assert record["message"] == f"sending GET /users/@me with token {MASK}"


def test_text_lines_mask_the_token_too(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("WARNING", "text", TOKEN)
    logging.getLogger("bot").warning(f"token is {TOKEN}")
    err = capsys.readouterr().err
    assert TOKEN not in err and f"token is {MASK}" in err and "WARNING" in err
