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
        result = await self.sim.invoke(member, channel, command, **options)
        for message in [result.message, *result.followups] if result.message else []:
            self._show(_as_seen(message), ephemeral=result.ephemeral)
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
    await talk.say(
        ada,
        thread,
        "crux add",
        question="Will interpretability tools detect deception in a frontier model by 2030?",
        claim=verification,
    )
    deception = await talk.first_choice(ben, thread, "crux credence", "crux")
    await talk.say(
        ben,
        thread,
        "crux add",
        question="Will compute thresholds stay meaningful as algorithms improve?",
        claim=compute,
    )
    thresholds = await talk.first_choice(ada, thread, "crux credence", "crux")
    await talk.say(ada, thread, "crux credence", crux=deception, value=70)
    await talk.say(ben, thread, "crux credence", crux=deception, value=25)
    await talk.say(ben, thread, "crux credence", crux=thresholds, value=75)
    await talk.say(ada, thread, "crux credence", crux=thresholds, value=35)
    await talk.say(ada, thread, "crux credence", crux=deception, value=55, reason="ben: detection without teeth")
    await talk.say(ben, thread, "crux add", question="Do frontier labs accept external pre-deployment testing?")
    audits = await talk.first_choice(ada, thread, "crux resolve", "crux")
    await talk.say(ada, thread, "crux credence", crux=audits, value=80)
    await talk.say(ben, thread, "crux credence", crux=audits, value=40)
    await talk.say(
        ada,
        thread,
        "crux resolve",
        crux=audits,
        resolution="Yes: several labs give evaluators early access.",
        outcome="yes",
        source="https://example.org/pre-deployment-testing",
    )
    await talk.say(ben, thread, "crux add", question="Will evaluations need access to model weights to be trusted?")
    weights = await talk.first_choice(ada, thread, "crux credence", "crux")
    await talk.say(ada, thread, "crux credence", crux=weights, value=85)
    await talk.say(ben, thread, "crux credence", crux=weights, value=70)
    await talk.say(ben, thread, "crux scores")
    await talk.say(ben, thread, "debate summary")
    return thread
