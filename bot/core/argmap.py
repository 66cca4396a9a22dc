"""The argument map: a debate export drawn as a PNG with Graphviz.

Claims are boxes filled in their side's colour (a legend names the sides); a rebuttal is a red solid arrow and a
support a green dashed arrow, each pointing at the claim it answers; cruxes are yellow hexagons joined by dotted
lines to the claims they bear on; withdrawn claims are faded. The graph runs left to right (a claim, then its
answers), which keeps a debate of fifty claims legible; the image never exceeds :data:`MAX_PIXELS` a side.

Drawing needs the ``graphviz`` Python package and Graphviz's ``dot`` program; without them :func:`render_map` raises
:class:`MapUnavailable`. ``dot`` runs as a subprocess and blocks: call :func:`render_map` in a worker thread
(``asyncio.to_thread``) from async code.
"""

from __future__ import annotations

import html
import struct
import textwrap
from typing import Any

from bot.core.claims import EDITED
from bot.core.errors import DomainError
from bot.core.exports import ClaimExport, CruxExport, DebateExport
from schema import ClaimKind, ClaimStatus, CruxStatus

WRAP = 40
MAX_LINES = 4
DPI = 96
MAX_PIXELS = 4000
FONT = "Helvetica,Arial,sans-serif"

# (fill, border) per side position: light fills, saturated borders; no red or green, which the arrows use.
PALETTE = (
    ("#dbe9f6", "#1f5fa8"),
    ("#fde3c8", "#c96a00"),
    ("#e8dcf5", "#6a3fb0"),
    ("#d3f0ee", "#00796b"),
    ("#fff2b3", "#9a7d00"),
    ("#f9d9e7", "#b0306a"),
)
NO_SIDE = ("#ffffff", "#616161")
WITHDRAWN = ("#f4f4f4", "#b0b0b0", "#8a8a8a")  # fill, border, text
REBUTS = "#d62728"
SUPPORTS = "#2a9d3a"
CRUX = ("#fff8d6", "#8a6d00")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class MapUnavailable(DomainError):
    """The map cannot be drawn here: Graphviz is not installed."""


_INSTALL_HINT = (
    "Drawing the argument map needs Graphviz: install it with `apt-get install graphviz` (Debian/Ubuntu) "
    "or `brew install graphviz` (macOS). Meanwhile /debate export gives the record as Markdown, JSON or Argdown."
)


def render_map(export: DebateExport) -> bytes:
    """The debate's argument map as PNG bytes; :class:`MapUnavailable` if Graphviz is missing."""
    graphviz = _graphviz()
    try:
        data: bytes = _graph(export).pipe(format="png")
    except graphviz.ExecutableNotFound as error:
        raise MapUnavailable(_INSTALL_HINT) from error
    return data


def map_source(export: DebateExport) -> str:
    """The map in Graphviz's DOT language (needs the ``graphviz`` Python package, not the ``dot`` program)."""
    source: str = _graph(export).source
    return source


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError as error:  # the Python wrapper is missing
        raise MapUnavailable(_INSTALL_HINT) from error
    return graphviz


def _graph(export: DebateExport) -> Any:
    graph = _graphviz().Digraph("debate", engine="dot", format="png")
    graph.attr(
        "graph",
        rankdir="LR",
        ranksep="0.45",
        nodesep="0.15",
        dpi=str(DPI),
        size=f"{MAX_PIXELS / DPI:.2f},{MAX_PIXELS / DPI:.2f}",
        fontname=FONT,
        fontsize="18",
        labelloc="t",
        labeljust="l",
        label=_html(f"Debate #{export.debate.number}: {_shorten(export.debate.topic, 100)}", bold=True),
        bgcolor="white",
        pad="0.3",
    )
    graph.attr("node", fontname=FONT, fontsize="11", shape="box", style="rounded,filled", margin="0.12,0.06")
    graph.attr("edge", arrowsize="0.8", penwidth="1.5", fontname=FONT)
    for claim in export.claims:
        graph.node(f"c{claim.number}", **_claim_node(export, claim))
    for claim in export.claims:
        if claim.answers is None:
            continue
        rebuts = claim.kind is ClaimKind.REBUTTAL
        # drawn parent → reply so the reply sits to the right; dir=back puts the arrowhead on the parent
        graph.edge(
            f"c{claim.answers}",
            f"c{claim.number}",
            dir="back",
            color=REBUTS if rebuts else SUPPORTS,
            style="solid" if rebuts else "dashed",
            arrowtail="normal" if rebuts else "empty",
        )
    for crux in export.cruxes:
        graph.node(f"x{crux.number}", **_crux_node(crux))
        for number in crux.claims:
            graph.edge(f"x{crux.number}", f"c{number}", style="dotted", color=CRUX[1], dir="none", penwidth="1.8")
    graph.node("legend", label=_legend(export), shape="box", style="rounded", color="#9e9e9e", fontsize="10")
    return graph


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels of a PNG, read from its IHDR chunk; ``ValueError`` if it is not a PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# Labels -------------------------------------------------------------------------------------------------------


