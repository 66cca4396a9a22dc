"""``python -m bot demo``: a sample debate played by two users against the local server, printed as they see it,
its record and its map written to files."""

from __future__ import annotations

import re
import tempfile
import textwrap
from pathlib import Path

from bot.db import Database
from bot.local import LocalBot
from sim import DiscordSim, InteractionResult, SimChannel, SimMember, SimMessage
from sim.models import iter_components

TOPIC = "Should the marginal AI-safety research hour go to interpretability or to governance?"
INTRODUCTION = (
    "A sample debate between ada and ben, played against a local Discord-compatible server (no token, no network): "
    "sides, claims, rebuttals, cruxes, moving credences, a scored resolution, the summary with common ground, "
    "/debate end, the export and the map."
)
NEXT_STEPS = """
Next: create your Discord application and invite the bot (README, "Set up your own bot"), put DISCORD_TOKEN in .env,
then run `python -m bot` (or `debate-bot`)."""


class Conversation:
    """Plays commands as users and prints each exchange the way the channel shows it."""

    def __init__(self, sim: DiscordSim, names: dict[int, str]) -> None:
        self.sim = sim
        self.names = names

    async def say(self, member: SimMember, channel: SimChannel, command: str, **options: object) -> InteractionResult:
        shown = " ".join(f"{name}:{value}" for name, value in options.items())
        print(f"\n[#{channel.name[:40]}] {member.user.username}: /{command} {shown}")
        return self._answered(await self.sim.invoke(member, channel, command, **options))

    async def pick(self, member: SimMember, crux: SimMessage, value: int) -> InteractionResult:
        """Pick ``value`` in the credence menu of a crux's message: recorded at once, told only to the picker."""
        menu = next(custom_id for custom_id in crux.custom_ids if custom_id.startswith("crux:quick:"))
        print(
            f"\n[#{self._where(crux)}] {member.user.username}: picks {value} in the credence menu of {_crux_of(crux)}"
        )
        return self._answered(await self.sim.select(member, crux, menu, [str(value)]))

    async def exact(self, member: SimMember, crux: SimMessage, value: int, reason: str) -> InteractionResult:
        """Press "Exact value and reason…" on a crux's message and submit the form, prefilled with the current value."""
        button = next(custom_id for custom_id in crux.custom_ids if custom_id.startswith("crux:credence:"))
        name = member.user.username
        print(f"\n[#{self._where(crux)}] {name}: presses “Exact value and reason…” on {_crux_of(crux)}")
        opened = await self.sim.click(member, crux, button)
        assert opened.modal is not None, opened.text
        field = opened.modal["components"][0]
        print(f"  bot opens the form “{opened.modal['title']}”: {field['label']} ({field['description']})")
        print(f"  {name} types {value}, and “{reason}”")
        channel = self.sim.channel(crux.channel_id)
        submitted = await self.sim.submit_modal(
            member, channel, opened.modal["custom_id"], {"value": str(value), "reason": reason}
        )
        return self._answered(submitted)

    async def press(self, member: SimMember, result: InteractionResult, label: str) -> InteractionResult:
        """Press the button labelled ``label`` under the answer ``result``."""
        message = result.message
        assert message is not None, result.text
        button = next(c["custom_id"] for c in iter_components(message.components) if c.get("label") == label)
        print(f"\n[#{self._where(message)}] {member.user.username}: presses “{label}” under the summary")
        return self._answered(await self.sim.click(member, message, button))

    def _where(self, message: SimMessage) -> str:
        return self.sim.channel(message.channel_id).name[:40]

    def _answered(self, result: InteractionResult) -> InteractionResult:
        """Print each message the user sees in answer, once: the response (unless the bot deleted it), then the
        follow-ups."""
        shown = [result.original] if result.original is not None and not result.original.deleted else []
        for message in [*shown, *result.followups]:
            self._show(_as_seen(message), ephemeral=message.ephemeral)
        return result

    async def first_choice(self, member: SimMember, channel: SimChannel, command: str, focused: str) -> int:
        choices = await self.sim.autocomplete(member, channel, command, focused)
        return int(choices[0]["value"])

    def _show(self, text: str, *, ephemeral: bool) -> None:
        named = re.sub(r"<@!?(\d+)>", lambda m: "@" + self.names.get(int(m.group(1)), m.group(1)), text)
        prefix = "  bot (only you can see this): " if ephemeral else "  bot: "
        lines = named.splitlines() or [""]
        print(prefix + lines[0])
        for line in lines[1:]:
            print(textwrap.indent(line, " " * 7))


def _crux_of(message: SimMessage) -> str:
    """ "Crux #N", as the crux's message titles it."""
    found = re.search(r"Crux #\d+", _as_seen(message))
    return found.group(0) if found else "the crux"


