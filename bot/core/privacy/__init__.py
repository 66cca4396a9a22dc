"""Personal data: chat text kept for a day at most, deleted when past it (``retention``). (Which columns are
personal is classified in ``schema/tables.py``.)

Deletes expired ``import_draft`` and ``pending_rebuttal`` rows.
May import the core's base and ``schema``."""
