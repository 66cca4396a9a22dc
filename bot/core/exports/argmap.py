"""The argument map: a debate export drawn with Graphviz, readable at hundreds of entries.

Claims are boxes filled in their side's colour, headed by their number, side and who said it (a transcript's speaker,
or a user whose name is known); a rebuttal is a red solid arrow and a support a green dashed arrow,
each pointing at the claim it answers; cruxes are yellow hexagons joined by dotted lines to the claims they bear on,
showing their spread, each side's latest credences and, for a double crux, a red border and the words DOUBLE CRUX;
withdrawn claims are faded. Each picture has a legend.

A large debate does not fit one readable picture, so the map is cut into pieces (:func:`plan`): each thread of
argument (a claim and its replies) is a piece, cut again past :data:`PIECE_CLAIMS` claims or :data:`PIECE_DEPTH`
levels of replies; a crux goes with the piece of the first claim it bears on. Pieces are ordered by their most
contested crux (double cruxes first, then the widest spread), so the first picture shows where the debate is
hottest, and packed into pictures of about :data:`PICTURE_BOXES` boxes. Where an arrow or a crux's line would leave
a picture, a small grey box names the claim or crux at the other end and the picture that has it. Within a picture
the pieces are laid out left to right and packed in columns, their number chosen from Graphviz's own layout so that
the picture's shape is close to :data:`ASPECT`. Beside the pictures, :func:`draw_map` gives the whole map as one
SVG, to zoom in a browser.

Drawing needs the ``graphviz`` Python package and Graphviz's ``dot`` program; without them :func:`draw_map` raises
:class:`MapUnavailable`. ``dot`` runs as a subprocess and blocks: call :func:`draw_map` in a worker thread
(``asyncio.to_thread``) from async code.
"""

from __future__ import annotations

import html
import json
import math
import struct
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.core.claims.arguments import EDITED
from bot.core.errors import DomainError
from bot.core.exports.record import ClaimExport, CruxExport, DebateExport
from schema import ClaimKind, ClaimStatus, CruxStatus

WRAP = 40
MAX_LINES = 4
DPI = 96
MAX_PIXELS = 4000
PICTURE_BOXES = 30
"""About how many claims and cruxes a picture holds (more when a debate would need over :data:`MAX_PICTURES`)."""
PIECE_CLAIMS = 20
"""A thread of argument with more claims is cut into several pieces."""
PIECE_DEPTH = 5
"""Replies deeper than this below a piece's first claim start a piece of their own (a long chain stays readable)."""
MAX_PICTURES = 9
"""Pictures at most: with the SVG, the 10 attachments of one Discord message."""
ASPECT = 1.5
"""The shape (width / height) a picture's pieces are packed toward."""
TEXT_PT, HEADER_PT, TITLE_PT = 11, 10, 16
"""Font sizes in points: at :data:`DPI` and full size, 10 pt is 13.3 px."""
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
DOUBLE_CRUX = "#c62828"
ELSEWHERE = "#757575"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class MapUnavailable(DomainError):
    """The map cannot be drawn here: Graphviz is not installed."""


_INSTALL_HINT = (
    "Drawing the argument map needs Graphviz: install it with `apt-get install graphviz` (Debian/Ubuntu) "
    "or `brew install graphviz` (macOS). Meanwhile /debate export gives the record as Markdown, JSON or Argdown."
)


@dataclass(frozen=True, slots=True)
class DrawnMap:
    """The map as PNG pictures (most contested first) and the whole of it as one SVG."""

    pictures: list[bytes]
    svg: bytes


@dataclass(frozen=True, slots=True)
class Layout:
    """What Graphviz's layout says of a picture: its size in pixels and its smallest text, at natural size."""

    width: float
    height: float
    smallest_text: float
    """The smallest font size drawn, in pixels: points × dpi / 72 × the scale applied to fit :data:`MAX_PIXELS`."""

    @property
    def aspect(self) -> float:
        """Width / height."""
        return self.width / self.height


