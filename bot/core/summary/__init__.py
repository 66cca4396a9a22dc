"""Summaries: what a debate's or an agenda's summary shows, read in a fixed number of queries (``queries``), and
laid out in pages that fit one message and one phone screen (``pages``).

Writes nothing: it reads (the debate's summary time is written by ``debates.lifecycle``).
May import the core's base, ``schema``, ``debates``, ``claims`` and ``opinion``."""
