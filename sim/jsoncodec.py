"""JSON in and out of the server: msgspec's codec when it is installed (the ``bench`` extra, for load benchmarks,
where encoding with the standard library was a sixth of the server's CPU), the standard library's otherwise. Either
gives the same values; only the spacing of the text differs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def _standard_dump_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


dump_bytes: Callable[[Any], bytes] = _standard_dump_bytes
"""``value`` as JSON, UTF-8 encoded."""
loads: Callable[[str | bytes], Any] = json.loads
"""The value of a JSON text."""

try:
    import msgspec
except ImportError:  # the bench extra is not installed
    pass
else:
    dump_bytes = msgspec.json.Encoder().encode
    loads = msgspec.json.Decoder().decode


def dumps(value: Any) -> str:
    """``value`` as JSON text."""
    return dump_bytes(value).decode()
