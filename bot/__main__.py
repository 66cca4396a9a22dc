"""``python -m bot`` and the ``debate-bot`` script: the command line (:mod:`bot.cli.main`). ``health`` alone goes to
:mod:`bot.cli.health` before anything heavy loads: a container runs it every 30 s. Every file the bot creates (the
SQLite database and its companions, an export) is readable by its user only, under systemd, in the container or by
hand."""

from __future__ import annotations

import os
import sys

PRIVATE_FILES = 0o077
"""The umask: new files are the user's alone (0600), as the systemd unit's ``UMask=0077`` also makes them."""


def main() -> int:
    """Run the command line; its exit status."""
    os.umask(PRIVATE_FILES)
    if sys.argv[1:] == ["health"]:
        from bot.cli.health import main as health

        return health()
    from bot.cli.main import main as everything

    return everything()


if __name__ == "__main__":
    sys.exit(main())
