"""The rules, without Discord: synchronous use cases taking a session first, each run as one job by the database
layer (``bot.db``). Grouped by subject in subpackages (``debates``, ``claims``, ``cruxes``, ``scoring``, ``opinion``,
``importing``, ``summary``, ``exports``, ``privacy``), over a shared base that every subpackage may import:
``errors`` (domain errors), ``records`` (snapshots), ``sql`` (dialect helpers), ``text`` (the rule for user text) and
``visibility`` (which debates an answer spanning several may show).
The core imports only itself, ``schema`` and libraries: never Discord, the cogs, the simulator, the runtime
(``bot.runtime``, ``bot.cli``, ``bot.db``, ``bot.client``); ``tests/test_layout.py`` checks it."""
