"""The argument map: what the graph says (DOT source), the PNG it renders to, and Graphviz being absent."""

from __future__ import annotations

import importlib.util
import random
import re
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.argmap import (
    MAX_LINES,
    MAX_PIXELS,
    PALETTE,
    REBUTS,
    SUPPORTS,
    WITHDRAWN,
    WRAP,
    MapUnavailable,
    map_source,
    png_size,
    render_map,
)
from bot.core.exports import (
    SCHEMA_VERSION,
    ClaimExport,
    CredenceExport,
    CruxExport,
    DebateExport,
    DebateInfo,
    ParticipantExport,
    RevisionExport,
)
from schema import ClaimKind, ClaimStatus, CruxStatus, DebateFormat, DebateStatus
from tests.programs import needs_dot

HAS_WRAPPER = importlib.util.find_spec("graphviz") is not None
needs_wrapper = pytest.mark.skipif(not HAS_WRAPPER, reason="the graphviz Python package is not installed")
AT = datetime(2025, 1, 1, tzinfo=UTC)
SIDES = ["interpretability", "governance"]
WORDS = [
    "circuits",
    "features",
    "policy",
    "compute",
    "labs",
    "regulation",
    "audits",
    "evals",
    "scaling",
    "transfer",
    "superposition",
]


def claim(
    number: int, text: str, side: int, answers: int | None = None, kind: ClaimKind = ClaimKind.CLAIM
) -> ClaimExport:
    return ClaimExport(
        number=number,
        kind=kind,
        answers=answers,
        side=SIDES[side],
        author_id=10 + side,
        logged_by_id=10 + side,
        text=text,
        revisions=[],
        status=ClaimStatus.STANDING,
        source_url=None,
        created_at=AT,
    )


def crux(number: int, question: str, claims: list[int], resolution: str | None = None) -> CruxExport:
    return CruxExport(
        number=number,
        question=question,
        author_id=10,
        created_at=AT,
        status=CruxStatus.RESOLVED if resolution else CruxStatus.OPEN,
        resolution=resolution,
        resolved_by_id=10 if resolution else None,
        resolved_at=AT if resolution else None,
        claims=claims,
        credences=[CredenceExport(user_id=10, value=40, reason=None, at=AT)],
    )


def export_of(claims: list[ClaimExport], cruxes: list[CruxExport]) -> DebateExport:
    return DebateExport(
        schema_version=SCHEMA_VERSION,
        users=[],
        debate=DebateInfo(
            number=1,
            topic="Interpretability or governance?",
            agenda=None,
            sides=SIDES,
            format=DebateFormat.OPEN,
            status=DebateStatus.OPEN,
            creator_id=10,
            created_at=AT,
            ended_at=None,
        ),
        participants=[ParticipantExport(user_id=10, side=SIDES[0]), ParticipantExport(user_id=11, side=SIDES[1])],
        claims=claims,
        cruxes=cruxes,
    )


def small() -> DebateExport:
    long = "A claim long enough to need wrapping, " * 8
    claims = [
        claim(1, "Interp tools will <generalise> & scale", 0),
        claim(2, "They never have", 1, 1, ClaimKind.REBUTTAL),
        claim(3, "Probing works", 0, 1, ClaimKind.SUPPORT),
        claim(4, long, 1),
        claim(5, "Withdrawn one", 0, 4, ClaimKind.REBUTTAL).model_copy(update={"status": ClaimStatus.WITHDRAWN}),
    ]
    return export_of(claims, [crux(1, "Do circuits transfer?", [1, 4]), crux(2, "Settled?", [], "Yes")])


def large(n: int = 50) -> DebateExport:
    rng = random.Random(7)
    claims: list[ClaimExport] = []
    for number in range(1, n + 1):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 40)))
        if number == 1 or rng.random() < 0.3:
            claims.append(claim(number, text, rng.randrange(2)))
        else:
            kind = ClaimKind.REBUTTAL if rng.random() < 0.65 else ClaimKind.SUPPORT
            claims.append(claim(number, text, rng.randrange(2), rng.randrange(1, number), kind))
    cruxes = [
        crux(i, f"Question {i}: " + " ".join(rng.sample(WORDS, 8)) + "?", [rng.randrange(1, n + 1)]) for i in (1, 2, 3)
    ]
    return export_of(claims, cruxes)


