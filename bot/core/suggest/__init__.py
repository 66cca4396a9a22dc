"""Language-model help, without Discord and without the model: what may be sent to the operator's endpoint about a
debate (``material``: local aliases P1, P2 … for speakers and for mentions inside texts, within a token budget, in a
stated order), the prompts and their answers' schemas (``prompts``: one versioned file each, its pydantic schema
beside it), and how an answer is read (``answers``: a tolerant parse, then every claim and alias it names checked
against what was sent; what fails is dropped with a reason, never stored).

Writes nothing: a suggestion becomes a record only through the ordinary use cases, after a person's click.
May import the core's base, ``schema``, ``debates`` and ``cruxes``."""
