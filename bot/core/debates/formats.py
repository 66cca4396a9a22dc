"""Debate formats: the phases of a ``rounds`` or ``double-crux`` debate, what each allows, and their clock.

An ``open`` debate has no phases: everything is allowed at any time. A phased debate starts in its first phase and
moves on with ``/debate next`` or, when it was started with ``minutes``, when a phase's time is up (with a warning a
minute before). The clock is two timers per debate (:mod:`bot.core.debates.timers`), rescheduled whenever the phase
changes, paused or resumed. Every record-making operation calls :func:`require_allowed` first.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from sqlalchemy.orm import Session
from sqlmodel import select

from bot.core.debates import timers
from bot.core.debates.lifecycle import Actor, NewDebate, require_moderator, sides_of, start_debate
from bot.core.errors import InvalidInput, WrongPlace
from bot.core.records import AnyDebate, DebateSnapshot, SideSnapshot, TimerSnapshot
from schema import ClaimKind, Debate, DebateFormat, DebateStatus

WARNING = timedelta(minutes=1)
PHASE_END, PHASE_WARNING = "phase_end", "phase_warning"


class Action(enum.Enum):
    """Something a participant records; its value is how it is named to users."""

    CLAIM = "claims (/claim)"
    REBUTTAL = "rebuttals (/rebut)"
    SUPPORT = "supports (/support)"
    CRUX = "cruxes (/crux add)"
    CREDENCE = "credences (/crux credence)"
    POSITION = "positions on the motion (/debate position)"
    MARK = "marks on cruxes (/crux mine)"

    @classmethod
    def of(cls, kind: ClaimKind) -> Action:
        """The action of logging a claim, rebuttal or support."""
        return {ClaimKind.CLAIM: cls.CLAIM, ClaimKind.REBUTTAL: cls.REBUTTAL, ClaimKind.SUPPORT: cls.SUPPORT}[kind]


@dataclass(frozen=True, slots=True)
class Phase:
    """A stage of a debate: its name, what it allows, and the question its banner puts to the participants."""

    name: str
    allows: tuple[Action, ...]
    prompt: str


PHASES: dict[DebateFormat, tuple[Phase, ...]] = {
    DebateFormat.OPEN: (),
    DebateFormat.ROUNDS: (
        Phase("opening", (Action.CLAIM,), "Make your case: what are your strongest reasons?"),
        Phase(
            "rebuttal",
            (Action.REBUTTAL, Action.SUPPORT),
            "Take on the other side's strongest claim, not its weakest. Which claim would you most like to see fall?",
        ),
        Phase(
            "crux",
            (Action.CRUX, Action.CREDENCE),
            "What would change your mind? Name it as a crux, then say how likely you think it is.",
        ),
        Phase("closing", (Action.CREDENCE,), "Where do you stand now? Update your credences: did anything move you?"),
    ),
    DebateFormat.DOUBLE_CRUX: (
        Phase(
            "positions",
            (Action.POSITION, Action.CLAIM),
            "State your position and how likely you think the motion is (0–100).",
        ),
        Phase(
            "crux finding",
            (Action.CRUX, Action.MARK),
            "What would change your mind? Name the cruxes, and mark each one that would change yours.",
        ),
        Phase(
            "operationalising",
            (Action.CREDENCE,),
            "How would we find out? Give your credence on each crux — a double crux splits you across 50.",
        ),
        Phase(
            "resolution",
            (Action.CREDENCE,),
            "What did you learn? Resolve the cruxes you can and record where you ended up.",
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class PhaseChange:
    """A debate moved from ``ended`` into ``started`` (``None`` when the last phase's time ran out)."""

    debate: DebateSnapshot
    ended: Phase
    started: Phase | None


def phases_of(debate: AnyDebate) -> tuple[Phase, ...]:
    """The debate's phases (none for an open debate)."""
    return PHASES[debate.format]


def current_phase(debate: AnyDebate) -> Phase | None:
    """The phase the debate is in, or ``None`` for an open debate."""
    phases = phases_of(debate)
    return phases[debate.phase] if phases else None


def require_allowed(debate: AnyDebate, action: Action) -> None:
    """:class:`WrongPlace` saying which phase is on and when ``action`` comes, unless the phase allows it."""
    phases = phases_of(debate)
    if not phases:
        if action in (Action.POSITION, Action.MARK):
            raise WrongPlace(f"{_capital(action)} belong to double-crux debates; this one is open.")
        return
    phase = phases[debate.phase]
    if action in phase.allows:
        return
    message = (
        f"Debate #{debate.number} is in its **{phase.name}** phase ({debate.phase + 1} of {len(phases)}), "
        f"which allows {_listed(phase.allows)}."
    )
    later = next((i for i in range(debate.phase + 1, len(phases)) if action in phases[i].allows), None)
    if later is not None:
        message += f" {_capital(action)} come in the {phases[later].name} phase, {_when(debate, later)}."
    elif any(action in earlier.allows for earlier in phases[: debate.phase]):
        message += f" The phase for {_noun(action)} is over."
    else:
        message += f" A {debate.format.value} debate has no phase for {_noun(action)}."
    raise WrongPlace(message)


def _noun(action: Action) -> str:
    return action.value.split(" (")[0]


def _capital(action: Action) -> str:
    noun = _noun(action)
    return noun[0].upper() + noun[1:]


def _listed(actions: tuple[Action, ...]) -> str:
    names = [action.value for action in actions]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _when(debate: AnyDebate, index: int) -> str:
    if debate.phase_ends_at is None or debate.phase_minutes is None:
        return "when a moderator moves on with /debate next"
    starts = debate.phase_ends_at + timedelta(minutes=debate.phase_minutes * (index - debate.phase - 1))
    return relative_time(starts)


def relative_time(when: datetime) -> str:
    """A Discord timestamp each reader sees relative to their own clock ("in 5 minutes")."""
    return f"<t:{int(when.timestamp())}:R>"


def describe_clock(debate: AnyDebate) -> str:
    """Where the phase's clock stands, in words (for banners and /debate status)."""
    if debate.paused_remaining is not None:
        return f"paused with {_duration(debate.paused_remaining)} left"
    if debate.phase_ends_at is not None:
        return f"ends {relative_time(debate.phase_ends_at)}"
    if debate.phase_minutes is not None:
        return "time is up: a moderator moves on with /debate next or ends the debate"
    return "untimed: a moderator moves on with /debate next"


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if minutes and rest else f"{minutes} min" if minutes else f"{rest} s"


def banner(debate: AnyDebate) -> tuple[str, str]:
    """The title and Markdown body announcing the debate's current phase."""
    phases = phases_of(debate)
    phase = phases[debate.phase]
    title = f"Phase {debate.phase + 1} of {len(phases)}: {phase.name}"
    body = f"**Allowed now:** {_listed(phase.allows)}.\n{phase.prompt}\n*Clock:* {describe_clock(debate)}."
    return title, body


def start(
    session: Session, actor: Actor, plan: NewDebate, channel_id: int, thread_id: int, now: datetime
) -> tuple[DebateSnapshot, list[SideSnapshot]]:
    """Record a debate whose thread has just been created, with its sides, in the first phase of its format."""
    debate = start_debate(session, actor, plan, channel_id=channel_id, thread_id=thread_id)
    begin(session, debate, plan.minutes, now)
    return DebateSnapshot.of(debate), sides_of(session, debate)


def begin(session: Session, debate: Debate, minutes: int | None, now: datetime) -> None:
    """Start a new debate's first phase (and its clock, when ``minutes`` is given)."""
    debate.phase_minutes = minutes
    _enter(session, debate, 0, now)


def next_phase(session: Session, debate: Debate, actor: Actor, now: datetime) -> PhaseChange:
    """Move on to the next phase (moderators only); its clock starts afresh."""
    require_moderator(debate, actor, "move the debate to its next phase")
    phases = phases_of(debate)
    if not phases:
        raise InvalidInput("An open debate has no phases: everything is allowed all along.")
    if debate.phase + 1 >= len(phases):
        raise InvalidInput(
            f"The {phases[debate.phase].name} phase is the last one: end the debate with /debate end when done."
        )
    ended = phases[debate.phase]
    _enter(session, debate, debate.phase + 1, now)
    return PhaseChange(DebateSnapshot.of(debate), ended, phases[debate.phase])


def pause(session: Session, debate: Debate, actor: Actor, now: datetime) -> DebateSnapshot:
    """Stop the phase's clock, keeping the time left (moderators only)."""
    require_moderator(debate, actor, "pause the clock")
    if debate.phase_ends_at is None:
        raise InvalidInput(_no_running_clock(debate))
    debate.paused_remaining = max(0, ceil((debate.phase_ends_at - now).total_seconds()))
    debate.phase_ends_at = None
    for event in (PHASE_END, PHASE_WARNING):
        timers.cancel(session, event, _key(debate))
    return DebateSnapshot.of(_saved(session, debate))


def resume(session: Session, debate: Debate, actor: Actor, now: datetime) -> DebateSnapshot:
    """Restart a paused clock with the time that was left (moderators only)."""
    require_moderator(debate, actor, "resume the clock")
    if debate.paused_remaining is None:
        raise InvalidInput(f"Debate #{debate.number}'s clock is not paused.")
    _run_clock(session, debate, now + timedelta(seconds=debate.paused_remaining), now)
    return DebateSnapshot.of(_saved(session, debate))


def _no_running_clock(debate: Debate) -> str:
    if debate.paused_remaining is not None:
        return f"Debate #{debate.number}'s clock is already paused: /debate resume restarts it."
    if debate.phase_minutes is None:
        return f"Debate #{debate.number} is not timed: start a debate with minutes:… to have a clock."
    return f"Debate #{debate.number}'s clock has run out: nothing to pause."


def _enter(session: Session, debate: Debate, index: int, now: datetime) -> None:
    debate.phase = index
    if debate.phase_minutes is not None:
        _run_clock(session, debate, now + timedelta(minutes=debate.phase_minutes), now)
    _saved(session, debate)


def _run_clock(session: Session, debate: Debate, ends_at: datetime, now: datetime) -> None:
    debate.phase_ends_at, debate.paused_remaining = ends_at, None
    timers.schedule(session, debate.guild_id, PHASE_END, _key(debate), ends_at)
    if ends_at - WARNING > now:
        timers.schedule(session, debate.guild_id, PHASE_WARNING, _key(debate), ends_at - WARNING)
    else:
        timers.cancel(session, PHASE_WARNING, _key(debate))


def _saved(session: Session, debate: Debate) -> Debate:
    session.add(debate)
    session.flush()
    return debate


def _key(debate: Debate) -> str:
    return str(debate.id)


def warning_due(session: Session, timer: TimerSnapshot, now: datetime) -> tuple[DebateSnapshot, Phase] | None:
    """The debate and phase a one-minute warning ``timer`` is for; ``None`` if the debate ended, its clock
    stopped, or the phase is over already (a warning that came due while no bot was running)."""
    debate = _timed_debate(session, timer)
    if debate is None or debate.phase_ends_at is None or debate.phase_ends_at <= now:
        return None
    return DebateSnapshot.of(debate), phases_of(debate)[debate.phase]


def time_up(session: Session, timer: TimerSnapshot, now: datetime) -> PhaseChange | None:
    """The phase's time ran out (``timer`` is its end): move on, or after the last phase stop the clock."""
    debate = _timed_debate(session, timer)
    if debate is None:
        return None
    phases = phases_of(debate)
    ended = phases[debate.phase]
    if debate.phase + 1 < len(phases):
        _enter(session, debate, debate.phase + 1, now)
        return PhaseChange(DebateSnapshot.of(debate), ended, phases[debate.phase])
    debate.phase_ends_at = None
    _saved(session, debate)
    return PhaseChange(DebateSnapshot.of(debate), ended, None)


def time_up_recalled(session: Session, timer: TimerSnapshot, now: datetime) -> PhaseChange | None:
    """The phase change :func:`time_up` made when ``timer`` fired, as stored now, to post it again (the process that
    fired it stopped before posting); ``None`` once the debate is closed. A clock paused since then is the phase
    :func:`time_up` entered, not a finished debate: pausing needs a running clock, which the last phase's end stops."""
    statement = select(Debate).where(
        Debate.id == int(timer.key), Debate.guild_id == timer.guild_id, Debate.status == DebateStatus.OPEN
    )
    debate = session.execute(statement).scalar_one_or_none()
    if debate is None:
        return None
    phases = phases_of(debate)
    if debate.phase_ends_at is None and debate.paused_remaining is None:  # the last phase's time ran out
        return PhaseChange(DebateSnapshot.of(debate), phases[debate.phase], None)
    if debate.phase == 0:
        return None
    return PhaseChange(DebateSnapshot.of(debate), phases[debate.phase - 1], phases[debate.phase])


def _timed_debate(session: Session, timer: TimerSnapshot) -> Debate | None:
    """The open debate with a running clock that ``timer`` belongs to."""
    statement = select(Debate).where(
        Debate.id == int(timer.key), Debate.guild_id == timer.guild_id, Debate.status == DebateStatus.OPEN
    )
    debate = session.execute(statement).scalar_one_or_none()
    return debate if debate is not None and debate.phase_ends_at is not None else None
