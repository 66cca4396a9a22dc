"""Drafts taken from a conversation — a Discord channel or thread, or a transcript — and recording them.

:func:`build_draft` applies the drafting rules to messages in the order they were written: each substantive message
is a candidate claim; a reply to a candidate — or a message quoting it — is a candidate rebuttal of it (changeable
to support), or a support when it concedes ("I agree that…", "fair point"; "fair, but [a longer objection]" stays a
rebuttal); a message that asks a question (also without a question mark: "the question is whether…") is a candidate
crux (bearing on the candidate it replies to, if any), unless the question is rhetorical. Each item says which rule
made it what it is (:mod:`bot.core.importing.reading` reads the words). Bot messages, commands, one-word messages,
exact repeats and messages already logged in the debate are skipped, and counted.

:func:`record_draft` stores the accepted items in one transaction, numbered in message order. An item the debate's
phase does not allow, a rebuttal whose claim is not recorded, or an item whose text is too long for its kind, stays
in the draft, marked why (``held``).
Synchronous, so that recording runs whole as one job (``Database.transact``).
"""

from __future__ import annotations

import enum
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import col, select

from bot.core import text as t
from bot.core.debates.formats import Action, current_phase
from bot.core.debates.lifecycle import Actor, side_of, sides_of
from bot.core.errors import InvalidInput
from bot.core.importing import reading
from bot.core.records import AnyDebate, SideSnapshot
from schema import Claim, ClaimKind, ClaimStatus, Crux, CruxClaim, CruxStatus, Debate, id_of, utcnow

SPEAKER_MAX = 100
"""A transcript speaker's name (``claim.speaker``, ``crux.speaker``)."""
_COMMAND = re.compile(r"^[/!][^\W\d]")


class ItemKind(enum.StrEnum):
    """What a draft item would be recorded as."""

    CLAIM = "claim"
    REBUTTAL = "rebuttal"
    SUPPORT = "support"
    CRUX = "crux"

    @property
    def plural(self) -> str:
        """The kind's name for several ("cruxes")."""
        return "cruxes" if self is ItemKind.CRUX else f"{self.value}s"

    @property
    def answers(self) -> bool:
        """Whether an item of this kind answers a claim (and needs one)."""
        return self in (ItemKind.REBUTTAL, ItemKind.SUPPORT)


class Skip(enum.StrEnum):
    """Why a message was left out of a draft (the value names it to users, for a count of them)."""

    BOT = "bot message"
    COMMAND = "command"
    NO_TEXT = "textless message"
    ONE_WORD = "one-word message"
    REPEAT = "repeat"
    LOGGED = "already-logged message"


@dataclass(frozen=True, slots=True)
class Message:
    """A message of a conversation, without Discord: ``key`` identifies it (a Discord id as text, or a transcript's
    row id), ``reply_to`` the key of the message it answers. A Discord user writes as ``author_id``; a transcript's
    speaker who is not one is kept by name (``speaker``)."""

    key: str
    text: str
    author_id: int | None = None
    speaker: str | None = None
    reply_to: str | None = None
    is_bot: bool = False
    jump_url: str | None = None
    message_id: int | None = None
    media: bool = False
    """It carries embeds or attachments."""


@dataclass(slots=True)
class Item:
    """A candidate record. ``number`` is its place in the draft (message order); ``parent`` the number of the item
    it answers (a crux: bears on; a claim: would answer, made a rebuttal — pre-linked by similarity),
    ``parent_claim`` that of a claim already in the debate; ``held`` says why Record
    left it in the draft; ``recorded`` is the number it was recorded under."""

    number: int
    kind: ItemKind
    text: str
    key: str
    author_id: int | None = None
    speaker: str | None = None
    message_id: int | None = None
    jump_url: str | None = None
    parent: int | None = None
    parent_claim: int | None = None
    accepted: bool = False
    held: str | None = None
    recorded: int | None = None
    why: str = ""
    """Which drafting rules made it what it is ("quotes #2; agrees (“fair point”)"), shown with it."""

    @property
    def kinds(self) -> tuple[ItemKind, ...]:
        """The kinds it can be changed to, in the order a "change kind" button cycles through them: those answering
        a claim if it answers one, and only those its text fits (a crux's question is shorter than a claim)."""
        answering = self.parent is not None or self.parent_claim is not None
        kinds = (ItemKind.REBUTTAL, ItemKind.SUPPORT) if answering else ()
        return tuple(kind for kind in (*kinds, ItemKind.CLAIM, ItemKind.CRUX) if text_refusal(kind, self.text) is None)


