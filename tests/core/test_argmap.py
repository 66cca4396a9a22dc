"""The argument map: what the graph says (DOT source), how a large debate is cut into pictures, the size and text
height of each picture from Graphviz's own layout, the PNG and SVG it renders to, and Graphviz being absent."""

from __future__ import annotations

import importlib.util
import random
import re
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.exports.argmap import (
    DOUBLE_CRUX,
    MAX_LINES,
    MAX_PICTURES,
    MAX_PIXELS,
    PALETTE,
    REBUTS,
    SUPPORTS,
    WITHDRAWN,
    WRAP,
    MapUnavailable,
    draw_map,
    draw_pictures,
    layout_of,
    map_files,
    map_source,
    picture_sources,
    plan,
    png_size,
)
from bot.core.exports.record import (
    SCHEMA_VERSION,
    ClaimExport,
    CredenceExport,
    CruxExport,
    DebateExport,
    DebateInfo,
    MarkExport,
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
def test_a_small_debate_is_one_picture_and_an_svg() -> None:
    drawn = draw_map(small())
    (picture,) = drawn.pictures
    width, height = _check_png(picture)
    assert 600 <= width <= 2500 and 250 <= height <= 1500
    assert drawn.svg.startswith(b"<?xml") and b"<svg" in drawn.svg and b"Do circuits transfer?" in drawn.svg
    assert [name for name, _ in map_files(small(), drawn)] == ["debate-1.png", "debate-1.svg"]


@needs_dot
def test_a_crux_without_credences_is_drawn() -> None:
    unrated = crux(1, "Nobody rated this?", [1]).model_copy(update={"credences": []})
    (picture,) = draw_map(export_of([claim(1, "A claim", 0)], [unrated])).pictures
    assert min(_check_png(picture)) > 100


@needs_dot
def test_fifty_claims_render_legibly_within_the_size_cap() -> None:
    for data in draw_pictures(large(50)):
        width, height = _check_png(data)
        assert width < MAX_PIXELS and height < MAX_PIXELS and len(data) < 3_000_000


@needs_dot
@pytest.mark.parametrize("entries", [100, 300])
def test_a_large_debate_is_pictures_of_readable_shape_and_text(entries: int) -> None:
    """The issue's targets, from Graphviz's own layout: every picture within 1:3 either way, and its smallest text
    at least 12 px high at natural size (points × dpi / 72 × the scale applied to fit the cap)."""
    export = debate_of(entries)
    sources = picture_sources(export)
    pictures = draw_pictures(export)
    assert 2 <= len(pictures) <= MAX_PICTURES and len(sources) == len(pictures)
    for source, picture in zip(sources, pictures, strict=True):
        layout = layout_of(source)
        assert 1 / 3 <= layout.aspect <= 3, layout
        assert layout.smallest_text >= 12, layout
        width, height = _check_png(picture)  # the picture drawn is the one laid out
        assert abs(width - layout.width) <= 2 and abs(height - layout.height) <= 2, (width, height, layout)
    drawn = [f"c{claim.number}" for claim in export.claims] + [f"x{crux.number}" for crux in export.cruxes]
    assert all(re.search(rf"^\s*{name} \[", "\n".join(sources), re.MULTILINE) for name in drawn)  # nothing lost


@needs_dot
def test_the_first_picture_holds_the_most_contested_crux_and_pointers_name_the_other_pictures() -> None:
    export = debate_of(100)
    pictures = plan(export)
    top = min(
        (crux for crux in export.cruxes if crux.status is CruxStatus.OPEN),
        key=lambda crux: (not export.is_double_crux(crux), -export.spread(crux), crux.number),
    )
    assert top.number in pictures[0][0].cruxes
    assert sum(piece.size for picture in pictures for piece in picture) == 100
    sources = picture_sources(export)
    pointers = re.findall(r"\(picture (\d+)\)", "".join(sources))
    assert pointers and {int(number) for number in pointers} <= set(range(1, len(pictures) + 1))


@needs_wrapper
def test_a_crux_shows_its_spread_each_sides_credences_and_the_double_crux_marker() -> None:
    credences = [(10, 80), (12, 70), (11, 20)]
    doubled = crux(1, "Do circuits transfer?", [1]).model_copy(
        update={"credences": [CredenceExport(user_id=u, value=v, reason=None, at=AT) for u, v in credences]}
    )
    agreed = crux(2, "Is compute the bottleneck?", [1])
    export = export_of([claim(1, "Interp tools generalise", 0)], [doubled, agreed]).model_copy(
        update={"participants": [ParticipantExport(user_id=u, side=SIDES[u % 2]) for u in (10, 11, 12)]}
    )
    source = map_source(export)
    label = attributes(source, "x1")
    assert "DOUBLE CRUX" in label and "spread 60" in label and f'color="{DOUBLE_CRUX}"' in label
    assert "interpretability (2): 70 80" in label and "governance (1): 20" in label
    assert "DOUBLE CRUX" not in attributes(source, "x2") and "spread 0" in attributes(source, "x2")


def test_in_a_double_crux_debate_a_double_crux_needs_both_to_say_it_would_change_their_mind() -> None:
    credences = [CredenceExport(user_id=u, value=v, reason=None, at=AT) for u, v in ((10, 80), (11, 20))]
    base = export_of([], [crux(1, "Q?", []).model_copy(update={"credences": credences})])
    export = base.model_copy(
        update={
            "participants": [ParticipantExport(user_id=10, side=SIDES[0]), ParticipantExport(user_id=11, side=SIDES[1])]
        }
    )
    assert export.is_double_crux(export.cruxes[0])
    debate = export.debate.model_copy(update={"format": DebateFormat.DOUBLE_CRUX})
    marks = [MarkExport(user_id=10, changes_mind=True), MarkExport(user_id=11, changes_mind=False)]
    one = export.model_copy(update={"debate": debate})
    assert not one.is_double_crux(one.cruxes[0])
    marked = one.cruxes[0].model_copy(update={"marks": marks})
    assert not one.is_double_crux(marked)
    both = marked.model_copy(update={"marks": [marks[0], MarkExport(user_id=11, changes_mind=True)]})
    assert one.is_double_crux(both)


def test_without_dot_the_map_is_unavailable_with_install_instructions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MapUnavailable) as raised:
        draw_map(small())
    assert "apt-get install graphviz" in str(raised.value) and "brew install graphviz" in str(raised.value)