@dataclass(slots=True)
class Piece:
    """Part of the map drawn together: a claim and (some of) its replies, and the cruxes that go with them."""

    claims: list[int] = field(default_factory=list)
    cruxes: list[int] = field(default_factory=list)
    rank: tuple[int, int] = (0, 0)

    @property
    def size(self) -> int:
        return len(self.claims) + len(self.cruxes)


def draw_map(export: DebateExport) -> DrawnMap:
    """The debate's map as pictures (PNG) and as one SVG; :class:`MapUnavailable` if Graphviz is missing."""
    return DrawnMap(draw_pictures(export), draw_svg(export))


def draw_pictures(export: DebateExport) -> list[bytes]:
    """The map's pictures as PNG, the most contested part first."""
    pictures = plan(export)
    where = _where(pictures)
    return [
        _pipe(_packed(export, picture, where, index, len(pictures)), "png") for index, picture in enumerate(pictures)
    ]


def draw_svg(export: DebateExport) -> bytes:
    """The whole map as one SVG, of any size."""
    pieces = [piece for picture in plan(export) for piece in picture]
    return _pipe(_packed(export, pieces, {}, 0, 1, capped=False), "svg")


def map_files(export: DebateExport, drawn: DrawnMap) -> list[tuple[str, bytes]]:
    """The map's attachments, named: ``debate-1.png`` (or ``debate-1-part-1.png`` … when there are several) and
    ``debate-1.svg``."""
    stem = f"debate-{export.debate.number}"
    if len(drawn.pictures) == 1:
        pictures = [(f"{stem}.png", drawn.pictures[0])]
    else:
        pictures = [(f"{stem}-part-{index}.png", data) for index, data in enumerate(drawn.pictures, start=1)]
    return [*pictures, (f"{stem}.svg", drawn.svg)]


def map_caption(export: DebateExport, drawn: DrawnMap) -> str:
    """What the map's message says about its pictures."""
    caption = f"Argument map of Debate #{export.debate.number}"
    if len(drawn.pictures) > 1:
        caption += f", in {len(drawn.pictures)} pictures: the most contested part first"
    return caption + ". The whole map is the SVG: open it in a browser to zoom."


def map_source(export: DebateExport) -> str:
    """The whole map in Graphviz's DOT language (needs the ``graphviz`` Python package, not the ``dot`` program)."""
    pieces = [piece for picture in plan(export) for piece in picture]
    source: str = _graph(export, pieces, {}, 0, 1, capped=False).source
    return source


def picture_sources(export: DebateExport) -> list[str]:
    """Each picture in DOT, packed as drawn (laying out each needs ``dot``)."""
    pictures = plan(export)
    where = _where(pictures)
    return [_packed(export, picture, where, index, len(pictures)).source for index, picture in enumerate(pictures)]


def layout_of(source: str) -> Layout:
    """Graphviz's layout of a DOT source: the picture's natural size and its smallest text, in pixels."""
    laid = json.loads(_pipe(_graphviz().Source(source), "json"))
    width, height = _box(laid)
    pad = 2 * float(laid.get("pad", "0.0555").split(",")[0]) * 72
    cap = MAX_PIXELS / DPI * 72 if "size" in laid else math.inf
    scale = min(1.0, cap / max(width, height))
    sizes = [op["size"] for op in _draw_ops(laid) if op.get("op") == "F"]
    pixels = DPI / 72 * scale
    return Layout((width + pad) * pixels, (height + pad) * pixels, min(sizes) * pixels)


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels of a PNG, read from its IHDR chunk; ``ValueError`` if it is not a PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# Planning -----------------------------------------------------------------------------------------------------