@dataclass(slots=True)
class Draft:
    """The candidate records of a conversation, in message order, and how many messages were skipped, by reason."""

    items: list[Item]
    skipped: dict[str, int] = field(default_factory=dict)
    sides: dict[str, str] = field(default_factory=dict)
    """A transcript speaker's side, by the speaker's name (:func:`speaker_sides`): their records are logged for it."""

    def item(self, number: int) -> Item:
        """Item ``number``, or :class:`InvalidInput` (a forged or stale button)."""
        if not 0 < number <= len(self.items):
            raise InvalidInput(f"This draft has no item #{number}.")
        return self.items[number - 1]

    def to_json(self) -> dict[str, Any]:
        """The draft as JSON-ready data (stored with the draft)."""
        return {"items": [asdict(item) for item in self.items], "skipped": self.skipped, "sides": self.sides}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Draft:
        items = [Item(**{**row, "kind": ItemKind(row["kind"])}) for row in data.get("items", [])]
        return cls(items, dict(data.get("skipped", {})), dict(data.get("sides", {})))

    @property
    def pending(self) -> list[Item]:
        """The items not recorded yet."""
        return [item for item in self.items if item.recorded is None]


def text_refusal(kind: ItemKind, text: str) -> str | None:
    """Why ``text`` (cleaned already) cannot be recorded as a ``kind``, if it cannot: longer than that kind allows."""
    limit = t.QUESTION_MAX if kind is ItemKind.CRUX else t.CLAIM_MAX
    if len(text) <= limit:
        return None
    return f"its text is {len(text):,} characters long, and a {kind.value} may have {limit:,} at most"


def is_question(text: str) -> bool:
    """Whether a message asks a question (:func:`bot.core.importing.reading.asking`): its last sentence ends with a
    question mark, or it asks indirectly ("the question is whether…")."""
    return reading.asking(text) is not None


def skip_reason(message: Message, text: str | None) -> Skip | None:
    """Why ``message`` (its cleaned ``text``, ``None`` if unusable) makes no candidate, if it does not."""
    if message.is_bot:
        return Skip.BOT
    if text is None:
        return Skip.NO_TEXT
    if _COMMAND.match(text):
        return Skip.COMMAND
    if len(text.split()) < 2:
        return Skip.ONE_WORD
    return None


def usable_text(text: str) -> str | None:
    """A message's text cleaned by the input rule, or ``None`` when nothing usable is left (or it is too long)."""
    try:
        return t.clean_text(text, "The message", t.CLAIM_MAX)
    except InvalidInput:
        return None


def build_draft(
    messages: Iterable[Message], logged: Mapping[str, int] | None = None, *, by_adjacency: bool = False
) -> Draft:
    """The draft of ``messages`` (oldest first). ``logged`` maps the keys of messages already logged as claims in
    the debate to their numbers (0: logged as a crux): they are skipped, and so are their repeats; a reply to one
    (or to a repeat of one) answers that claim.

    A message answers the one it replies to; without a reply reference, the one it quotes (a ``>`` line, a passage
    in quotation marks, or :data:`~bot.core.importing.reading.ECHO_WORDS` words in a row of it); without either, a
    concession answers the latest message by someone else, and so does any message when ``by_adjacency`` (a
    transcript that names no replies) and the message before it is someone else's. Each item says why it is what
    it is (``why``)."""
    known = dict(logged or {})  # message key → number of the claim logged from it or from what it repeats
    items: list[Item] = []
    skipped: Counter[str] = Counter()
    by_key: dict[str, int] = {}  # message key → item number (a repeat maps to its original)
    seen: dict[str, str] = {}  # normalised text → key of the first message saying it
    recent = _Recent()
    writers: dict[str, int | str | None] = {}  # message key → who wrote it
    for message in messages:
        writers[message.key] = _speaker_of(message)
        text = usable_text(message.text)
        same = " ".join(text.split()).casefold() if text is not None else None
        reason = Skip.LOGGED if message.key in known else skip_reason(message, text)
        if reason is None and same in seen:
            _repeats(message.key, seen[same], known, by_key)
            reason = Skip.REPEAT
        if same is not None and reason in (None, Skip.LOGGED):
            seen.setdefault(same, message.key)
        if reason is not None or text is None:
            skipped[(reason or Skip.NO_TEXT).value] += 1
            if reason is Skip.LOGGED and text is not None:
                recent.add(_Said.of(message, text))  # it can be quoted
            continue
        said = _Said.of(message, text)
        link = _link(message, said, recent, by_adjacency)
        own = link is not None and link.key in writers and writers[link.key] == writers[message.key]
        item = _candidate(len(items) + 1, message, text, link, by_key, known, items, own=own)
        items.append(item)
        by_key[message.key] = item.number
        recent.add(said)
    return Draft(items, dict(skipped))


