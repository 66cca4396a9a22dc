"""A debate's whole record: the versioned JSON document and its Markdown and Argdown renderings (``record``), and
the argument map drawn from it with Graphviz (``argmap``).

Writes nothing: it reads.
May import the core's base, ``schema``, ``debates`` and ``claims``; ``graphviz`` only in ``argmap``."""