def plan(export: DebateExport, boxes: int = PICTURE_BOXES) -> list[list[Piece]]:
    """The map cut into pieces and packed into pictures, most contested first; at most :data:`MAX_PICTURES`
    (pictures grow past ``boxes`` when a debate needs it)."""
    pieces = sorted(_pieces(export), key=lambda piece: piece.rank)
    while True:
        pictures: list[list[Piece]] = []
        sizes: list[int] = []
        for piece in pieces:
            room = next((i for i, size in enumerate(sizes) if size + piece.size <= boxes), None)
            if room is None:
                pictures.append([piece])
                sizes.append(piece.size)
            else:
                pictures[room].append(piece)
                sizes[room] += piece.size
        if len(pictures) <= MAX_PICTURES:
            return pictures or [[]]
        boxes = math.ceil(boxes * 1.2)


def crux_order(export: DebateExport) -> list[CruxExport]:
    """Unresolved cruxes as the summary orders them (double cruxes, then the widest spread), then resolved ones."""
    return sorted(
        export.cruxes,
        key=lambda crux: (
            crux.status is CruxStatus.RESOLVED,
            not export.is_double_crux(crux),
            -export.spread(crux),
            crux.number,
        ),
    )


def _pieces(export: DebateExport) -> list[Piece]:
    replies = export.replies()
    known = {claim.number for claim in export.claims}
    pieces: list[Piece] = []
    for claim in export.claims:
        if claim.answers is None or claim.answers not in known:
            pieces += _cut(claim.number, replies)
    piece_of = {number: piece for piece in pieces for number in piece.claims}
    loose: list[Piece] = []
    rank = {crux.number: position for position, crux in enumerate(crux_order(export))}
    for crux in sorted(export.cruxes, key=lambda crux: rank[crux.number]):
        home = next((piece_of[number] for number in crux.claims if number in piece_of), None)
        if home is not None and home.size < PIECE_CLAIMS + 4:
            home.cruxes.append(crux.number)
        else:  # a crux bearing on no claim, or one of many on a piece: a piece of its own
            loose.append(Piece(cruxes=[crux.number]))
    for piece in pieces + loose:
        best = min((rank[number] for number in piece.cruxes), default=len(rank))
        piece.rank = (best, piece.claims[0] if piece.claims else 0)
    return pieces + loose


def _cut(root: int, replies: dict[int | None, list[ClaimExport]]) -> list[Piece]:
    """The thread of argument under ``root`` as pieces of at most :data:`PIECE_CLAIMS` claims and
    :data:`PIECE_DEPTH` levels, the first holding ``root``."""
    pieces: list[Piece] = []
    starts = [root]
    while starts:
        piece = Piece()
        stack = [(starts.pop(0), 0)]
        while stack:
            number, depth = stack.pop()
            if piece.claims and (depth >= PIECE_DEPTH or len(piece.claims) >= PIECE_CLAIMS):
                starts.append(number)
                continue
            piece.claims.append(number)
            stack += [(reply.number, depth + 1) for reply in reversed(replies.get(number, []))]
        pieces.append(piece)
    return pieces


def _where(pictures: list[list[Piece]]) -> dict[str, int]:
    """The picture (from 1) of each claim (``c<n>``) and crux (``x<n>``)."""
    where: dict[str, int] = {}
    for index, picture in enumerate(pictures, start=1):
        for piece in picture:
            where.update({f"c{number}": index for number in piece.claims})
            where.update({f"x{number}": index for number in piece.cruxes})
    return where


# Graphs -------------------------------------------------------------------------------------------------------


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError as error:  # the Python wrapper is missing
        raise MapUnavailable(_INSTALL_HINT) from error
    return graphviz


def _pipe(graph: Any, format: str) -> bytes:
    try:
        data: bytes = graph.pipe(format=format)
    except _graphviz().ExecutableNotFound as error:
        raise MapUnavailable(_INSTALL_HINT) from error
    return data


def _packed(
    export: DebateExport, picture: list[Piece], where: dict[str, int], index: int, total: int, *, capped: bool = True
) -> Any:
    """The picture's graph, its pieces packed in as many columns as bring its shape closest to :data:`ASPECT`."""
    graph = _graph(export, picture, where, index, total, capped=capped)
    if len(picture) < 2:
        return graph
    by_slot = _component_sizes(json.loads(_pipe(graph, "json")))
    columns = _columns([by_slot[f"{slot:04d}"] for slot in _slots(len(picture) + 1, 1)])
    return _graph(export, picture, where, index, total, capped=capped, columns=columns)


