"""Debates: starting one and finding it (``lifecycle``), sides, moderation, status and ending; formats and their
phases (``formats``), the timers that drive them (``timers``), agenda digests (``digests``), autocomplete
(``choices``) and display names (``names``).

Writes ``debate``, ``side``, ``participant``, ``agenda``, ``guild_state``, ``timer``, ``digest``, ``member_name``.
May import the core's base (``errors``, ``records``, ``sql``, ``text``) and ``schema``. Today it also imports
``opinion.insights`` (for ``/debate status``), ``summary.queries`` (for digests) and ``claims.arguments`` (for
autocomplete): imports against the grain, to be removed."""
