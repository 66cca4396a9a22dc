"""The opinion groups and the common ground of debates' credences as a service of the running bot: remembered for
the version of the credences they were found in (``bot.core.opinion.groups.VersionMemo``), and found or fitted in a
worker thread, since both are CPU-bound. ``/debate summary`` and ``/debate groups`` share what it remembers; the
summary asks it what to say before it is posted (:meth:`OpinionGroups.before_posting`) and what to edit in after
(:meth:`OpinionGroups.after_posting`)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Hashable, Mapping

from bot.core.opinion import divides
from bot.core.opinion import groups as opinion
from bot.core.summary.posting import SummaryRead


class OpinionGroups:
    """Remembered and found opinion groups and common ground. :meth:`known` and :meth:`kept` may be called from a
    database job's thread."""

    def __init__(self) -> None:
        self._memo = opinion.FoundMemo()
        self._bridged = opinion.VersionMemo[divides.Bridging]()
        self._lock = threading.Lock()

    def known(self, debate_id: int, version: opinion.Version) -> opinion.Found | None:
        """The groups found for the debate's credences at ``version``, if they were looked for already."""
        with self._lock:
            return self._memo.get(debate_id, version)

    def kept(self, debate_id: int, version: opinion.Version, sides: Mapping[int, str]) -> divides.Bridging | None:
        """The common ground and divide fitted for the debate's credences at ``version`` with the participants'
        ``sides`` named as now (a side renamed, as erasure does, shows in the divide: it is then refitted), unless it
        fell back over the declared sides and opinion groups have been found for the same credences since (it is
        then refitted too)."""
        with self._lock:
            bridged = self._bridged.get(debate_id, _bridging_key(version, sides))
            found = self._memo.get(debate_id, version)
        groups_known = found is not None and found.groups > 0
        return bridged if bridged is not None and not divides.wants_groups(bridged, groups_known) else None

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

    async def assess(self, given: divides.BridgingInput) -> divides.Bridging:
        """Common ground and the main divide of what was read (:func:`bot.core.opinion.divides.assess`): remembered
        for its version, or fitted in a worker thread — over the opinion groups known for the same credences when it
        falls back."""
        matrix = given.matrix
        if (bridged := self.kept(matrix.debate_id, matrix.version, given.sides)) is not None:
            return bridged
        found = self.known(matrix.debate_id, matrix.version)
        labels = found.test.partition.labels if found is not None and found.groups and found.test else None
        bridged = await asyncio.to_thread(divides.assess, given, divides.groups_of(given, labels))
        with self._lock:
            self._bridged.put(matrix.debate_id, _bridging_key(matrix.version, given.sides), bridged)
        return bridged

    async def before_posting(self, read: SummaryRead) -> divides.Bridging | None:
        """The common ground the summary is posted with: as remembered, or fitted now when the debate has at most
        :data:`~bot.core.opinion.divides.FIT_BEFORE_POSTING` credences (``None``: it comes with an edit)."""
        if read.bridged is not None or read.given is None:
            return read.bridged
        if read.given.matrix.version[0] > divides.FIT_BEFORE_POSTING:
            return None
        return await self.assess(read.given)

    async def after_posting(
        self, read: SummaryRead, bridged: divides.Bridging | None
    ) -> tuple[opinion.Found | None, divides.Bridging] | None:
        """Once the summary is posted with ``bridged``: the groups looked for and the common ground fitted (over
        the groups, if it falls back) when they change what it says; ``None`` when they do not."""
        if read.given is None:
            return None
        found = read.found if read.found is not None else await self.find_if_available(read.given.matrix)
        later = await self.assess(read.given)
        groups_appeared = read.found is None and found is not None and found.groups > 0
        return (found, later) if later is not bridged or groups_appeared else None


def _bridging_key(version: opinion.Version, sides: Mapping[int, str]) -> Hashable:
    """What a fitted divide depends on: the credences' version, and who is on which side, by the name it shows."""
    return version, frozenset(sides.items())
