"""Personal data: what the bot keeps about a person, for how long, their export and their erasure.

Which columns are personal is classified in ``schema/tables.py`` (each column's ``info``: ``identity``, ``text``
or ``derived``, or not personal with the reason; see ``schema.tables.Personal``). ``references`` says which rows
reference a member; ``export`` writes them all as a versioned JSON document (``docs/export-schema.md``);
``erasure`` forgets a member or a transcript's speaker, deletes a debate or a server's data, as plans of small
write jobs (``bot.runtime.privacy.erase`` runs them) — ``ERASED`` says what happens to each personal column.
``tests/core/test_privacy.py`` fails on a column left unclassified, and on a personal column the export or the
erasure does not cover.

Chat text kept for a day at most is deleted when past it (``retention``): expired ``import_draft`` and
``pending_rebuttal`` rows. ``statement`` is what ``/privacy`` tells a member.
May import the core's base, ``schema``, ``debates`` and ``scoring`` (an erasure recomputes others' peer scores)."""
