"""How opinion divides and where it meets: opinion groups of a debate (``groups``) found by clustering its
credences (``clustering``, the optional ``analysis`` extra, imported only when there are groups to look for) and
named by what sets each apart (``repness``, a pure rule); common
ground between the sides, a pure rule (``commonground``); common ground and movement read from the stances
(``insights``); common ground and what divides a debate or an agenda by the bridging model (``bridging``, the
``analysis`` extra; ``divides`` reads its input and says what it found, or falls back to ``commonground``).

Writes nothing: it reads.
May import the core's base, ``schema`` and ``debates`` (an agenda's debates); ``numpy`` and ``scipy`` only in
``clustering`` and ``bridging``."""
