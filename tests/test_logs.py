"""Log set-up: discord.py's text lines (coloured on a terminal only, unless asked) or JSON lines, and the token
masked whoever logs it, wherever it stands whole."""

from __future__ import annotations

import json
import logging

import discord
import pytest

from bot.config import load_settings
from bot.runtime.logs import MASK, setup_logging

TOKEN = "MTA1.secret-token.xyz"


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


def test_a_short_placeholder_token_garbles_no_word(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "text", "abc")
    logging.getLogger("bot").warning("abcdef and abc")
    assert "abcdef and abc" in capsys.readouterr().err


def test_the_token_is_masked_wherever_it_stands(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "text", TOKEN)
    logging.getLogger("bot").warning(f"{TOKEN}. x{TOKEN} {TOKEN}-more Bot%20{TOKEN}")
    assert f"{MASK}. x{MASK} {MASK}-more Bot%20{MASK}" in capsys.readouterr().err


def test_text_lines_are_coloured_only_on_a_terminal_even_in_a_container(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord.utils, "is_docker", lambda: True)  # as in a container, where /.dockerenv exists
    setup_logging("INFO", "text", TOKEN)
    logging.getLogger("bot").warning("into a file")
    plain = capsys.readouterr().err
    assert "into a file" in plain and "\x1b[" not in plain


def test_colour_is_given_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "text", TOKEN, colour=load_settings(log_colour="true").log_colour)
    logging.getLogger("bot").warning("asked for colour")
    assert "\x1b[" in capsys.readouterr().err
