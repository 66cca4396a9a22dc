"""Cleaning and checking the text users give, and making it safe to show."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from bot.core.errors import InvalidInput

TOPIC_MAX = 300
AGENDA_MAX = 100
SIDE_MAX = 50
CLAIM_MAX = 4000
QUESTION_MAX = 1000
REASON_MAX = 1000
RESOLUTION_MAX = 1000
URL_MAX = 500

# Zero-width and blank-looking characters (Hangul fillers, the Braille blank): text of only these is empty.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u115f\u1160\u3164\uffa0\u2800"))
_MARKDOWN = re.compile(r"([\\*_~`|\[\]<>])")
_LINE_START_MARKUP = re.compile(r"^(\s*)([#>\-+]|\d+\.)", re.MULTILINE)


def clean_text(value: str | None, what: str, limit: int) -> str:
    """``value`` without invisible characters or surrounding space; :class:`InvalidInput` if empty or too long.

    ``what`` names the field in the message ("The claim", "The question").
    """
    cleaned = _strip_invisible(value or "").strip()
    if not cleaned:
        raise InvalidInput(f"{what} is empty: write some text.")
    if len(cleaned) > limit:
        raise InvalidInput(f"{what} is {len(cleaned):,} characters long; the limit is {limit:,}.")
    return cleaned


def optional_text(value: str | None, what: str, limit: int) -> str | None:
    """Like :func:`clean_text`, but nothing (or only blanks) gives ``None``."""
    return None if is_blank(value) else clean_text(value, what, limit)


def optional_url(value: str | None, what: str, limit: int) -> str | None:
    """An http(s) link as given (without surrounding space), or ``None`` for nothing; :class:`InvalidInput` for
    anything else (another scheme, no host, spaces inside, longer than ``limit``)."""
    if is_blank(value):
        return None
    url = _strip_invisible(value or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a malformed address ("http://[")
        host = None
    if len(url) > limit or not host or parts.scheme.lower() not in ("http", "https") or any(c.isspace() for c in url):
        shown = one_line(url, 60)
        raise InvalidInput(f"{what} must be a web address starting with http:// or https:// (got “{shown}”).")
    return url


def is_blank(value: str | None) -> bool:
    """Nothing, or only spaces and invisible characters."""
    return not _strip_invisible(value or "").strip()


def _strip_invisible(value: str) -> str:
    without_zero_width = value.translate(_INVISIBLE)
    if without_zero_width.isprintable():  # no control or format character (the common case, checked in C)
        return without_zero_width
    return "".join(ch for ch in without_zero_width if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf"))


def name_key(name: str) -> str:
    """The form of a name used to compare names: case- and space-insensitive."""
    return " ".join(name.casefold().split())


def escape_markdown(value: str) -> str:
    """``value`` with Discord Markdown neutralised, so user text cannot break the layout around it."""
    escaped = _MARKDOWN.sub(r"\\\1", value)
    return _LINE_START_MARKUP.sub(r"\1\\\2", escaped)


def one_line(value: str, limit: int) -> str:
    """``value`` on one line, shortened to ``limit`` characters with an ellipsis when longer."""
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``"1 claim"``, ``"3 claims"``; ``many`` for irregular plurals."""
    return f"{count} {singular if count == 1 else many or singular + 's'}"