@dataclass(frozen=True, slots=True)
class _Link:
    """The message a message answers (its key) and how that was found ("quotes", "follows"; ``""``: a reply)."""

    key: str
    how: str


def _speaker_of(message: Message) -> int | str | None:
    return message.author_id if message.author_id is not None else message.speaker


@dataclass(frozen=True, slots=True)
class _Said:
    """A message as the quotation rules read it: its key, writer, text, words (also :func:`~bot.core.importing.
    reading.spaced`) and runs of :data:`~bot.core.importing.reading.ECHO_WORDS` words."""

    key: str
    speaker: int | str | None
    text: str
    spaced: str
    runs: frozenset[tuple[str, ...]]

    @classmethod
    def of(cls, message: Message, text: str) -> _Said:
        said = reading.words(text)
        runs = frozenset(reading.shingles(said, reading.ECHO_WORDS))
        return cls(message.key, _speaker_of(message), text, reading.spaced(said), runs)


class _Recent:
    """The latest :data:`WINDOW` messages (those drafted or logged), for finding what a message quotes, with an index
    of their runs of :data:`~bot.core.importing.reading.ECHO_WORDS` words."""

    WINDOW = 300

    def __init__(self) -> None:
        self.said: deque[_Said] = deque()
        self.first = 0
        """The number of the oldest message kept (messages are numbered from 0 as they are added)."""
        self.runs: dict[tuple[str, ...], list[int]] = {}

    def add(self, said: _Said) -> None:
        number = self.first + len(self.said)
        self.said.append(said)
        for run in said.runs:
            self.runs.setdefault(run, []).append(number)
        if len(self.said) > self.WINDOW:
            for run in self.said.popleft().runs:
                self.runs[run].remove(self.first)
                if not self.runs[run]:
                    del self.runs[run]
            self.first += 1

    def _by(self, number: int) -> _Said:
        return self.said[number - self.first]

    @property
    def last(self) -> _Said | None:
        """The message before (a skipped one — "ok", a command — comes between nothing)."""
        return self.said[-1] if self.said else None

    def quoted(self, said: _Said) -> _Link | None:
        """The latest recent message by someone else that ``said`` quotes, if any."""
        for passage in reading.quoted_passages(said.text):
            for earlier in reversed(self.said):
                if earlier.speaker != said.speaker and reading.contains(earlier.spaced, passage):
                    return _Link(earlier.key, "quotes")
        return None

    def echoed(self, said: _Said) -> _Link | None:
        """The latest recent message by someone else whose words ``said`` repeats, a run of
        :data:`~bot.core.importing.reading.ECHO_WORDS` at least, if any."""
        numbers = (number for run in said.runs for number in self.runs.get(run, ()))
        found = max((number for number in numbers if self._by(number).speaker != said.speaker), default=-1)
        return _Link(self._by(found).key, "repeats words of") if found >= 0 else None

    def latest_by_another(self, speaker: int | str | None) -> _Link | None:
        """The latest recent message by someone other than ``speaker``."""
        return next((_Link(s.key, "follows") for s in reversed(self.said) if s.speaker != speaker), None)


def _link(message: Message, said: _Said, recent: _Recent, by_adjacency: bool) -> _Link | None:
    """What ``message`` answers, and how that was found (see :func:`build_draft`)."""
    if message.reply_to is not None:
        return _Link(message.reply_to, "")  # shown by what the item answers: no reason needed
    link = recent.quoted(said) or recent.echoed(said)
    if link is not None:
        return link
    if reading.concession(said.text) is not None:
        return recent.latest_by_another(said.speaker)
    last = recent.last
    if by_adjacency and last is not None:
        return _Link(last.key, "follows" if last.speaker != said.speaker else "continues")
    return None


