"""The one rule for the text users give, and how it is shown.

Every text a user gives (a topic, a side's or agenda's name, a claim, a question, a reason, a resolution, an outcome)
goes through :func:`clean_text` or :func:`optional_text` before it is stored; every stored text shown goes through
:func:`displayable` (the exports and the map) and, in Discord, :func:`as_typed`. The classes of characters come from
the Unicode properties of the ``regex`` library, not from a hand-written list:

- **Refused**: surrogates (``Cs``: not characters at all; no encoder stores them) and noncharacters
  (``Noncharacter_Code_Point``, such as U+FFFF: Graphviz and XML reject them). The user is told which one.
- **Removed**: control characters (``Cc``) except newlines and tabs in multi-line text, format characters (``Cf``)
  and every ``Default_Ignorable_Code_Point`` (zero-width spaces, the soft hyphen, U+034F, the Hangul fillers …) —
  except the joiners that build what is shown (``Join_Control``, ``Variation_Selector`` and the emoji tag characters
  among the default ignorables) right after a visible character: the ZWJ in 👩‍💻, the U+FE0F in ❤️, the ZWNJ of Persian
  words, the tags of 🏴󠁧󠁢󠁳󠁣󠁴󠁿. Single-line texts (topics, names) also have their whitespace collapsed to single spaces.
- **Blank**: a text with nothing left but whitespace, kept joiners and the Braille blank (U+2800, a symbol that
  draws nothing; no Unicode property says so) is empty.

Private-use (``Co``) characters and code points unassigned in the library's Unicode version (``Cn``) other than the
noncharacters are kept: they are valid text that newer fonts draw (a new emoji, say), and every output carries them.

Long texts made of blocks are cut into pages by :func:`pack`, never splitting a block that fits a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

import regex

from bot.core.errors import InvalidInput

UserLabel = Callable[[int], str]
"""How a user id is shown: a mention in Discord, a name in an export."""
TOPIC_MAX = 300
AGENDA_MAX = 100
SIDE_MAX = 50
CLAIM_MAX = 4000
QUESTION_MAX = 1000
REASON_MAX = 1000
RESOLUTION_MAX = 1000
URL_MAX = 500

_NOT_TEXT = regex.compile(r"[\p{Cs}\p{Noncharacter_Code_Point}]")
_JOINER = r"[\p{Default_Ignorable_Code_Point}&&[\p{Join_Control}\p{Variation_Selector}\p{Emoji_Component}]]"
_INVISIBLE = r"[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}--[\n\t]]"
_VISIBLE = r"[^\s\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}]"
_STRAY = regex.compile(rf"(?<!{_VISIBLE}{_JOINER}*){_JOINER}|[{_INVISIBLE}--{_JOINER}]", regex.V1)
"""An invisible character to remove: any but a joiner following a visible character (or a kept joiner)."""
_BLANK = regex.compile(rf"[\s\u2800{_JOINER}]*", regex.V1)
_LINE_BREAK = re.compile(r"\r\n?")

_DISCORD_MARKUP = re.compile(r"([\\*_~`|\[\]<>])")
_DISCORD_LINE_START = re.compile(r"^(\s*\d*)((?<=\d)[.)]|(?<!\d)[#>\-+])", re.MULTILINE)


def clean_text(value: str | None, what: str, limit: int, *, multiline: bool = True) -> str:
    """``value`` by the rule of this module: :class:`InvalidInput` if it holds a surrogate or a noncharacter, is
    empty once cleaned, or is longer than ``limit``; otherwise cleaned and stripped.

    ``what`` names the field in the message ("The claim", "A side's name"); ``multiline`` false collapses whitespace.
    """
    refused = _NOT_TEXT.search(value or "")
    if refused is not None:
        raise InvalidInput(f"{what} contains U+{ord(refused[0]):04X}, which is not a character: remove it.")
    cleaned = _visible(value or "", multiline)
    if is_blank(cleaned):
        raise InvalidInput(f"{what} is empty: write some text.")
    if len(cleaned) > limit:
        raise InvalidInput(f"{what} is {len(cleaned):,} characters long; the limit is {limit:,}.")
    return cleaned


def optional_text(value: str | None, what: str, limit: int, *, multiline: bool = True) -> str | None:
    """Like :func:`clean_text`, but nothing (or only blanks) gives ``None``."""
    return None if is_blank(value) else clean_text(value, what, limit, multiline=multiline)


_NOT_IN_URLS = re.compile(r'[\s"<>\\^`{|}]')
"""Space and the printable ASCII characters RFC 3986 leaves out of addresses (they must be percent-encoded)."""


def optional_url(value: str | None, what: str, limit: int) -> str | None:
    """An http(s) link as given (without surrounding space), or ``None`` for nothing; :class:`InvalidInput` for
    anything else (another scheme, no host, longer than ``limit``, spaces or a character RFC 3986 excludes from
    addresses, such as ``<`` and ``>``, which Discord would read as the edge of a mention)."""
    if is_blank(value):
        return None
    url = displayable(value or "")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a malformed address ("http://[")
        host = None
    if len(url) > limit or not host or parts.scheme.lower() not in ("http", "https") or _NOT_IN_URLS.search(url):
        shown = as_typed(one_line(url, 60))
        raise InvalidInput(f"{what} must be a web address starting with http:// or https:// (got “{shown}”).")
    return url


def is_blank(value: str | None) -> bool:
    """Nothing, or only whitespace, invisible and blank-looking characters."""
    return _BLANK.fullmatch(_STRAY.sub("", value or "")) is not None


def displayable(value: str, *, multiline: bool = True) -> str:
    """Stored text made safe for every output by the same rule, whatever was stored before the rule existed:
    surrogates and noncharacters dropped rather than refused."""
    return _visible(_NOT_TEXT.sub("", value), multiline)


def _visible(value: str, multiline: bool) -> str:
    cleaned = _STRAY.sub("", _LINE_BREAK.sub("\n", value))
    return cleaned.strip() if multiline else " ".join(cleaned.split())


def name_key(name: str) -> str:
    """The form of a name used to compare names: case-, space- and invisible-character-insensitive."""
    return " ".join(displayable(name).casefold().split())


def as_typed(value: str) -> str:
    """User text for a Discord message, shown as typed: no Markdown, mention (``<@&id>``, ``<#id>``, ``</cmd:id>``),
    timestamp (``<t:…>``) or custom emoji markup in it takes effect; what no output can carry is dropped. The one
    escaping function for everything users wrote that the bot echoes in Discord."""
    escaped = _DISCORD_MARKUP.sub(r"\\\1", displayable(value))
    return _DISCORD_LINE_START.sub(r"\1\\\2", escaped)


def as_typed_within(value: str, limit: int) -> str:
    """:func:`as_typed`, shortened with an ellipsis to at most ``limit`` characters: escaping can double a text's
    length (``*`` is shown as ``\\*``), and Discord refuses a message, an embed's description or field past its
    limit. It is cut between characters of the text, never inside an escape."""
    shown = as_typed(value)
    if len(shown) <= limit:
        return shown
    low, high = 0, len(value)  # the longest start of the text whose escaped form fits beside the ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if len(as_typed(value[:middle])) < limit:
            low = middle
        else:
            high = middle - 1
    return as_typed(value[:low]) + "…"


def one_line(value: str, limit: int) -> str:
    """``value`` on one line, shortened to ``limit`` characters with an ellipsis when longer."""
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``"1 claim"``, ``"3 claims"``; ``many`` for irregular plurals."""
    return f"{count} {singular if count == 1 else many or singular + 's'}"


def pack(blocks: Iterable[str], limit: int) -> list[str]:
    """Join blocks into pages of at most ``limit`` characters, never splitting a block that fits a page.

    A block longer than a page is split on line boundaries (and a single overlong line on characters), so
    nothing is ever dropped.
    """
    pages: list[str] = []
    current = ""
    for piece in _pieces(blocks, limit):
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            pages.append(current)
            current = piece
    if current:
        pages.append(current)
    return pages


def _pieces(blocks: Iterable[str], limit: int) -> Sequence[str]:
    pieces: list[str] = []
    for block in blocks:
        if len(block) <= limit:
            pieces.append(block)
            continue
        chunk = ""
        for line in block.split("\n"):
            for part in (line[i : i + limit] for i in range(0, max(len(line), 1), limit)):
                if chunk and len(chunk) + 1 + len(part) > limit:
                    pieces.append(chunk)
                    chunk = part
                else:
                    chunk = f"{chunk}\n{part}" if chunk else part
        if chunk:
            pieces.append(chunk)
    return pieces
