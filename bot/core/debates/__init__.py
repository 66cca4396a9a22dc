"""Debates: starting one and finding it (``lifecycle``), sides, moderation and ending; formats and their phases
(``formats``), the timers that drive them (``timers``), agenda digests and whether anything happened since the last
(``digests``) and display names (``names``). The base of the other subjects: it imports none of them.

Writes ``debate``, ``side``, ``participant``, ``agenda``, ``guild_state``, ``timer``, ``digest``, ``member_name``.
May import the core's base (``errors``, ``records``, ``sql``, ``text``, ``visibility``) and ``schema``."""
