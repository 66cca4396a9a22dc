"""discord.py's JSON on orjson, with the standard library's codec for what orjson refuses.

discord.py encodes every request and decodes every gateway event and REST answer with orjson when it is installed
(``discord.utils._to_json``/``_from_json``): 13 µs less CPU per claim, about 3 % (``python -m benchmarks.claim_json``;
docs/benchmarks.md, "Issue 32"). But orjson refuses a lone surrogate (``"\\ud800"``), which JSON carries and a
user's text may hold: the gateway event would fail to parse and the interaction would never be answered, where the
bot must refuse that text by name (tests/e2e/test_text_rule.py). :func:`install` keeps orjson for everything it
accepts and hands the rest to the standard library, exactly as discord.py does without orjson. Without orjson it
changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import discord.utils

try:
    import orjson

    HAS_ORJSON = True
except ImportError:  # orjson is a dependency; without it discord.py uses the standard library, and so does the bot
    HAS_ORJSON = False


def loads(text: str | bytes) -> Any:
    """A JSON text's value: orjson's, or the standard library's where orjson refuses the text."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def dumps(obj: Any) -> str:
    """JSON text of ``obj``: orjson's, or the standard library's (as discord.py writes it) where orjson refuses it."""
    try:
        text: str = orjson.dumps(obj).decode("utf-8")
        return text
    except orjson.JSONEncodeError:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=True)


def install() -> bool:
    """Make discord.py encode and decode with :func:`dumps` and :func:`loads` (once per process is enough; calling
    again changes nothing). False when orjson is not installed: discord.py then uses the standard library alone."""
    if not HAS_ORJSON:
        return False
    discord.utils._to_json = dumps
    discord.utils._from_json = loads  # type: ignore[assignment, unused-ignore]  # given str or bytes, never a memoryview
    return True
