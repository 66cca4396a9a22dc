"""Cruxes: naming them, credences and stances, resolving and reopening (``lifecycle``); what only a double-crux
debate has: positions on the motion and which cruxes would change minds (``doublecrux``); withdrawing a
claim or crux in favour of the similar one a hint names (``lifecycle.withdraw_in_favour``).

Writes ``crux`` (and the debate's crux counter), ``crux_claim``, ``credence``, ``crux_stance``, ``crux_mark``, a
participant's position, and ``crux_score`` through ``scoring.scores`` when a crux resolves or reopens.
May import the core's base, ``schema``, ``debates``, ``claims`` and ``scoring``."""