# A large debate ------------------------------------------------------------------------------------------------

TOPICS = (
    "interpretability",
    "compute governance",
    "evaluations",
    "export controls",
    "open weights",
    "scalable oversight",
    "lab self-regulation",
    "international treaties",
)
CLAIMS = (
    "Progress in {a} will matter more than {b} by 2030",
    "{a} has never slowed a frontier lab, unlike {b}",
    "Without {a}, {b} cannot be verified",
    "Funding {a} crowds out the talent {b} needs",
    "{a} and {b} fail together when labs race",
    "The evidence for {a} comes from small models only",
)


def debate_of(entries: int, participants: int = 20, seed: int = 7) -> DebateExport:
    """A debate of ``entries`` records (seven claims, rebuttals and supports for three cruxes), two sides of
    ``participants`` people, each giving a credence on most cruxes; a fifth of the cruxes split the sides."""
    rng = random.Random(seed)
    claim_count = round(entries * 0.7)
    claims: list[ClaimExport] = []
    for number in range(1, claim_count + 1):
        a, b = rng.sample(TOPICS, 2)
        text = rng.choice(CLAIMS).format(a=a, b=b) + rng.choice(("", ".", "; the record since 2019 shows it."))
        if number == 1 or rng.random() < 0.25:
            claims.append(claim(number, text, rng.randrange(2)))
        else:
            kind = ClaimKind.REBUTTAL if rng.random() < 0.65 else ClaimKind.SUPPORT
            claims.append(claim(number, text, rng.randrange(2), rng.randrange(max(1, number - 15), number), kind))
    users = range(100, 100 + participants)
    cruxes = []
    for number in range(1, entries - claim_count + 1):
        splits, leans_yes = rng.random() < 0.2, rng.random() < 0.5
        values = {
            user: (75 if (user % 2 == 0) == leans_yes else 30) if splits else (70 if leans_yes else 25)
            for user in users
            if rng.random() < 0.6
        }
        a, b = rng.sample(TOPICS, 2)
        question = f"Will {a} outweigh {b} within {rng.choice((3, 5, 10))} years?"
        linked = sorted(rng.sample(range(1, claim_count + 1), rng.choice((0, 1, 1, 1, 2))))
        cruxes.append(
            crux(number, question, linked, "Settled by the 2026 report" if rng.random() < 0.15 else None).model_copy(
                update={
                    "credences": [
                        CredenceExport(
                            user_id=user, value=min(100, max(0, value + rng.randint(-20, 20))), reason=None, at=AT
                        )
                        for user, value in values.items()
                    ]
                }
            )
        )
    return export_of(claims, cruxes).model_copy(
        update={"participants": [ParticipantExport(user_id=user, side=SIDES[user % 2]) for user in users]}
    )
