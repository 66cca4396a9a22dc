"""The summary in Markdown: a debate's (:func:`render_summary`), an agenda's (:func:`render_agenda_summary`), one
crux's (:func:`render_crux`). Blocks in reading order; callers page them (:func:`bot.core.text.pack`). User text is
escaped and put on one line, shortened to a quote limit."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.claims import EDITED
from bot.core.insights import Agreements
from bot.core.summary import QUOTE_MAX, AgendaSummary, Changes, CruxSummary, DebateSummary, Stance
from bot.core.text import UserLabel, as_typed, one_line, plural
from schema import ClaimKind


def render_crux(crux: CruxSummary, user: UserLabel, quote_limit: int | None = QUOTE_MAX) -> str:
    """One crux as a Markdown block: heading line, one line per participant, one per linked claim.

    User text is escaped and put on one line; ``quote_limit`` shortens it (with "…"), ``None`` keeps it whole.
    """
    short = min(quote_limit, 150) if quote_limit else None
    marker = " · **double crux**" if crux.is_double_crux else ""
    spread = f" · spread {crux.spread}" if len(crux.stances) > 1 else ""
    lines = [f"**Crux #{crux.number}**{marker}{spread}", f"> {_quote(crux.question, quote_limit)}"]
    if crux.resolution is not None:
        outcome = f" **{crux.outcome.value}**" if crux.outcome else ""
        lines.append(f"Resolved{outcome}: {_quote(crux.resolution, quote_limit)}")
    lines.extend(_stance_line(stance, user, short) for stance in crux.stances)
    if not crux.stances:
        lines.append("No credences yet.")
    lines.extend(
        f"↳ Claim #{claim.number} ({claim.state}){f' {EDITED}' if claim.edited else ''}: {_quote(claim.text, 150)}"
        for claim in crux.claims
    )
    return "\n".join(lines)


def _stance_line(stance: Stance, user: UserLabel, quote_limit: int | None) -> str:
    side = f" ({as_typed(stance.side)})" if stance.side else " (no side)"
    movement = f"{stance.first} → {stance.latest}" if stance.moved else f"{stance.latest}"
    why = f" — “{_quote(stance.reason, quote_limit)}”" if stance.reason and stance.moved else ""
    return f"• {user(stance.user_id)}{side}: **{movement}**{why}"


def _quote(value: str, limit: int | None) -> str:
    return as_typed(one_line(value, limit) if limit else " ".join(value.split()))


EXPORT_HINT = "`/debate export format:markdown`"


def render_summary(summary: DebateSummary, user: UserLabel, quote_limit: int | None = QUOTE_MAX) -> list[str]:
    """The summary as Markdown blocks, in reading order; callers pack them into messages.

    It shows the cruxes ``summary`` holds and says how many more there are and where to read them; when it leaves
    anything out (cruxes, or the end of a long text) it ends by pointing to the export, which has the whole record.
    """
    blocks = [_heading(summary)]
    if summary.moved:
        blocks.append(_moved_block(summary, user, quote_limit))
    if summary.agreements is not None and summary.agreements.total:
        blocks.append(_agreements_block(summary.agreements, quote_limit))
    blocks.extend(render_crux(crux, user, quote_limit) for crux in summary.unresolved)
    if summary.more_unresolved:
        more = plural(summary.more_unresolved, "more unresolved crux", "more unresolved cruxes")
        blocks.append(f"…and {more}, narrower disagreements: `/crux list` lists them all.")
    elif not summary.unresolved_total:
        blocks.append("No unresolved cruxes. Name one with /crux add: what would change your mind?")
    if summary.resolved_total:
        latest = f" · the {len(summary.resolved)} most recent" if summary.more_resolved and summary.resolved else ""
        blocks.append(f"**Resolved ({summary.resolved_total})**{latest}")
        blocks.extend(render_crux(crux, user, quote_limit) for crux in summary.resolved)
        if summary.more_resolved:
            more = plural(summary.more_resolved, "more resolved crux", "more resolved cruxes")
            blocks.append(f"…and {more}, resolved earlier: `/crux list status:resolved` lists them all.")
    shortened = _shortened((*summary.unresolved, *summary.resolved), quote_limit)
    if summary.more_unresolved or summary.more_resolved or shortened:
        blocks.append(f"The whole record, every text in full: {EXPORT_HINT}.")
    return blocks


def _moved_block(summary: DebateSummary, user: UserLabel, quote_limit: int | None) -> str:
    since = "since the last summary" if summary.changes is not None else "since the debate began"
    lines = [f"**Who moved** ({since})"]
    short = min(quote_limit, 150) if quote_limit else None
    for crux in summary.moved:
        lines.append(f"Crux #{crux.number} (moved {crux.total}): {_quote(crux.question, short)}")
        for move in crux.moves:
            why = f" — “{_quote(move.reason, short)}”" if move.reason else ""
            lines.append(f"• {user(move.user_id)}: {move.before} → **{move.latest}**{why}")
    return "\n".join(lines)


def _agreements_block(found: Agreements, quote_limit: int | None) -> str:
    short = min(quote_limit, 150) if quote_limit else None
    lines = [f"**Where the sides agree** ({plural(found.total, 'crux', 'cruxes')})"]
    for crux in found.strongest:
        way = "likely" if crux.agreement.yes else "unlikely"
        strength = f"strength {crux.agreement.strength:.2f}"
        lines.append(
            f"• Crux #{crux.number}: all {crux.agreement.sides} sides think it {way} ({strength}) — "
            f"{_quote(crux.question, short)}"
        )
    return "\n".join(lines)


def _shortened(cruxes: Iterable[CruxSummary], quote_limit: int | None) -> bool:
    """Whether :func:`render_crux` shortens any text of these cruxes."""

    def longer(value: str | None, limit: int | None) -> bool:
        return value is not None and limit is not None and len(" ".join(value.split())) > limit

    short = min(quote_limit, 150) if quote_limit else None
    return any(
        longer(crux.question, quote_limit)
        or longer(crux.resolution, quote_limit)
        or any(stance.moved and longer(stance.reason, short) for stance in crux.stances)
        or any(longer(claim.text, 150) for claim in crux.claims)
        for crux in cruxes
    )


def render_agenda_summary(summary: AgendaSummary, user: UserLabel, quote_limit: int | None = QUOTE_MAX) -> list[str]:
    """The agenda's unresolved cruxes as Markdown blocks, grouped by debate, each debate's in the order of
    :func:`summarize` (as many as its summary holds, and how many more)."""
    open_cruxes = sum(debate.unresolved_total for debate in summary.debates)
    live = [debate for debate in summary.debates if debate.unresolved_total]
    blocks = [
        f"**Agenda: {_quote(summary.name, quote_limit)}**\n"
        f"{plural(open_cruxes, 'unresolved crux', 'unresolved cruxes')} in {plural(len(live), 'debate')} "
        f"(of {len(summary.debates)})"
    ]
    for debate in live:
        closed = " (closed)" if debate.closed else ""
        blocks.append(f"__**Debate #{debate.number}: {_quote(debate.topic, quote_limit)}**__{closed}")
        blocks.extend(render_crux(crux, user, quote_limit) for crux in debate.unresolved)
        if debate.more_unresolved:
            more = plural(debate.more_unresolved, "more unresolved crux", "more unresolved cruxes")
            blocks.append(f"…and {more} in Debate #{debate.number}: `/crux list` in its thread lists them all.")
    if not live:
        blocks.append("No unresolved cruxes in this agenda's debates.")
    elif _shortened((crux for debate in live for crux in debate.unresolved), quote_limit):
        blocks.append(f"Every text in full: {EXPORT_HINT} in the debate's thread.")
    return blocks


def _heading(summary: DebateSummary) -> str:
    cruxes = (
        f"{plural(summary.unresolved_total, 'unresolved crux', 'unresolved cruxes')}, {summary.resolved_total} resolved"
    )
    records = ", ".join(plural(summary.counts.get(kind, 0), kind.value) for kind in ClaimKind)
    people = plural(summary.participants, "participant")
    closed = " (closed)" if summary.closed else ""
    heading = (
        f"**Debate #{summary.number}: {_quote(summary.topic, QUOTE_MAX)}**{closed}\n{cruxes} · {records} · {people}"
    )
    return heading if summary.changes is None else f"{heading}\n{_changes_line(summary.changes)}"


def _changes_line(changes: Changes) -> str:
    if not changes:
        return "Nothing new since the last summary."
    parts = [plural(n, kind.value) for kind, n in changes.claims.items() if n]
    parts += [plural(changes.cruxes, "new crux", "new cruxes")] if changes.cruxes else []
    parts += [plural(changes.credences, "credence")] if changes.credences else []
    parts += [f"{changes.resolved} resolved"] if changes.resolved else []
    return "Since the last summary: " + ", ".join(parts) + "."
