"""How opinion divides and where it meets: opinion groups of a debate (``groups``) found by clustering its
credences (``clustering``, the optional ``analysis`` extra, imported only when there are groups to look for); common
ground between the sides, a pure rule (``commonground``); common ground and movement read from the stances
(``insights``).

Writes nothing: it reads.
May import the core's base and ``schema``; ``numpy`` and ``scipy`` only in ``clustering`` and ``bridging``."""