def _graph(
    export: DebateExport,
    picture: list[Piece],
    where: dict[str, int],
    index: int,
    total: int,
    *,
    capped: bool,
    columns: int = 1,
) -> Any:
    """The picture's graph: its pieces (and the legend, last) packed ``columns`` to a row, reading from the top."""
    graph = _graphviz().Digraph("debate", engine="dot")
    part = f" — picture {index + 1} of {total}" if total > 1 else ""
    graph.attr(
        "graph",
        rankdir="LR",
        ranksep="0.45",
        nodesep="0.15",
        dpi=str(DPI),
        fontname=FONT,
        fontsize=str(TITLE_PT),
        labelloc="t",
        labeljust="l",
        label=_html(f"Debate #{export.debate.number}: {_shorten(export.debate.topic, 100)}{part}", bold=True),
        bgcolor="white",
        pad="0.3",
        pack="24",
        packmode=f"array_cu{columns}",
    )
    if capped:
        graph.attr("graph", size=f"{MAX_PIXELS / DPI:.2f},{MAX_PIXELS / DPI:.2f}")
    graph.attr("node", fontname=FONT, fontsize=str(TEXT_PT), shape="box", style="rounded,filled", margin="0.12,0.06")
    graph.attr("edge", arrowsize="0.8", penwidth="1.5", fontname=FONT)
    claims = {claim.number: claim for claim in export.claims}
    cruxes = {crux.number: crux for crux in export.cruxes}
    slots = _slots(len(picture) + 1, columns)
    for slot, order in sorted((slot, order) for order, slot in enumerate(slots)):  # Graphviz packs in file order
        component = f"{slot:04d}"  # sortv: only to tell the components apart in the layout
        if order == len(picture):
            graph.node("legend", label=_legend(export), shape="box", style="rounded", color="#9e9e9e", sortv=component)
            continue
        drawn = set(picture[order].claims) if capped else set(claims)  # the whole map joins its pieces
        for kind, name, attributes in _piece_statements(export, picture[order], drawn, cruxes, where, index + 1):
            if kind == "node":
                graph.node(name, sortv=component, **attributes)
            else:
                graph.edge(*name.split(" "), **attributes)
    return graph


