"""The one rule for user text (``bot/core/text.py``): what is refused, removed, kept, and how it is shown."""

from __future__ import annotations

import pytest

from bot.core import text as t
from bot.core.errors import InvalidInput

BLANK_LOOKING = ["\u034f", "\ufe0e\ufe0f", "\u3164", "\u2800", "\u034f\ufe0e\ufe0f\u3164\u2800", "\u00ad\u200b\u2060"]


@pytest.mark.parametrize("value", BLANK_LOOKING, ids=lambda value: "+".join(f"U+{ord(c):04X}" for c in value))
def test_text_of_only_invisible_or_blank_looking_characters_is_empty(value: str) -> None:
    with pytest.raises(InvalidInput, match="The claim is empty"):
        t.clean_text(f" {value}\n{value} ", "The claim", t.CLAIM_MAX)


@pytest.mark.parametrize("character", ["\uffff", "\ufffe", "\ufdd0", "\U0010ffff", "\ud800", "\udfff"])
def test_surrogates_and_noncharacters_are_refused_by_name(character: str) -> None:
    with pytest.raises(InvalidInput, match=f"contains U\\+{ord(character):04X}, which is not a character"):
        t.clean_text(f"a{character}b", "The claim", t.CLAIM_MAX)


def test_invisible_characters_are_removed_but_joiners_inside_emoji_and_words_are_kept() -> None:
    family, heart = "👩\u200d👩\u200d👧", "❤\ufe0f"
    scotland = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    persian = "می\u200cخواهم"
    text = f"\u200d\ufe0f{family} {heart}\u200b {scotland} {persian}\u00ad\x07\u202e!"
    assert t.clean_text(text, "The claim", t.CLAIM_MAX) == f"{family} {heart} {scotland} {persian}!"


def test_multi_line_text_keeps_its_lines_and_single_line_text_is_one_line() -> None:
    assert t.clean_text("a\r\nb\rc\n\td\x0b", "The claim", 100) == "a\nb\nc\n\td"
    assert t.clean_text(" A\n  topic\tof\u2028 mine ", "The topic", 100, multiline=False) == "A topic of mine"


def test_private_use_characters_are_text() -> None:
    assert t.clean_text("logo \uf8ff", "The claim", 100) == "logo \uf8ff"


def test_stored_text_is_made_displayable_whatever_it_holds() -> None:
    assert t.displayable("a\uffff\x01b\ud800\u200b c\ufffe") == "ab c"


@pytest.mark.parametrize(
    "markup",
    ["<@&123>", "<@!42>", "<#123>", "</debate start:123>", "<t:1700000000:R>", "<:blob:123>", "<a:blob:123>"],
)
def test_as_typed_neutralises_every_kind_of_discord_mention_and_markup(markup: str) -> None:
    shown = t.as_typed(f"{markup} **b** [l](http://x) -# small")
    assert shown.startswith("\\<") and f"{markup[1:-1]}\\>" in shown
    assert shown.endswith("\\*\\*b\\*\\* \\[l\\](http://x) -# small")
    assert t.as_typed("-# small\n1. one\n## two") == "\\-# small\n1\\. one\n\\## two"


@pytest.mark.parametrize(
    "url",
    ["https://example.com/<@&1>", "https://example.com/a>b", 'https://example.com/"x"', "https://example.com/{a}|b"],
)
def test_a_source_link_with_characters_a_web_address_cannot_hold_is_refused(url: str) -> None:
    with pytest.raises(InvalidInput, match="must be a web address"):
        t.optional_url(url, "The source link", t.URL_MAX)


def test_a_source_link_keeps_what_web_addresses_hold() -> None:
    url = "https://example.org/wiki/Crux_(debate)?q=a%20b&x=[1]#résumé"
    assert t.optional_url(f"  {url} ", "The source link", t.URL_MAX) == url


@pytest.mark.parametrize(("value", "limit"), [("*" * 4000, 4096), ("_" * 1000, 1024), ("a*b" * 400, 1000), ("ok", 2)])
def test_text_shown_within_a_limit_fits_it_and_is_cut_between_characters(value: str, limit: int) -> None:
    shown = t.as_typed_within(value, limit)
    assert len(shown) <= limit
    if len(t.as_typed(value)) <= limit:
        assert shown == t.as_typed(value)
    else:
        kept = shown.removesuffix("…")
        assert shown.endswith("…") and t.as_typed(value).startswith(kept) and not kept.endswith("\\")
