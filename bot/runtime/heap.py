"""The cyclic garbage collector, tuned for a long-running bot."""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000
"""Allocations between collections of the youngest generation (Python's default: 700)."""


def tune_collector() -> None:
    """At every READY: collect everything, then put every object alive now beyond the collector's reach, and collect
    the young less often.

    Modules, the command tree and the guild cache live as long as the process (or the gateway session): left in the
    oldest generation, every full collection would walk them all again, and a busy bot makes one every few hundred
    interactions. Each interaction allocates a few thousand objects, nearly all freed by reference counting when it is
    answered; at Python's default threshold the collector would walk the interactions in flight several times per
    answer. Frozen objects are never collected, so a new READY (which replaces the guild cache) unfreezes them first:
    the old cache's cycles are then collected rather than kept. ``docs/benchmarks.md`` has the figures (the
    do-nothing bot it is measured against is tuned alike).
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
