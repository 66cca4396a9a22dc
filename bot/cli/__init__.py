"""The command line: ``python -m bot`` and the ``debate-bot`` script (``main``), transcript import (``importer``), the
similarity model's download (``models``) and the local demo (``demo``, the only part that loads the simulator).

Writes nothing of its own: through the core's use cases and ``bot.db``.
May import everything in ``bot`` and ``schema``; only ``demo`` imports ``sim``."""