def _repeats(key: str, original: str, known: dict[str, int], by_key: dict[str, int]) -> None:
    """Message ``key`` repeats message ``original``: a reply to it answers what the original is (logged or drafted)."""
    if original in known:
        known[key] = known[original]
    else:
        by_key[key] = by_key[original]


def _candidate(
    number: int,
    message: Message,
    text: str,
    link: _Link | None,
    by_key: Mapping[str, int],
    logged: Mapping[str, int],
    items: list[Item],
    *,
    own: bool,
) -> Item:
    parent = by_key.get(link.key) if link is not None else None
    parent_claim = (logged.get(link.key) or None) if link is not None else None
    answered = f"#{parent}" if parent is not None else f"Claim #{parent_claim}"
    whys = [f"{link.how} {answered}"] if link is not None and link.how and (parent or parent_claim) else []
    if parent is not None and items[parent - 1].kind is ItemKind.CRUX:
        parent = None  # an answer to a question is a claim of its own
        whys = [f"answers the question {answered}"]
    answering = parent is not None or parent_claim is not None
    kind, why = _kind(text, answering, own)
    return Item(
        number=number,
        kind=kind,
        text=text,
        key=message.key,
        author_id=message.author_id,
        speaker=message.speaker,
        message_id=message.message_id,
        jump_url=message.jump_url,
        parent=parent,
        parent_claim=parent_claim,
        why="; ".join([*whys, why] if why else whys),
    )


def _kind(text: str, answering: bool, own: bool) -> tuple[ItemKind, str]:
    """What an item of ``text`` is, and why when a rule of :mod:`bot.core.importing.reading` decided it;
    ``answering``: it answers a claim (``own``: one of its writer's own)."""
    asks = reading.asking(text, in_reply=answering)
    if asks is not None and len(text) <= t.QUESTION_MAX:
        if not asks.rhetorical:
            return ItemKind.CRUX, f"asks {asks.how}" if asks.how else ""
        if not answering:
            return ItemKind.CLAIM, "a rhetorical question"
    if own and answering:
        return ItemKind.SUPPORT, "adds to its writer's own message"
    conceding = reading.concession(text) if answering else None
    rhetorical = "; its question is rhetorical" if asks is not None and asks.rhetorical else ""
    if conceding is not None and conceding.mostly_objects:
        return ItemKind.REBUTTAL, f"concedes (“{conceding.opening}”) but mostly objects{rhetorical}"
    if conceding is not None:
        return ItemKind.SUPPORT, f"agrees (“{conceding.opening}”)"
    if answering:
        return ItemKind.REBUTTAL, rhetorical.removeprefix("; ")
    return ItemKind.CLAIM, ""


def change_kind(item: Item, kind: ItemKind | None = None) -> ItemKind:
    """Make ``item`` a ``kind`` (by default the next of the kinds it can be); :class:`InvalidInput` if it cannot."""
    kinds = item.kinds
    if kind is None:
        if kinds == (item.kind,):
            reason = text_refusal(ItemKind.CRUX, item.text) or "it answers no claim"
            raise InvalidInput(f"Item #{item.number} can only be a {item.kind.value}: {reason}.")
        kind = kinds[(kinds.index(item.kind) + 1) % len(kinds)] if item.kind in kinds else kinds[0]
    refusal = text_refusal(kind, item.text)
    if refusal is not None:
        raise InvalidInput(f"Item #{item.number} cannot be a {kind.value}: {refusal}.")
    if kind not in kinds:
        can_be = " or a ".join(kind.value for kind in kinds)
        raise InvalidInput(f"Item #{item.number} answers no claim: it can be a {can_be}, not a {kind.value}.")
    item.kind, item.held = kind, None
    return kind


def logged_messages(session: Session, debate: Debate, keys: Sequence[int]) -> dict[str, int]:
    """Of the Discord messages ``keys``, those already logged as a claim (any kind) in ``debate``: key → number."""
    if not keys:
        return {}
    statement = (
        select(col(Claim.source_message_id), col(Claim.number))
        .where(Claim.debate_id == debate.id, col(Claim.source_message_id).in_(keys))
        .order_by(col(Claim.number))
    )
    found: dict[str, int] = {}
    for message_id, number in session.execute(statement):
        found.setdefault(str(message_id), number)
    crux_statement = select(col(Crux.source_message_id)).where(
        Crux.debate_id == debate.id, col(Crux.source_message_id).in_(keys)
    )
    for (message_id,) in session.execute(crux_statement):
        found.setdefault(str(message_id), 0)  # logged as a crux: skipped, but nothing to rebut
    return found


