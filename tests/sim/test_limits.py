"""The local server refuses what Discord refuses in a message: the embed limits, and a Components V2 layout's own."""

from __future__ import annotations

from typing import Any

from sim.constants import ComponentType, MessageFlags
from sim.limits import check_message

V2 = MessageFlags.IS_COMPONENTS_V2


def _codes(payload: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    return [(error.path, error.code) for error in check_message(payload)]


def _text(content: str) -> dict[str, Any]:
    return {"type": ComponentType.TEXT_DISPLAY, "content": content}


def test_embeds_at_most_ten_and_six_thousand_characters_in_all() -> None:
    assert _codes({"embeds": [{"description": "x" * 600}] * 10}) == []
    assert _codes({"embeds": [{"description": "x"}] * 11}) == [(("embeds",), "BASE_TYPE_MAX_LENGTH")]
    assert _codes({"embeds": [{"description": "x" * 3001, "title": "t"}, {"description": "x" * 3000}]}) == [
        (("embeds",), "MAX_EMBED_SIZE_EXCEEDED")
    ]
    assert _codes({"embeds": [{"description": "x" * 4097}]}) == [(("embeds", 0, "description"), "BASE_TYPE_MAX_LENGTH")]


def test_a_components_v2_layout_has_no_content_or_embeds_forty_components_and_four_thousand_characters() -> None:
    container = {"type": ComponentType.CONTAINER, "components": [_text("x" * 1000)] * 4}
    assert _codes({"flags": V2, "components": [container]}) == []
    legacy = _codes({"flags": V2, "content": "hi", "embeds": [{"description": "x"}], "components": [container]})
    assert [path for path, _ in legacy] == [("content",), ("embeds",)]
    assert _codes({"flags": V2, "components": [{**container, "components": [_text("x" * 1001)] * 4}]}) == [
        (("components",), "BASE_TYPE_MAX_LENGTH")
    ]
    many = {"type": ComponentType.CONTAINER, "components": [_text("x")] * 40}  # 41 with the container
    assert _codes({"flags": V2, "components": [many]}) == [(("components",), "BASE_TYPE_MAX_LENGTH")]
    row = {"type": ComponentType.ACTION_ROW, "components": [{"type": ComponentType.BUTTON, "custom_id": "x" * 101}]}
    assert _codes({"flags": V2, "components": [row]}) == [
        (("components", 0, "components", 0, "custom_id"), "BASE_TYPE_BAD_LENGTH")
    ]
