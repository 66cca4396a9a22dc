"""Outside programs some tests need. Each such test skips, naming what to install, when its program is missing;
no test installs anything or reaches the network (``.ci/run`` installs them all)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARGDOWN_CLI_VERSION = "1.7.5"
"""The Argdown parser ``.ci/run`` installs (keep the two in step)."""

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's dot is not on PATH (apt-get install graphviz / brew install graphviz)",
)


def argdown_cli() -> Path | None:
    """The Argdown command-line parser: ``$ARGDOWN_CLI`` if set, else ``argdown`` on PATH; ``None`` without Node."""
    if shutil.which("node") is None:
        return None
    found = os.environ.get("ARGDOWN_CLI") or shutil.which("argdown")
    return Path(found) if found and Path(found).is_file() else None


needs_argdown = pytest.mark.skipif(
    argdown_cli() is None,
    reason=f"the Argdown parser is not installed (Node.js, then npm install -g @argdown/cli@{ARGDOWN_CLI_VERSION}, "
    "or set ARGDOWN_CLI to its argdown executable)",
)