@dataclass(frozen=True, slots=True)
class Recorded:
    """What :func:`record_draft` stored: (kind, number) per item recorded, in order, and the items held back."""

    records: list[tuple[ItemKind, int]]
    held: list[Item]


def records_named(records: Sequence[tuple[ItemKind, int]]) -> str:
    """ "Claims #4–#9, #12, Crux #1": the records' numbers, claims then cruxes, runs of numbers as ranges (short
    however many were recorded; live users' records may come between two transactions of an import)."""
    claims = [number for kind, number in records if kind is not ItemKind.CRUX]
    cruxes = [number for kind, number in records if kind is ItemKind.CRUX]
    parts = [_runs("Claim", "Claims", claims), _runs("Crux", "Cruxes", cruxes)]
    return ", ".join(part for part in parts if part)


def _runs(one: str, many: str, numbers: list[int]) -> str:
    """ "Claim #4", "Claims #4–#9, #12", or ``""``."""
    if not numbers:
        return ""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    shown = ", ".join(f"#{run[0]}" if len(run) == 1 else f"#{run[0]}–#{run[-1]}" for run in runs)
    return f"{one if len(numbers) == 1 else many} {shown}"


HELD_NAMED = 5
"""Items a refusal of a whole draft names, with why; it counts the others."""


class HeldItems(InvalidInput):
    """A draft refused whole, for the items it cannot record now: ``held`` is (item number, why) of each."""

    def __init__(self, held: Sequence[tuple[int, str]]) -> None:
        self.held = list(held)
        super().__init__(f"Nothing was recorded: {self.reasons}.")

    @property
    def reasons(self) -> str:
        """Which items cannot be recorded now and why, in one line."""
        named = "; ".join(f"item #{number}: {why}" for number, why in self.held[:HELD_NAMED])
        more = f"; and {len(self.held) - HELD_NAMED} more" if len(self.held) > HELD_NAMED else ""
        return f"{t.plural(len(self.held), 'item')} cannot be recorded now ({named}{more})"


def record_draft(
    session: Session, debate: Debate, actor: Actor, draft: Draft, *, all_or_nothing: bool = False
) -> Recorded:
    """Store the draft's accepted items not yet recorded, in message order, each numbered as the debate's next claim
    or crux; ``actor`` logged them. Items that cannot be recorded now are marked ``held`` (and left in the draft);
    with ``all_or_nothing`` any such item refuses the whole draft (:class:`InvalidInput` listing them).

    A fixed number of queries whatever the draft's size, but one insert per record (a rebuttal needs the id of the
    claim it answers): the numbers are taken in one update, what is already logged and the claims answered are read
    in one query each."""
    wanted = [item for item in draft.items if item.accepted and item.recorded is None]
    logged = logged_messages(session, debate, [item.message_id for item in wanted if item.message_id is not None])
    earlier = [draft.item(item.parent) for item in wanted if item.parent is not None]
    earlier = [parent for parent in earlier if parent.recorded is not None and parent.kind is not ItemKind.CRUX]
    numbers = {item.parent_claim for item in wanted} | {parent.recorded for parent in earlier}
    standing = _standing_claims(session, debate, numbers)
    claim_ids = {parent.number: standing[parent.recorded] for parent in earlier if parent.recorded in standing}
    going: list[Item] = []
    held: list[Item] = []
    going_numbers: set[int] = set()
    for item in wanted:
        item.held = _hold_reason(debate, draft, item, logged, claim_ids, standing, going_numbers)
        if item.held is None:
            going.append(item)
            going_numbers.add(item.number)
        else:
            held.append(item)
    if held and all_or_nothing:
        raise HeldItems([(item.number, item.held or "") for item in held])
    claims = sum(item.kind is not ItemKind.CRUX for item in going)
    claim_number, crux_number = _take_numbers(session, debate, claims, len(going) - claims)
    sides = _Sides(session, debate, draft.sides)
    links: list[dict[str, int]] = []
    for item in going:
        parent = _parent_id(draft, item, claim_ids, standing)
        if item.kind is ItemKind.CRUX:
            crux_number += 1
            crux_id = _inserted(session, _INSERT_CRUX, _crux_row(debate, actor, item, crux_number))
            links += [{"crux_id": crux_id, "claim_id": parent}] if parent is not None else []
            item.recorded = crux_number
        else:
            claim_number += 1
            row = _claim_row(debate, actor, item, claim_number, parent, sides.of(item))
            claim_ids[item.number] = _inserted(session, _INSERT_CLAIM, row)
            item.recorded = claim_number
    if links:
        session.execute(insert(CruxClaim), links)
    return Recorded([(item.kind, item.recorded or 0) for item in going], held)