def _shorten(value: str, limit: int) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _wrapped(value: str) -> list[str]:
    """``value`` wrapped to :data:`WRAP` characters a line, at most :data:`MAX_LINES` lines, "…" if cut."""
    lines = textwrap.wrap(" ".join(value.split()), WRAP) or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = _shorten(lines[-1], WRAP - 1).rstrip("…") + "…"
    return lines


def _html(text: str, *, bold: bool = False) -> str:
    """A Graphviz HTML-like label holding ``text`` literally."""
    body = html.escape(text)
    return f"<<B>{body}</B>>" if bold else f"<{body}>"


def _box_label(header: str, text: str, color: str) -> str:
    lines = "".join(f'{html.escape(line)}<BR ALIGN="LEFT"/>' for line in _wrapped(text))
    return f'<<FONT POINT-SIZE="9" COLOR="{color}"><B>{html.escape(header)}</B></FONT><BR ALIGN="LEFT"/>{lines}>'


def _colors(export: DebateExport, side: str | None) -> tuple[str, str]:
    position = export.side_position(side)
    return PALETTE[position % len(PALETTE)] if position is not None else NO_SIDE


def _claim_node(export: DebateExport, claim: ClaimExport) -> dict[str, Any]:
    fill, border = _colors(export, claim.side)
    kind = "" if claim.kind is ClaimKind.CLAIM else f" · {claim.kind.value}"
    edited = f" {EDITED}" if claim.revisions else ""
    header = f"#{claim.number} · {_shorten(claim.side or 'no side', 24)}{kind}{edited}"
    if claim.status is ClaimStatus.WITHDRAWN:
        fill, border, text = WITHDRAWN
        return {
            "label": _box_label(header + " · withdrawn", claim.text, text),
            "fillcolor": fill,
            "color": border,
            "fontcolor": text,
            "style": "rounded,filled,dashed",
        }
    return {"label": _box_label(header, claim.text, border), "fillcolor": fill, "color": border}


def _crux_node(crux: CruxExport) -> dict[str, Any]:
    resolved = crux.status is CruxStatus.RESOLVED
    header = f"Crux #{crux.number}" + (" · resolved" if resolved else "")
    text = crux.question + (f" → {crux.resolution}" if resolved and crux.resolution else "")
    return {
        "label": _box_label(header, text, CRUX[1]),
        "shape": "hexagon",
        "margin": "0.02,0.04",
        "style": "filled",
        "fillcolor": CRUX[0],
        "color": CRUX[1],
        "peripheries": "2" if resolved else "1",
    }


def _legend(export: DebateExport) -> str:
    """An HTML-like label: the sides' colours, the arrows, the crux shape and a withdrawn claim."""
    rows = [
        f'<TR><TD BGCOLOR="{fill}" COLOR="{border}" BORDER="1" WIDTH="24" HEIGHT="12"></TD>'
        f'<TD ALIGN="LEFT">{html.escape(_shorten(side, 30))}</TD></TR>'
        for side, (fill, border) in ((side, _colors(export, side)) for side in export.debate.sides)
    ]
    samples = (
        (REBUTS, "<B>←——</B>", "rebuts (solid red)"),
        (SUPPORTS, "<B>←- - -</B>", "supports (dashed green)"),
        (CRUX[1], "<B>· · · ·</B>", "crux (hexagon) bears on claim"),
        (WITHDRAWN[2], "#n", "withdrawn (faded, dashed)"),
    )
    rows += [
        f'<TR><TD><FONT COLOR="{color}">{sample}</FONT></TD><TD ALIGN="LEFT">{html.escape(text)}</TD></TR>'
        for color, sample, text in samples
    ]
    heading = '<TR><TD COLSPAN="2" ALIGN="LEFT"><B>Legend</B></TD></TR>'
    return f'<<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="1">{heading}{"".join(rows)}</TABLE>>'
