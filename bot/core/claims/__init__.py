"""Claims, rebuttals and supports: logging them by command or from a chat message, editing, withdrawing
(``arguments``); similar records and the vectors they are compared by (``similar``).

Writes ``claim`` (and the debate's claim counter), ``claim_revision``, ``pending_rebuttal``, ``claim_vector`` and
``crux_vector`` (withdrawing a crux that repeats another is the cruxes' ``withdraw_in_favour``).
May import the core's base, ``schema`` and ``debates``."""
