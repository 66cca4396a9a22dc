"""Language-model help, without Discord and without the model: what may be sent to the operator's endpoint about a
debate (``material``: local aliases P1, P2 … for speakers and for mentions inside texts, within a token budget, in a
stated order) or about an import draft (``drafting``), the prompts and their answers' schemas (``prompts``: one
versioned file each, its pydantic schema beside it), and how an answer is read (``answers``, ``drafting``: a
tolerant parse, then every claim, item and alias it names checked against what was sent; what fails is dropped
with a reason, never stored).

Writes nothing of its own: a suggested crux becomes a record only through the ordinary use cases after a person's
click, and a model's opinion of an import item changes the stored draft (``importing.chat.apply_to_import``) only
when its importer takes it (``drafting.take_opinion``).
May import the core's base, ``schema``, ``debates`` and ``importing``."""