_INSERT_CLAIM = insert(Claim).returning(col(Claim.id))
_INSERT_CRUX = insert(Crux).returning(col(Crux.id))


def _inserted(session: Session, statement: ReturningInsert[int | None], row: dict[str, Any]) -> int:
    """The id of the row ``statement`` inserts."""
    inserted = session.execute(statement, row).scalar_one()
    if inserted is None:
        raise RuntimeError("the database gave no id for an inserted row")
    return inserted


class _Sides:
    """The side of each item's author: the side a Discord user joined in the debate (read once per user), or the one
    a transcript's speaker was given (``speakers``: speaker → side name)."""

    def __init__(self, session: Session, debate: Debate, speakers: Mapping[str, str]) -> None:
        self.session, self.debate = session, debate
        self.known: dict[int, int | None] = {}
        by_key = {side.name_key: side.id for side in sides_of(session, debate)}
        self.speakers = {speaker: by_key.get(t.name_key(side)) for speaker, side in speakers.items()}

    def of(self, item: Item) -> int | None:
        author_id = item.author_id
        if author_id is None:
            return self.speakers.get(item.speaker) if item.speaker is not None else None
        if author_id not in self.known:
            side = side_of(self.session, self.debate, author_id)
            self.known[author_id] = side.id if side else None
        return self.known[author_id]


def speaker_sides(
    sides: Sequence[SideSnapshot], speakers: Iterable[str], given: Sequence[tuple[str, str]] = ()
) -> dict[str, str]:
    """Each transcript speaker's side (speaker → the side's name): as ``given`` ((speaker, side) pairs, as
    ``--side SPEAKER=SIDE`` gives them), else the side named like the speaker (case aside) — a debate whose sides
    are its speakers. :class:`InvalidInput` when a pair names a side the debate lacks or a speaker who says nothing,
    or gives a speaker two sides."""
    named = {side.name_key: side.name for side in sides}
    present = {t.name_key(speaker): speaker for speaker in speakers}
    found: dict[str, str] = {}
    for speaker, side in given:
        pair = f"--side {t.as_typed(speaker)}={t.as_typed(side)}"
        if t.name_key(side) not in named:
            names = ", ".join(f"“{t.as_typed(name)}”" for name in named.values())
            raise InvalidInput(f"{pair}: the debate has no side “{t.as_typed(side)}” (its sides are {names})")
        who = present.get(t.name_key(speaker))
        if who is None:
            raise InvalidInput(f"{pair}: no row of the file is by “{t.as_typed(speaker)}”")
        name = named[t.name_key(side)]
        if found.setdefault(who, name) != name:
            raise InvalidInput(f"{pair}: “{t.as_typed(who)}” is given “{t.as_typed(found[who])}” already")
    for key, speaker in present.items():
        if speaker not in found and key in named:
            found[speaker] = named[key]
    return found


def _take_numbers(session: Session, debate: Debate, claims: int, cruxes: int) -> tuple[int, int]:
    """Reserve ``claims`` claim numbers and ``cruxes`` crux numbers; the numbers just before the first of each."""
    statement = (
        update(Debate)
        .where(col(Debate.id) == debate.id)
        .values(claim_seq=col(Debate.claim_seq) + claims, crux_seq=col(Debate.crux_seq) + cruxes)
        .returning(col(Debate.claim_seq), col(Debate.crux_seq))
    )
    claim_seq, crux_seq = session.execute(statement).one()
    return claim_seq - claims, crux_seq - cruxes


def _standing_claims(session: Session, debate: Debate, numbers: set[int | None]) -> dict[int, int]:
    """Number → id of the debate's standing claims among ``numbers``."""
    wanted = {number for number in numbers if number}
    if not wanted:
        return {}
    statement = select(col(Claim.number), col(Claim.id)).where(
        Claim.debate_id == debate.id, col(Claim.number).in_(wanted), Claim.status == ClaimStatus.STANDING
    )
    return {number: claim_id or 0 for number, claim_id in session.execute(statement)}


