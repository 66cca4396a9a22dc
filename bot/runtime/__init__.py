"""The running bot apart from the rules: the timer scheduler (``scheduler``), the display-name cache (``names``), the
similar-record worker and its embedding model (``similar``, ``semantic``; its pinned files, ``model_files``), the
opinion groups and common ground found and remembered (``groups``), command sync (``sync``), the heartbeat
(``health``) and the verdict on it (``liveness``), the garbage collector's tuning (``heap``), the event loop
(``event_loop``), logging (``logs``), where Discord is (``endpoints``) and the per-user rate limit (``ratelimit``).

Writes ``heartbeat`` and ``command_sync``; everything else through the core's use cases.
May import the core, ``bot.db``, ``bot.config``, ``schema`` and Discord; never the cogs, ``bot.client``, ``bot.cli``
or the simulator."""