def _as_seen(message: SimMessage) -> str:
    """The message as Discord lays it out: content, then each embed's title, text, inline fields and footer."""
    parts = [message.content] if message.content else []
    for embed in message.embeds:
        parts.extend(embed[key] for key in ("title", "description") if embed.get(key))
        fields = [f"{field['name']}: {field['value']}" for field in embed.get("fields", [])]
        if fields:
            parts.append(" · ".join(fields))
        if embed.get("footer"):
            parts.append(f"({embed['footer']['text']})")
    return "\n".join(parts)


async def play(output: Path | None = None) -> int:
    """Run the sample debate on a temporary SQLite file, writing its export and map into ``output`` (default: a new
    temporary folder, kept); returns the exit status."""
    print(INTRODUCTION)
    folder = output or Path(tempfile.mkdtemp(prefix="crux-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        db = Database(f"sqlite+aiosqlite:///{Path(scratch) / 'demo.db'}")
        await db.upgrade()
        try:
            async with DiscordSim() as sim:
                guild = sim.add_guild("Alignment Reading Group")
                channel = sim.add_text_channel(guild, "debates")
                ada, ben = sim.add_member(guild, "ada"), sim.add_member(guild, "ben")
                async with LocalBot(sim, db):
                    talk = Conversation(sim, {ada.user.id: "ada", ben.user.id: "ben"})
                    thread = await _sample_debate(talk, sim, channel, ada, ben)
                    await _records(talk, thread, ada, folder)
        finally:
            await db.dispose()
    print(NEXT_STEPS)
    return 0


async def _records(talk: Conversation, thread: SimChannel, ada: SimMember, folder: Path) -> None:
    """End the debate, then save its Markdown export and its map into ``folder``, printing where."""
    await talk.say(ada, thread, "debate end", outcome="Fund both; revisit when the 2030 evals are in.")
    for command, options in (("debate export", {"format": "markdown"}), ("debate map", {})):
        result = await talk.say(ada, thread, command, **options)
        for attachment in result.message.attachments if result.message else []:
            path = folder / attachment.filename
            path.write_bytes(attachment.data)
            print(f"  → wrote {path}")


async def _sample_debate(
    talk: Conversation, sim: DiscordSim, channel: SimChannel, ada: SimMember, ben: SimMember
) -> SimChannel:
    """Play the debate up to its summary; returns its thread."""
    await talk.say(
        ada, channel, "debate start", topic=TOPIC, agenda="AI safety priorities", sides="interpretability, governance"
    )
    thread = sim.threads(channel)[-1]
    await talk.say(ada, thread, "debate join", side="interpretability")
    await talk.say(ben, thread, "debate join", side="governance")
    await talk.say(
        ada,
        thread,
        "claim",
        text="Only mechanistic interpretability can verify that a frontier model is not deceiving us.",
    )
    verification = await talk.first_choice(ben, thread, "rebut", "claim")
    await talk.say(
        ben,
        thread,
        "rebut",
        claim=verification,
        text="Verification is worth little without institutions able to act on it.",
    )
    await talk.say(ben, thread, "claim", text="Compute governance can slow a frontier race within five years.")
    compute = await talk.first_choice(ada, thread, "rebut", "claim")
    await talk.say(ada, thread, "rebut", claim=compute, text="Export controls leak: chip smuggling is documented.")
    deception = await _crux(
        talk, ada, thread, "Will interpretability tools detect deception in a frontier model by 2030?", verification
    )
    thresholds = await _crux(
        talk, ben, thread, "Will compute thresholds stay meaningful as algorithms improve?", compute
    )
    await talk.pick(ada, deception, 70)
    await talk.pick(ben, deception, 20)
    await talk.pick(ben, thresholds, 80)
    await talk.pick(ada, thresholds, 40)
    await talk.exact(ada, deception, 55, "ben: detection without teeth")
    audits_crux = await _crux(talk, ben, thread, "Do frontier labs accept external pre-deployment testing?")
    await talk.pick(ada, audits_crux, 80)
    await talk.pick(ben, audits_crux, 40)
    audits = await talk.first_choice(ada, thread, "crux resolve", "crux")
    await talk.say(
        ada,
        thread,
        "crux resolve",
        crux=audits,
        resolution="Yes: several labs give evaluators early access.",
        outcome="yes",
        source="https://example.org/pre-deployment-testing",
    )
    weights = await _crux(talk, ben, thread, "Will evaluations need access to model weights to be trusted?")
    await talk.pick(ada, weights, 90)
    await talk.pick(ben, weights, 70)
    await talk.say(ben, thread, "crux scores")
    summary = await talk.say(ben, thread, "debate summary")
    await talk.press(ada, summary, "Next ▶")
    return thread


async def _crux(
    talk: Conversation, member: SimMember, thread: SimChannel, question: str, claim: int | None = None
) -> SimMessage:
    """Name a crux (linked to a claim if given); its message, whose menu and button take the credences."""
    options: dict[str, object] = {"question": question} | ({} if claim is None else {"claim": claim})
    added = await talk.say(member, thread, "crux add", **options)
    assert added.message is not None, added.text
    return added.message
