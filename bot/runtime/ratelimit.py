"""A per-key rate limit, so that one person cannot flood a debate."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Hashable


class Cooldown:
    """At most ``rate`` actions per ``per`` seconds for each key (a sliding window)."""

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._recent: defaultdict[Hashable, deque[float]] = defaultdict(deque)

    def acquire(self, key: Hashable) -> float:
        """Record an action for ``key`` and return 0, or return how many seconds to wait (recording nothing)."""
        now = self._clock()
        recent = self._recent[key]
        while recent and now - recent[0] >= self.per:
            recent.popleft()
        if len(recent) >= self.rate:
            return self.per - (now - recent[0])
        recent.append(now)
        return 0.0