def _piece_statements(
    export: DebateExport,
    piece: Piece,
    drawn: set[int],
    cruxes: dict[int, CruxExport],
    where: dict[str, int],
    here: int,
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The piece's nodes and edges, with grey pointers where a line leads to a claim not ``drawn`` with it."""
    claims = {claim.number: claim for claim in export.claims}
    replies = export.replies()
    for number in piece.claims:
        claim = claims[number]
        yield "node", f"c{number}", _claim_node(export, claim)
        if claim.answers is None or claim.answers not in claims:
            continue
        parent = f"c{claim.answers}"
        if claim.answers not in drawn:
            parent = f"a{number}"
            yield "node", parent, _pointer(f"answers Claim #{claim.answers}", where.get(f"c{claim.answers}"), here)
        yield "edge", f"{parent} c{number}", _reply_edge(claim)
    for number in piece.claims:
        elsewhere = [reply.number for reply in replies.get(number, []) if reply.number not in drawn]
        if elsewhere:
            text = f"{len(elsewhere)} more " + ("reply" if len(elsewhere) == 1 else "replies")
            yield "node", f"r{number}", _pointer(text, where.get(f"c{elsewhere[0]}"), here)
            yield "edge", f"c{number} r{number}", {"style": "dotted", "color": ELSEWHERE, "dir": "none"}
    for number in piece.cruxes:
        crux = cruxes[number]
        yield "node", f"x{number}", _crux_node(export, crux)
        for claim_number in crux.claims:
            target = f"c{claim_number}"
            if claim_number not in drawn:
                target = f"l{number}_{claim_number}"
                yield "node", target, _pointer(f"Claim #{claim_number}", where.get(f"c{claim_number}"), here)
            yield "edge", f"x{number} {target}", _crux_edge()


def _reply_edge(claim: ClaimExport) -> dict[str, str]:
    rebuts = claim.kind is ClaimKind.REBUTTAL
    # drawn parent → reply so the reply sits to the right; dir=back puts the arrowhead on the parent
    return {
        "dir": "back",
        "color": REBUTS if rebuts else SUPPORTS,
        "style": "solid" if rebuts else "dashed",
        "arrowtail": "normal" if rebuts else "empty",
    }


def _crux_edge() -> dict[str, str]:
    return {"style": "dotted", "color": CRUX[1], "dir": "none", "penwidth": "1.8"}


def _pointer(text: str, picture: int | None, here: int) -> dict[str, str]:
    """A small grey box standing for something drawn in another picture."""
    there = f" (picture {picture})" if picture is not None else ""
    if picture == here:
        there = " (in this picture)"
    return {
        "label": _html(text + there),
        "fontsize": str(HEADER_PT),
        "fontcolor": ELSEWHERE,
        "color": ELSEWHERE,
        "style": "rounded,dashed",
        "margin": "0.06,0.03",
    }


# Packing ------------------------------------------------------------------------------------------------------


def _component_sizes(laid: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The (width, height) in points of each component of a laid-out graph, by its nodes' ``sortv``."""
    boxes: dict[str, list[float]] = {}
    for node in laid.get("objects", []):
        if "pos" not in node:
            continue
        x, y = (float(value) for value in node["pos"].split(","))
        half_w, half_h = float(node["width"]) * 36, float(node["height"]) * 36
        box = boxes.setdefault(node.get("sortv", ""), [math.inf, math.inf, -math.inf, -math.inf])
        box[:] = [min(box[0], x - half_w), min(box[1], y - half_h), max(box[2], x + half_w), max(box[3], y + half_h)]
    return {key: (box[2] - box[0], box[3] - box[1]) for key, box in boxes.items()}


def _rows(items: list[Any], columns: int) -> list[list[Any]]:
    """Items in rows of ``columns`` from the top, the first row holding the remainder (see :func:`_slots`)."""
    first = len(items) - columns * (math.ceil(len(items) / columns) - 1)
    return [items[:first]] + [items[i : i + columns] for i in range(first, len(items), columns)]


def _slots(count: int, columns: int) -> list[int]:
    """The place in the file of each of ``count`` components so that Graphviz's ``array_cu<columns>`` packing, which
    fills rows left to right from the *bottom* in a left-to-right graph, in file order, shows them in order from the
    top: the top row holds the remainder, so that every row below is full."""
    rows = _rows(list(range(count)), columns)
    slots = [0] * count
    for from_top, row in enumerate(rows):
        for column, item in enumerate(row):
            slots[item] = (len(rows) - 1 - from_top) * columns + column
    return slots


def _columns(sizes: list[tuple[float, float]], gap: float = 24) -> int:
    """How many columns to pack components of these sizes in (see :func:`_slots`) so that the whole is closest to
    :data:`ASPECT`."""

    def shape(columns: int) -> float:
        rows = _rows(sizes, columns)
        widths = [max((row[c][0] for row in rows if c < len(row)), default=0) for c in range(columns)]
        width = sum(widths) + gap * (columns - 1)
        height = sum(max(h for _, h in row) for row in rows) + gap * (len(rows) - 1)
        return abs(math.log(width / height / ASPECT))

    return min(range(1, len(sizes) + 1), key=shape)


def _box(laid: dict[str, Any]) -> tuple[float, float]:
    x0, y0, x1, y1 = (float(value) for value in laid["bb"].split(","))
    return x1 - x0, y1 - y0


def _draw_ops(laid: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for item in [laid, *laid.get("objects", []), *laid.get("edges", [])]:
        for key in ("_ldraw_", "_hldraw_", "_tldraw_", "_hdraw_", "_tdraw_"):
            yield from item.get(key, [])


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


def _box_label(header: str, text: str, color: str, extra: str = "") -> str:
    lines = "".join(f'{html.escape(line)}<BR ALIGN="LEFT"/>' for line in _wrapped(text))
    return f'<<FONT POINT-SIZE="{HEADER_PT}" COLOR="{color}"><B>{header}</B></FONT><BR ALIGN="LEFT"/>{lines}{extra}>'


def _colors(export: DebateExport, side: str | None) -> tuple[str, str]:
    position = export.side_position(side)
    return PALETTE[position % len(PALETTE)] if position is not None else NO_SIDE


def _claim_node(export: DebateExport, claim: ClaimExport) -> dict[str, Any]:
    fill, border = _colors(export, claim.side)
    kind = "" if claim.kind is ClaimKind.CLAIM else f" · {claim.kind.value}"
    edited = f" {EDITED}" if claim.revisions else ""
    who = export.said_by(claim.author_id, claim.speaker)
    by = f" · {_shorten(who, 24)}" if who else ""
    header = html.escape(f"#{claim.number} · {_shorten(claim.side or 'no side', 24)}{by}{kind}{edited}")
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


def _crux_node(export: DebateExport, crux: CruxExport) -> dict[str, Any]:
    resolved = crux.status is CruxStatus.RESOLVED
    double = not resolved and export.is_double_crux(crux)
    header = f"Crux #{crux.number}"
    if double:
        header += (
            f' · </B></FONT><FONT POINT-SIZE="{HEADER_PT}" COLOR="{DOUBLE_CRUX}"><B>DOUBLE CRUX</B></FONT>'
            f'<FONT POINT-SIZE="{HEADER_PT}" COLOR="{CRUX[1]}"><B>'
        )
    header += f" · spread {export.spread(crux)}" if crux.credences else " · no credences yet"
    if resolved:
        header += " · resolved"
    text = crux.question + (f" → {crux.resolution}" if resolved and crux.resolution else "")
    stances = "".join(f'{html.escape(line)}<BR ALIGN="LEFT"/>' for line in _stances(export, crux))
    extra = f'<FONT POINT-SIZE="{HEADER_PT}">{stances}</FONT>' if stances else ""  # Graphviz refuses an empty FONT
    return {
        "label": _box_label(header, text, CRUX[1], extra),
        "shape": "hexagon",
        "margin": "0.02,0.04",
        "style": "filled",
        "fillcolor": CRUX[0],
        "color": DOUBLE_CRUX if double else CRUX[1],
        "penwidth": "3" if double else "1",
        "peripheries": "2" if resolved else "1",
    }


def _stances(export: DebateExport, crux: CruxExport) -> list[str]:
    """One line per side: its participants' latest credences (the range and median past five)."""
    sides = {participant.user_id: participant.side for participant in export.participants}
    held: dict[str, list[int]] = defaultdict(list)
    for user_id, value in export.latest(crux).items():
        held[sides.get(user_id, "no side")].append(value)
    lines = []
    for side in [*export.debate.sides, "no side"]:
        values = sorted(held.get(side, []))
        if not values:
            continue
        if len(values) <= 5:
            shown = " ".join(map(str, values))
        else:
            shown = f"{values[0]}–{values[-1]}, median {values[len(values) // 2]}"
        lines.append(f"{_shorten(side, 24)} ({len(values)}): {shown}")
    return lines


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
        (DOUBLE_CRUX, "<B>DOUBLE</B>", "double crux (red border)"),
        (WITHDRAWN[2], "#n", "withdrawn (faded, dashed)"),
        (ELSEWHERE, "(picture n)", "grey box: drawn in picture n"),
    )
    rows += [
        f'<TR><TD><FONT COLOR="{color}">{sample}</FONT></TD><TD ALIGN="LEFT">{html.escape(text)}</TD></TR>'
        for color, sample, text in samples
    ]
    heading = '<TR><TD COLSPAN="2" ALIGN="LEFT"><B>Legend</B></TD></TR>'
    return f'<<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="1">{heading}{"".join(rows)}</TABLE>>'
