"""The opinion groups of debates' credences as a service of the running bot: remembered for the version of the
credences they were found in (``bot.core.opinion.groups.FoundMemo``), and found in a worker thread, since looking
for them is CPU-bound. ``/debate summary`` and ``/debate groups`` share what it remembers."""

from __future__ import annotations

import asyncio
import threading

from bot.core.opinion import groups as opinion


class OpinionGroups:
    """Remembered and found opinion groups. :meth:`known` may be called from a database job's thread."""

    def __init__(self) -> None:
        self._memo = opinion.FoundMemo()
        self._lock = threading.Lock()

    def known(self, debate_id: int, version: opinion.Version) -> opinion.Found | None:
        """The groups found for the debate's credences at ``version``, if they were looked for already."""
        with self._lock:
            return self._memo.get(debate_id, version)

    async def find(self, matrix: opinion.CredenceMatrix) -> opinion.Found:
        """The opinion groups of the matrix: remembered for its version, or found in a worker thread;
        :class:`~bot.core.opinion.groups.GroupsUnavailable` without the analysis extra."""
        found = self.known(matrix.debate_id, matrix.version)
        if found is None:
            found = await asyncio.to_thread(opinion.find, matrix)
            with self._lock:
                self._memo.put(matrix.debate_id, matrix.version, found)
        return found

    async def find_if_available(self, matrix: opinion.CredenceMatrix) -> opinion.Found | None:
        """:meth:`find`, or ``None`` without the analysis extra (a summary then says nothing of groups)."""
        try:
            return await self.find(matrix)
        except opinion.GroupsUnavailable:
            return None
