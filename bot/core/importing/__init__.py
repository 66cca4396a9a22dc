"""Records taken from a conversation: the drafting rules and recording a draft (``drafts``), what a message's words
do — concede, quote, ask (``reading``, pure); ``/debate import`` from a channel or thread, its draft kept a day
(``chat``); transcripts from elsewhere (``transcripts``).

Writes ``import_draft``, and ``claim``, ``crux`` and ``crux_claim`` (with the debate's counters) when a draft is
recorded.
May import the core's base, ``schema`` and ``debates``."""
