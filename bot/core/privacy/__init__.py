"""Personal data: what the bot keeps about a person, for how long, and (to come) export and erasure.

Which columns are personal is classified in ``schema/tables.py`` (each column's ``info``: ``identity``, ``text``
or ``derived``, or not personal with the reason; see ``schema.tables.Personal``), and ``tests/core/test_privacy.py``
fails on a column left unclassified. Export and erasure, when they come, must cover every personal column.

Chat text kept for a day at most is deleted when past it (``retention``): expired ``import_draft`` and
``pending_rebuttal`` rows.
May import the core's base and ``schema``."""