def phase_reason(debate: AnyDebate, item: Item) -> str | None:
    """Why the debate's current phase does not allow ``item``, if it does not."""
    action = Action.CRUX if item.kind is ItemKind.CRUX else Action.of(ClaimKind(item.kind.value))
    phase = current_phase(debate)
    if phase is None or action in phase.allows:
        return None
    return f"the {phase.name} phase does not allow {item.kind.plural}"


def _hold_reason(
    debate: Debate,
    draft: Draft,
    item: Item,
    logged: Mapping[str, int],
    claim_ids: Mapping[int, int],
    standing: Mapping[int, int],
    going: set[int],
) -> str | None:
    refusal = text_refusal(item.kind, item.text)
    if refusal is not None:
        return f"{refusal} (change its kind)"
    reason = phase_reason(debate, item)
    if reason is not None:
        return reason
    if item.message_id is not None and str(item.message_id) in logged:
        return "its message was logged meanwhile"
    if not item.kind.answers:
        return None
    if item.parent is not None:
        parent = draft.item(item.parent)
        if parent.kind is not ItemKind.CRUX and (item.parent in going or item.parent in claim_ids):
            return None
        return f"it answers item #{item.parent}, which is not recorded as a claim (accept it, or make this a claim)"
    if item.parent_claim in standing:
        return None
    return f"Claim #{item.parent_claim}, which it answers, was withdrawn"


def _parent_id(draft: Draft, item: Item, claim_ids: Mapping[int, int], standing: Mapping[int, int]) -> int | None:
    """The id of the claim ``item`` answers (a crux: bears on), recorded already or just now, if any."""
    if item.parent is not None:
        return claim_ids.get(item.parent) if draft.item(item.parent).kind is not ItemKind.CRUX else None
    return standing.get(item.parent_claim) if item.parent_claim else None


def _claim_row(
    debate: Debate, actor: Actor, item: Item, number: int, parent: int | None, side: int | None
) -> dict[str, Any]:
    return {
        "debate_id": id_of(debate),
        "number": number,
        "kind": ClaimKind(item.kind.value),
        "parent_id": parent if item.kind.answers else None,
        "side_id": side,
        "author_id": item.author_id,
        "speaker": item.speaker,
        "logged_by_id": actor.user_id,
        "text": item.text,
        "source_message_id": item.message_id,
        "source_url": item.jump_url,
        "status": ClaimStatus.STANDING,
        "created_at": utcnow(),
    }


def _crux_row(debate: Debate, actor: Actor, item: Item, number: int) -> dict[str, Any]:
    return {
        "debate_id": id_of(debate),
        "number": number,
        "question": t.clean_text(item.text, "The question", t.QUESTION_MAX),
        "author_id": item.author_id,
        "speaker": item.speaker,
        "logged_by_id": actor.user_id,
        "source_message_id": item.message_id,
        "source_url": item.jump_url,
        "status": CruxStatus.OPEN,
        "spread": 0,
        "created_at": utcnow(),
    }


def item_line(item: Item, who: str, limit: int = 200, shown: Callable[[str], str] = str) -> str:
    """One line describing ``item``: its number, kind (and what it answers), ``who`` said it, its text shortened to
    ``limit`` (and passed through ``shown``, as is why it was drafted so), and why it is held, if it is."""
    kind = item.kind.value
    if item.kind.answers or (item.kind is ItemKind.CRUX and (item.parent or item.parent_claim)):
        relation = "on" if item.kind is ItemKind.CRUX else "of"
        kind += f" {relation} " + (f"#{item.parent}" if item.parent is not None else f"Claim #{item.parent_claim}")
    why = f" ({shown(item.why)})" if item.why else ""
    held = f" [held: {item.held}]" if item.held else ""
    return f"{item.number}. {kind} — {who}: {shown(t.one_line(item.text, limit))}{why}{held}"


def skipped_line(draft: Draft) -> str:
    """The messages left out, counted by reason ("skipped 2 bot messages, 1 repeat"), or ``""``."""
    counts = [t.plural(count, reason) for reason, count in draft.skipped.items() if count]
    return f"skipped {', '.join(counts)}" if counts else ""
