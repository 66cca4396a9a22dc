"""Summaries in pages that fit one message each and one phone screen: the debate summary (``/debate summary``,
``/debate end``), the agenda summary (``/agenda summary`` and digests) and ``/crux list``.

A page is one embed: at most :data:`PAGE_CHARS` characters (Discord allows 4,096 in an embed's description and 6,000
in a message's embeds) and at most :data:`PAGE_LINES` lines as a phone shows them (:func:`phone_lines`). The first
page of a summary holds the heading, what changed, and the unresolved cruxes that matter most (double cruxes, then
the widest spread) — as many as fit, at least :data:`FIRST_CRUXES` — then one line saying how many more there are.
The following pages, asked for with buttons, hold the next cruxes from a given position, recomputed from the record
when asked: a crux shows each participant's latest credence, or, past :data:`STANCES_SHOWN`, each side's median and
the extremes, with how many more.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core.claims.arguments import EDITED
from bot.core.opinion.divides import Bridging, common_ground_blocks
from bot.core.opinion.groups import Found, summary_line
from bot.core.opinion.insights import Agreements
from bot.core.summary.queries import (
    AgendaSummary,
    Changes,
    CruxListStatus,
    CruxSummary,
    DebateSummary,
    Stance,
    crux_list,
    summarize,
    summarize_agenda,
)
from bot.core.text import UserLabel, as_typed, one_line, plural
from bot.core.visibility import Audience, left_out_note
from schema import ClaimKind, Debate

PAGE_LINES = 40
"""About one phone screen."""
PAGE_CHARS = 4000
PHONE_WIDTH = 38
"""Characters a line of an embed holds on a phone (a 390-point-wide screen, Discord's 15-point text)."""
MENTION_WIDTH = 12
"""A mention shows as @name: counted as a name of 11 characters."""
FIRST_CRUXES = 3
"""The first page shows at least this many cruxes, even past :data:`PAGE_LINES`."""
STANCES_SHOWN = 6
"""A crux on a summary page lists at most this many credences; past it, each side's median and the extremes."""
EXTREMES = 1
QUOTE = 150
SHORT = 80
MOVED_SHOWN = 3

_MARKUP = re.compile(r"\*\*|__|~~|(?<!\\)[*_`]|^> |^• ", re.MULTILINE)
_MENTION = re.compile(r"<@!?\d+>")


def phone_lines(text: str, width: int = PHONE_WIDTH) -> int:
    """How many lines ``text`` (an embed's Markdown) takes on a phone: each line, its markup removed and each mention
    counted as a name, wraps every ``width`` characters; an empty line counts one."""
    shown = _MENTION.sub("@" + "n" * (MENTION_WIDTH - 1), _MARKUP.sub("", text)).replace("\\", "")
    return sum(max(1, math.ceil(len(line) / width)) for line in shown.split("\n"))


@dataclass(frozen=True, slots=True)
class Page:
    """One page: its Markdown, the items it shows (``start`` to ``end``, of ``total``), and where its neighbours
    start (``None``: there is none)."""

    text: str
    start: int
    end: int
    total: int
    previous: int | None
    following: int | None

    @property
    def footer(self) -> str | None:
        """ "Cruxes 4–9 of 300", when not everything is on this page."""
        if self.start == 0 and self.end >= self.total:
            return None
        if self.end == self.start + 1:
            return f"Crux {self.end} of {self.total}"
        return f"Cruxes {self.start + 1}–{self.end} of {self.total}" if self.end > self.start else None


def _fits(blocks: Sequence[str], lines: int) -> bool:
    text = "\n\n".join(blocks)
    return len(text) <= PAGE_CHARS and phone_lines(text) <= lines


def _forward(head: Sequence[str], items: Sequence[str], start: int, tail: Sequence[str], minimum: int) -> int:
    """The end of the page from ``start``: as many items as fit under ``head`` and above ``tail``, at least
    ``minimum`` (one, or the first page's few) while the characters allow."""
    end = start
    while end < len(items):
        taken = [*head, *items[start : end + 1], *tail]
        within = _fits(taken, PAGE_LINES) or (end - start < minimum and _fits(taken, 10**6))
        if not within:
            break
        end += 1
    return end


def _backward(items: Sequence[str], end: int, tail: Sequence[str]) -> int:
    """The start of the page that ends where ``end`` begins, filled backwards."""
    start = end
    while start > 0 and (start == end or _fits([*items[start - 1 : end], *tail], PAGE_LINES)):
        start -= 1
    return start


def page_of(items: Sequence[str], start: int, *, head: Sequence[str] = (), more: str | None = None) -> Page:
    """The page of ``items`` from ``start`` (clamped to the items), under ``head``, ending with ``more`` (a line said
    when items are left after it). It holds at least one item, cut to the page if it is longer than one."""
    start = max(0, min(start, max(len(items) - 1, 0)))
    tail = [more] if more else []
    end = _forward(head, items, start, tail, 1)
    shown = list(items[start:end])
    if end == start < len(items):  # one item longer than a page: cut, never skipped
        end, shown = start + 1, [items[start][: PAGE_CHARS - 200].rstrip() + "…"]
    blocks = [*head, *shown, *(tail if end < len(items) else [])]
    previous = _backward(items, start, tail) if start > 0 else None
    return Page("\n\n".join(blocks), start, end, len(items), previous, end if end < len(items) else None)


# Cruxes --------------------------------------------------------------------------------------------------------


def crux_block(crux: CruxSummary, user: UserLabel, stances: int | None = STANCES_SHOWN) -> str:
    """A crux in a few lines: heading, question, the resolution if any, the latest credences (each participant's, a
    line each, or past ``stances`` each side's median and the extremes), and its first linked claim."""
    marker = " · **double crux**" if crux.is_double_crux else ""
    spread = f" · spread {crux.spread}" if len(crux.stances) > 1 else ""
    lines = [f"**Crux #{crux.number}**{marker}{spread}", f"> {_quote(crux.question, QUOTE)}"]
    if crux.resolution is not None:
        outcome = f" **{crux.outcome.value}**" if crux.outcome else ""
        lines.append(f"Resolved{outcome}: {_quote(crux.resolution, SHORT)}")
    if not crux.stances:
        lines.append("No credences yet.")
    elif stances is None or len(crux.stances) <= stances:
        lines += [_stance_line(stance, user, SHORT) for stance in crux.stances]
    else:
        lines.append(_extremes(crux.stances, user))
    if crux.claims:
        claim = crux.claims[0]
        edited = f" {EDITED}" if claim.edited else ""
        others = f" (+{plural(len(crux.claims) - 1, 'claim')})" if len(crux.claims) > 1 else ""
        lines.append(f"↳ Claim #{claim.number} ({claim.state}){edited}: {_quote(claim.text, SHORT)}{others}")
    return "\n".join(lines)


def _sides(stances: Sequence[Stance]) -> dict[str, list[Stance]]:
    grouped: dict[str, list[Stance]] = {}
    for stance in stances:
        grouped.setdefault(stance.side or "no side", []).append(stance)
    return grouped


def _value(stance: Stance) -> str:
    return f"**{stance.first}→{stance.latest}**" if stance.moved else f"**{stance.latest}**"


def _extremes(stances: Sequence[Stance], user: UserLabel) -> str:
    """Each side's median credence and how many people it is the median of, then the lowest and highest credence: one
    line, which wraps to fewer lines on a phone than two would."""
    medians = "medians: " + " · ".join(
        f"{as_typed(one_line(side, 20))} {statistics.median_low(s.latest for s in members)} "
        f"({plural(len(members), 'person', 'people')})"
        for side, members in _sides(stances).items()
    )
    ordered = sorted(stances, key=lambda stance: stance.latest)
    low, high = ordered[:EXTREMES], ordered[-EXTREMES:][::-1]
    rest = len(stances) - len(low) - len(high)
    extremes = (
        "lowest "
        + " · ".join(f"{user(s.user_id)} {_value(s)}" for s in low)
        + " — highest "
        + " · ".join(f"{user(s.user_id)} {_value(s)}" for s in high)
        + (f" (+{rest} more)" if rest > 0 else "")
    )
    return f"{medians}; {extremes}"


def _shortened(cruxes: Sequence[CruxSummary], stances: int = STANCES_SHOWN) -> bool:
    """Whether :func:`crux_block` leaves out anything of these cruxes (a text's end, credences, claims)."""

    def longer(value: str | None, limit: int) -> bool:
        return value is not None and len(" ".join(value.split())) > limit

    return any(
        longer(crux.question, QUOTE)
        or longer(crux.resolution, SHORT)
        or len(crux.stances) > stances
        or any(stance.moved and longer(stance.reason, SHORT) for stance in crux.stances)
        or len(crux.claims) > 1
        or any(longer(claim.text, SHORT) for claim in crux.claims)
        for crux in cruxes
    )


def _quote(value: str, limit: int) -> str:
    return as_typed(one_line(value, limit))


def _stance_line(stance: Stance, user: UserLabel, limit: int) -> str:
    side = f" ({as_typed(stance.side)})" if stance.side else " (no side)"
    movement = f"{stance.first} → {stance.latest}" if stance.moved else f"{stance.latest}"
    why = f" — “{_quote(stance.reason, limit)}”" if stance.reason and stance.moved else ""
    return f"• {user(stance.user_id)}{side}: **{movement}**{why}"


def _changes_line(changes: Changes) -> str:
    if not changes:
        return "Nothing new since the last summary."
    parts = [plural(n, kind.value) for kind, n in changes.claims.items() if n]
    parts += [plural(changes.cruxes, "new crux", "new cruxes")] if changes.cruxes else []
    parts += [plural(changes.credences, "credence")] if changes.credences else []
    parts += [f"{changes.resolved} resolved"] if changes.resolved else []
    return "Since the last summary: " + ", ".join(parts) + "."


EXPORT_HINT = "`/debate export format:markdown`"


# The debate summary --------------------------------------------------------------------------------------------


def summary_head(
    summary: DebateSummary,
    user: UserLabel,
    groups: Found | None = None,
    moved: int | None = None,
    bridged: Bridging | None = None,
    brief: bool = False,
) -> list[str]:
    """The first page's top: the heading with the counts, what changed and whether opinion groups stand out, then
    (when there is any) who moved — on at most ``moved`` cruxes — and the common ground and what divides (by the
    bridging model, ``bridged``; without it, where the sides agree), in a few lines each (``brief``: the common ground
    and what divides in one line each, the opinion groups not named)."""
    cruxes = (
        f"{plural(summary.unresolved_total, 'unresolved crux', 'unresolved cruxes')}, {summary.resolved_total} resolved"
    )
    records = ", ".join(plural(summary.counts.get(kind, 0), kind.value) for kind in ClaimKind)
    closed = " (closed)" if summary.closed else ""
    heading = [
        f"**Debate #{summary.number}: {_quote(summary.topic, 100)}**{closed}",
        f"{cruxes} · {records} · {plural(summary.participants, 'participant')}",
    ]
    if summary.changes is not None:
        heading.append(_changes_line(summary.changes))
    if line := summary_line(groups, named=not brief):
        heading.append(line)
    blocks = ["\n".join(heading)]
    if summary.moved:
        blocks.append(_moved(summary, user, moved))
    if bridged is not None:
        blocks.extend(common_ground_blocks(bridged, brief))
    elif summary.agreements is not None and summary.agreements.total:
        blocks.append(_agreed(summary.agreements))
    return blocks


def _moved(summary: DebateSummary, user: UserLabel, cruxes: int | None = None) -> str:
    """The cruxes that moved most (at most ``cruxes`` of them), each with at most :data:`MOVED_SHOWN` of its moves and
    how many more."""
    since = "since the last summary" if summary.changes is not None else "since the debate began"
    shown = summary.moved[:cruxes]
    left = len(summary.moved) - len(shown)
    more = f"; {plural(left, 'more crux', 'more cruxes')}" if left else ""
    lines = [f"**Who moved** ({since}{more})"]
    for crux in shown:
        moves = ", ".join(f"{user(move.user_id)} {move.before}→**{move.latest}**" for move in crux.moves[:MOVED_SHOWN])
        more = f" (+{len(crux.moves) - MOVED_SHOWN})" if len(crux.moves) > MOVED_SHOWN else ""
        lines.append(f"• Crux #{crux.number} (moved {crux.total}): {moves}{more}")
    return "\n".join(lines)


def _agreed(found: Agreements) -> str:
    """The strongest common ground, in a line: which cruxes every side thinks likely, which unlikely."""
    ways = {True: "likely", False: "unlikely"}
    parts = [
        f"all sides think {ways[yes]} " + ", ".join(f"#{crux.number}" for crux in cruxes)
        for yes in (True, False)
        if (cruxes := [crux for crux in found.strongest if crux.agreement.yes is yes])
    ]
    return f"**Where the sides agree** ({plural(found.total, 'crux', 'cruxes')}): " + "; ".join(parts)


def summary_items(
    unresolved: Sequence[CruxSummary],
    resolved: Sequence[CruxSummary],
    resolved_total: int,
    user: UserLabel,
    stances: int = STANCES_SHOWN,
) -> list[str]:
    """The cruxes a summary pages through: the unresolved in order, then the latest resolved (the first marked);
    each lists at most ``stances`` credences (see :func:`crux_block`)."""
    items = [crux_block(crux, user, stances) for crux in unresolved]
    for index, crux in enumerate(resolved):
        block = crux_block(crux, user, stances)
        items.append(f"**Resolved ({resolved_total})**\n{block}" if index == 0 else block)
    return items


WHOLE_RECORD = f"The whole record, every text in full: {EXPORT_HINT}."


def _summary_more(total: int, shown: int) -> str:
    """The first page's last lines: how many more cruxes there are and where to read them."""
    left = total - shown
    them = "it" if left == 1 else "them"
    more = f"…and {plural(left, 'more crux', 'more cruxes')}: **Next ▶** shows {them}, `/crux list` lists {them}."
    return f"{more}\n{WHOLE_RECORD}" if shown < total else WHOLE_RECORD


def summary_first_page(
    summary: DebateSummary, user: UserLabel, groups: Found | None = None, bridged: Bridging | None = None
) -> Page:
    """The summary's first page (posted for everyone): heading, what changed, who moved, common ground and what
    divides (``bridged``; without it, where the sides agree), the cruxes that fit (at least :data:`FIRST_CRUXES`) and
    how many more there are. When its first cruxes listed in full would not fit one phone screen, each of them shows
    each side's median and the extremes instead, then, if need be, who moved is told of the crux that moved most only,
    and then the common ground and what divides take a line each and the opinion groups are counted, not named."""
    total = summary.unresolved_total + summary.resolved_total
    tail = [_summary_more(total, 0)]
    for stances, moved, brief in ((STANCES_SHOWN, None, False), (0, None, False), (0, 1, False), (0, 1, True)):
        head = summary_head(summary, user, groups, moved, bridged, brief)
        items = summary_items(summary.unresolved, summary.resolved, summary.resolved_total, user, stances)
        end = _forward(head, items, 0, tail, FIRST_CRUXES)
        if _fits([*head, *items[:end], *tail], PAGE_LINES):
            break
    if not items:
        head = [*head, "No unresolved cruxes. Name one with /crux add: what would change your mind?"]
    shown = [*summary.unresolved, *summary.resolved][:end]
    more = _summary_more(total, end) if end < total or _shortened(shown, stances) else None
    blocks = [*head, *items[:end], *([more] if more else [])]
    return Page("\n\n".join(blocks), 0, end, total, None, end if end < total else None)


def summary_page(session: Session, debate: Debate, start: int, user: UserLabel) -> Page:
    """The summary's cruxes from position ``start`` (after the first page), recomputed from the record: every
    unresolved crux in the summary's order, then the latest resolved."""
    summary = summarize(session, debate, cruxes=None, resolved=None)
    items = summary_items(summary.unresolved, summary.resolved, summary.resolved_total, user)
    return page_of(items or ["No cruxes left to show: the record changed since this summary."], start)


# The agenda summary and /crux list -----------------------------------------------------------------------------


def agenda_items(summary: AgendaSummary, user: UserLabel) -> list[str]:
    """An agenda's cruxes, debate by debate, each block naming its debate."""
    items = []
    for debate in summary.debates:
        closed = " (closed)" if debate.closed else ""
        name = f"__Debate #{debate.number}: {_quote(debate.topic, SHORT)}__{closed}"
        for crux in debate.unresolved:
            items.append(f"{name}\n{crux_block(crux, user)}")
        if debate.more_unresolved:
            more = plural(debate.more_unresolved, "more unresolved crux", "more unresolved cruxes")
            items.append(f"{name}\n…and {more}: `/crux list` in its thread lists them all.")
    return items


def agenda_head(summary: AgendaSummary) -> str:
    live = [debate for debate in summary.debates if debate.unresolved_total]
    open_cruxes = sum(debate.unresolved_total for debate in summary.debates)
    head = (
        f"**Agenda: {_quote(summary.name, QUOTE)}**\n"
        f"{plural(open_cruxes, 'unresolved crux', 'unresolved cruxes')} in {plural(len(live), 'debate')} "
        f"(of {len(summary.debates)})"
    )
    note = left_out_note(summary.hidden)
    return f"{head}\n*{note}*" if note else head


def agenda_page(summary: AgendaSummary, start: int, user: UserLabel, bridged: Bridging | None = None) -> Page:
    """A page of the agenda's summary: the first has its heading (with, when ``bridged`` is given, the common ground
    and what divides across the agenda's debates, a line each); an agenda with nothing open says so."""
    items = agenda_items(summary, user) or ["No unresolved cruxes in this agenda's debates."]
    if _shortened([crux for debate in summary.debates for crux in debate.unresolved]):
        items.append(f"Every text in full: {EXPORT_HINT} in the debate's thread.")
    across = common_ground_blocks(bridged, brief=True) if bridged is not None else []
    head = ["\n".join([agenda_head(summary), *across])] if start == 0 else []
    return page_of(items, start, head=head, more="…more on the next page: **Next ▶**.")


def agenda_page_at(
    session: Session, guild_id: int, agenda_id: int, start: int, user: UserLabel, audience: Audience
) -> Page:
    """:func:`agenda_page` recomputed from the record (a button's press), of an agenda of this server, with the
    debates ``audience`` may see."""
    return agenda_page(summarize_agenda(session, guild_id, agenda_id, audience), start, user)


def crux_list_page(session: Session, debate: Debate, status: CruxListStatus, start: int, user: UserLabel) -> Page:
    """A page of ``/crux list``: every crux with that status, each with everyone's latest credence."""
    listed = crux_list(session, debate, status)
    items = [crux_block(crux, user, stances=None) for crux in listed] or [f"No {status} cruxes in this debate."]
    return page_of(items, start)
