"""``python -m bot`` and the ``debate-bot`` script: the command line (:mod:`bot.cli.main`). ``health`` alone goes to
:mod:`bot.cli.health` before anything heavy loads: a container runs it every 30 s."""

from __future__ import annotations

import sys


def main() -> int:
    """Run the command line; its exit status."""
    if sys.argv[1:] == ["health"]:
        from bot.cli.health import main as health

        return health()
    from bot.cli.main import main as everything

    return everything()


if __name__ == "__main__":
    sys.exit(main())