def attributes(source: str, statement: str) -> str:
    """The attribute list of a node or edge statement in DOT source (``c1`` or ``c1 -> c2``)."""
    match = re.search(rf"^\s*{re.escape(statement)} \[(.*?)\]$", source, re.MULTILINE | re.DOTALL)
    assert match, f"{statement} not in the graph"
    return match.group(1)


@needs_wrapper
def test_the_graph_encodes_sides_relations_cruxes_and_withdrawal() -> None:
    source = map_source(small())
    # replies point at what they answer: rebuttals red solid, supports green dashed
    rebuttal, support = attributes(source, "c1 -> c2"), attributes(source, "c1 -> c3")
    assert f'color="{REBUTS}"' in rebuttal and "style=solid" in rebuttal and "dir=back" in rebuttal
    assert f'color="{SUPPORTS}"' in support and "style=dashed" in support and "dir=back" in support
    # boxes filled by side
    assert f'fillcolor="{PALETTE[0][0]}"' in attributes(source, "c1")
    assert f'fillcolor="{PALETTE[1][0]}"' in attributes(source, "c2")
    # withdrawn: faded
    faded = attributes(source, "c5")
    assert f'fontcolor="{WITHDRAWN[2]}"' in faded and "dashed" in faded and "withdrawn" in faded
    # cruxes: another shape, dotted links to their claims; resolved ones doubled
    assert "shape=hexagon" in attributes(source, "x1") and "peripheries=1" in attributes(source, "x1")
    assert "peripheries=2" in attributes(source, "x2")
    assert "style=dotted" in attributes(source, "x1 -> c1") and "style=dotted" in attributes(source, "x1 -> c4")
    # text is escaped for Graphviz's HTML labels, and long text shortened
    assert "Interp tools will &lt;generalise&gt; &amp; scale" in attributes(source, "c1")
    lines = re.findall(r"([^>]*)<BR ALIGN=\"LEFT\"/>", attributes(source, "c4"))[1:]
    assert len(lines) == MAX_LINES and all(len(line) <= WRAP for line in lines) and lines[-1].endswith("…")
    # the legend names the sides
    assert all(side in attributes(source, "legend") for side in SIDES)


@needs_wrapper
def test_an_edited_claim_is_labelled_edited() -> None:
    earlier = RevisionExport(text="First words", replaced_at=AT, replaced_by_id=10)
    edited = claim(1, "Second words", 0).model_copy(update={"revisions": [earlier]})
    source = map_source(export_of([edited, claim(2, "Never edited", 1)], []))
    assert "#1 · interpretability (edited)" in attributes(source, "c1")
    assert "(edited)" not in attributes(source, "c2") and "First words" not in source


def test_png_size_reads_the_header() -> None:
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 640, 480, 8, 6, 0, 0, 0)
    assert png_size(header + struct.pack(">I", zlib.crc32(header[12:]))) == (640, 480)
    with pytest.raises(ValueError):
        png_size(b"GIF89a" + bytes(30))
    with pytest.raises(ValueError):
        png_size(b"\x89PNG")


def _check_png(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and data.endswith(b"IEND\xaeB`\x82")
    length = struct.unpack(">I", data[8:12])[0]
    assert zlib.crc32(data[12 : 16 + length]) == struct.unpack(">I", data[16 + length : 20 + length])[0]
    return png_size(data)


@needs_dot
def test_a_small_debate_renders_to_a_png() -> None:
    width, height = _check_png(render_map(small()))
    assert 600 <= width <= 2500 and 250 <= height <= 1500


@needs_dot
def test_fifty_claims_render_legibly_within_the_size_cap() -> None:
    data = render_map(large(50))
    width, height = _check_png(data)
    # Graphviz shrinks a drawing larger than the cap until one side touches it: this one needed no shrinking,
    # so its 11-point text is drawn at full size (96 dpi)
    assert 1200 <= width < MAX_PIXELS - 50 and 1200 <= height < MAX_PIXELS - 50
    assert len(data) < 3_000_000


def test_without_dot_the_map_is_unavailable_with_install_instructions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MapUnavailable) as raised:
        render_map(small())
    assert "apt-get install graphviz" in str(raised.value) and "brew install graphviz" in str(raised.value)
