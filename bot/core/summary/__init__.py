"""What the record shows: a debate's or an agenda's summary, read in a fixed number of queries (``queries``), laid out
in pages that fit one message and one phone screen (``pages``), and read with the opinion groups known for it in one
job (``posting``); a debate at a glance for ``/debate status`` (``status``); autocomplete choices (``choices``).

Writes nothing: it reads (the debate's summary time is written by ``debates.lifecycle``).
May import the core's base, ``schema``, ``debates``, ``claims`` and ``opinion``."""
