"""JSON in and out of the server: msgspec's codec when it is installed (the ``bench`` extra, for load benchmarks,
where encoding with the standard library was a sixth of the server's CPU), the standard library's otherwise.

msgspec refuses what JSON can carry and the standard library accepts — a lone surrogate, written ``\\ud800`` —
so anything it refuses goes through the standard library instead: the values the sim reads and writes are the same
either way (the text differs only in spacing and in escaping non-ASCII characters, which JSON leaves free), except
for NaN and infinities, which Discord's API never carries (msgspec writes ``null``).
"""

from __future__ import annotations

import json
from typing import Any

try:
    import msgspec
except ImportError:  # the bench extra is not installed
    msgspec = None  # type: ignore[assignment]

CODEC = f"msgspec {msgspec.__version__}" if msgspec is not None else "the standard library's json"
"""Which codec the sim uses, for benchmark reports."""
_ENCODER = msgspec.json.Encoder() if msgspec is not None else None
_DECODER = msgspec.json.Decoder() if msgspec is not None else None


def dump_bytes(value: Any) -> bytes:
    """``value`` as JSON, UTF-8 encoded."""
    if _ENCODER is not None:
        try:
            return _ENCODER.encode(value)
        except (UnicodeEncodeError, TypeError, ValueError):  # a lone surrogate, a non-string key, NaN
            pass
    return json.dumps(value).encode()


def dumps(value: Any) -> str:
    """``value`` as JSON text."""
    return dump_bytes(value).decode()


def loads(data: str | bytes) -> Any:
    """The value of a JSON text (:class:`ValueError` if it is not JSON)."""
    if _DECODER is not None:
        try:
            return _DECODER.decode(data)
        except msgspec.DecodeError:  # an escaped lone surrogate, or not JSON at all (then json says so)
            pass
    return json.loads(data)
