"""End-to-end checks of the simulator with a real, unmodified discord.py client."""

from __future__ import annotations

import asyncio
import gc
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import pytest
from aiohttp import web
from discord import app_commands
from discord.ext import commands

from bot.runtime.endpoints import use_endpoints
from sim import (
    ADMINISTRATOR,
    DEFAULT_MEMBER_PERMISSIONS,
    MANAGE_THREADS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    CallbackType,
    ClientRefusal,
    DiscordSim,
    SimChannel,
    SimGuild,
    SimMember,
)
from sim import world as sim_world
from sim.api import Call

SIDES = ["affirmative", "negative", "abstain"]
AppCommand = app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu


class VoteView(discord.ui.View):
    """A persistent view: survives restarts because its custom ids are fixed."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Agree", custom_id="vote:agree", style=discord.ButtonStyle.success)
    async def agree(self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]) -> None:
        await interaction.response.edit_message(content=f"{interaction.user.display_name} agreed", view=self)

    @discord.ui.select(custom_id="vote:side", options=[discord.SelectOption(label=s, value=s) for s in SIDES])
    async def side(self, interaction: discord.Interaction, select: discord.ui.Select[VoteView]) -> None:
        await interaction.response.send_message(f"You chose {select.values[0]}", ephemeral=True)

    @discord.ui.select(cls=discord.ui.UserSelect, custom_id="vote:who")
    async def who(self, interaction: discord.Interaction, select: discord.ui.UserSelect[VoteView]) -> None:
        [picked] = select.values
        assert isinstance(picked, discord.Member)
        await interaction.response.send_message(f"You picked {picked.display_name}", ephemeral=True)


class ClaimModal(discord.ui.Modal, title="New claim"):
    """A modal with one required text input."""

    statement: discord.ui.TextInput[ClaimModal] = discord.ui.TextInput(label="Statement", custom_id="statement")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Claim recorded: {self.statement.value}", ephemeral=True)


debate = app_commands.Group(name="debate", description="Run a debate")


@debate.command(name="start", description="Start a debate in a new thread")
async def debate_start(
    interaction: discord.Interaction, topic: app_commands.Range[str, 2, 100], rounds: app_commands.Range[int, 1, 9] = 3
) -> None:
    assert isinstance(interaction.channel, discord.TextChannel)
    thread = await interaction.channel.create_thread(name=topic, type=discord.ChannelType.public_thread)
    await thread.send(f"Debate on {topic} for {rounds} rounds")
    embed = discord.Embed(title=f"Debate: {topic}", description=f"Rounds: {rounds}")
    await interaction.response.send_message(embed=embed)


@debate.command(name="side", description="Pick a side")
async def debate_side(interaction: discord.Interaction, side: str) -> None:
    await interaction.response.send_message(f"Side: {side}")


@debate_side.autocomplete("side")
async def side_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=s.title(), value=s) for s in SIDES if s.startswith(current)]


@debate.command(name="close", description="Archive and lock this debate's thread")
async def debate_close(interaction: discord.Interaction) -> None:
    thread = interaction.channel
    assert isinstance(thread, discord.Thread)
    count = len([message async for message in thread.history(limit=50)])
    await interaction.response.send_message(f"Closed after {count} messages")
    await thread.edit(archived=True, locked=True)


@app_commands.command(name="slow", description="Defers, then follows up")
async def slow(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await asyncio.sleep(0.05)
    await interaction.followup.send("Finished the slow work")
    await interaction.followup.send("And one more thing")


@app_commands.command(name="claim", description="Opens the claim modal")
async def claim(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(ClaimModal())


@app_commands.command(name="survey", description="Opens a modal with a select, in a label or (refused) not")
async def survey(interaction: discord.Interaction, labelled: bool) -> None:
    modal = discord.ui.Modal(title="Survey", custom_id="survey")
    pick = discord.ui.Select[Any](custom_id="pick", options=[discord.SelectOption(label=s) for s in SIDES])
    modal.add_item(discord.ui.Label(text="Your side", component=pick) if labelled else pick)
    try:
        await interaction.response.send_modal(modal)
    except discord.HTTPException as error:
        await interaction.response.send_message(f"Refused with code {error.code}: {error.text}")


@app_commands.command(name="panel", description="Posts the voting panel")
async def panel(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Vote here", view=VoteView())


@app_commands.command(name="report", description="Sends a file")
async def report(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Report attached", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "r.csv"))


@app_commands.command(name="perms", description="The invoker's permissions in a channel, as resolved")
async def perms(interaction: discord.Interaction, where: app_commands.AppCommandChannel) -> None:
    here, there = interaction.permissions, where.permissions
    await interaction.response.send_message(
        f"here: history {here.read_message_history}; there: history {there.read_message_history}"
    )


@app_commands.command(name="sees", description="The text channels the invoker may view, from the bot's cache")
async def sees(interaction: discord.Interaction) -> None:
    member = interaction.user
    assert interaction.guild is not None and isinstance(member, discord.Member)
    names = [c.name for c in interaction.guild.text_channels if c.permissions_for(member).view_channel]
    await interaction.response.send_message(" ".join(sorted(names)), ephemeral=True)


@app_commands.command(name="shout", description="Tries a message over Discord's length limit")
async def shout(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Trying")
    try:
        await interaction.channel.send("x" * 2001)  # type: ignore[union-attr]
    except discord.HTTPException as error:
        await interaction.edit_original_response(content=f"Refused with code {error.code}")


@app_commands.command(name="tidy", description="Moderators only")
@app_commands.default_permissions(manage_threads=True)
async def tidy(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Tidied", ephemeral=True)


@app_commands.context_menu(name="Quote")
async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
    text = f"> {message.content}\n— {message.author.display_name}"
    if message.attachments:
        text += f" [{len(await message.attachments[0].read())} bytes]"
    await interaction.response.send_message(text)


@app_commands.context_menu(name="Discuss")
async def discuss(interaction: discord.Interaction, message: discord.Message) -> None:
    thread = await message.create_thread(name=f"About {message.author.display_name}'s message")
    await interaction.response.send_message(f"Discuss in {thread.mention}", ephemeral=True)


class SimBot(commands.Bot):
    """The throwaway bot: global commands, one guild command, a persistent view."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.guild_id = guild_id
        self.seen_messages: list[discord.Message] = []

    async def setup_hook(self) -> None:
        command: AppCommand
        for command in (debate, slow, claim, survey, panel, report, perms, sees, shout, tidy, quote, discuss):
            self.tree.add_command(command)
        self.tree.add_command(ping, guild=discord.Object(self.guild_id))
        self.add_view(VoteView())
        await self.tree.sync()
        await self.tree.sync(guild=discord.Object(self.guild_id))

    async def on_message(self, message: discord.Message) -> None:
        self.seen_messages.append(message)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY; a test has no identify rate limit to respect."""


@app_commands.command(name="ping", description="A guild-only command")
async def ping(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(f"pong in {interaction.guild.name}")  # type: ignore[union-attr]


@dataclass
class World:
    """The fixture world: one guild, a channel, a plain member and a moderator."""

    sim: DiscordSim
    guild: SimGuild
    channel: SimChannel
    alice: SimMember
    mod: SimMember


@dataclass
class Running:
    """A connected bot and the task running it."""

    bot: SimBot
    task: asyncio.Task[None]

    async def close(self) -> None:
        await self.bot.close()
        await self.task


async def start_bot(sim: DiscordSim, guild: SimGuild) -> Running:
    use_endpoints(sim.api_base, sim.gateway_url)
    bot = SimBot(guild.id)
    await bot.login(sim.token)
    running = Running(bot, asyncio.create_task(bot.connect()))
    await sim.wait_until_ready()
    await bot.wait_until_ready()
    return running


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with DiscordSim() as sim:
        guild = sim.add_guild("Debate Club")
        channel = sim.add_text_channel(guild, "general")
        alice = sim.add_member(guild, "Alice")
        mod = sim.add_member(guild, "Mod", permissions=DEFAULT_MEMBER_PERMISSIONS | MANAGE_THREADS)
        yield World(sim, guild, channel, alice, mod)


@pytest.fixture
async def bot(world: World) -> AsyncIterator[SimBot]:
    running = await start_bot(world.sim, world.guild)
    yield running.bot
    await running.close()


async def test_login_sync_and_guild_cache(world: World, bot: SimBot) -> None:
    sim = world.sim
    assert bot.user is not None and bot.user.id == sim.bot_user.id
    guild = bot.get_guild(world.guild.id)
    assert guild is not None and guild.get_channel(world.channel.id) is not None
    names = {command["name"] for command in sim.commands()}
    assert {"debate", "slow", "claim", "Quote"} <= names
    assert [command["name"] for command in sim.commands(world.guild)] == ["ping"]
    assert sim.command_puts == 2
    assert not sim.errors


async def test_wrong_token_is_login_failure(world: World) -> None:
    use_endpoints(world.sim.api_base, world.sim.gateway_url)
    client = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()
    assert world.sim.errors[-1].status == 401


async def test_slash_subcommand_creates_thread_and_posts(world: World, bot: SimBot) -> None:
    sim = world.sim
    result = await sim.invoke(world.alice, world.channel, "debate start", topic="Tabs vs spaces", rounds=2)
    assert result.type == CallbackType.CHANNEL_MESSAGE and not result.ephemeral
    assert "Debate: Tabs vs spaces" in result.text and "Rounds: 2" in result.text
    [thread] = sim.threads(world.channel)
    assert thread.name == "Tabs vs spaces" and thread.owner_id == sim.bot_user.id
    assert [m.content for m in sim.messages(thread)] == ["Debate on Tabs vs spaces for 2 rounds"]
    assert sim.messages(world.channel)[-1] is result.message
    assert bot.get_guild(world.guild.id).get_thread(thread.id) is not None  # type: ignore[union-attr]
    assert not sim.errors


async def test_options_are_checked_against_the_synced_definition(world: World, bot: SimBot) -> None:
    sim = world.sim
    with pytest.raises(KeyError, match="known"):
        await sim.invoke(world.alice, world.channel, "debate finish")
    with pytest.raises(KeyError, match="declared"):
        await sim.invoke(world.alice, world.channel, "debate start", topic="xy", colour="red")
    with pytest.raises(ValueError, match="required"):
        await sim.invoke(world.alice, world.channel, "debate start")
    with pytest.raises(TypeError):
        await sim.invoke(world.alice, world.channel, "debate start", topic="xy", rounds="two")


async def test_options_out_of_bounds_never_reach_the_bot(world: World, bot: SimBot) -> None:
    sim = world.sim
    refused = [{"topic": "x"}, {"topic": "x" * 101}, {"topic": "ok", "rounds": 0}, {"topic": "ok", "rounds": 10}]
    for options in refused:
        with pytest.raises(ClientRefusal):
            await sim.invoke(world.alice, world.channel, "debate start", **options)
    assert sim.threads(world.channel) == [] and sim.messages(world.channel) == []
    edges = await sim.invoke(world.alice, world.channel, "debate start", topic="y" * 100, rounds=9)
    assert "Rounds: 9" in edges.text


async def test_contexts_hide_commands_where_they_do_not_belong(world: World, bot: SimBot) -> None:
    sim = world.sim
    guild_only = {"name": "here", "description": "In servers only", "type": 1, "contexts": [0]}
    dm_only = {"name": "there", "description": "In DMs only", "type": 1, "contexts": [1]}
    await bot.http.bulk_upsert_global_commands(sim.application_id, [guild_only, dm_only])
    with pytest.raises(PermissionError, match="not available in DMs"):
        await sim.invoke_dm(world.alice.user, "here")
    with pytest.raises(PermissionError, match="not available in servers"):
        await sim.invoke(world.alice, world.channel, "there")


async def test_guild_command_and_default_permissions(world: World, bot: SimBot) -> None:
    sim = world.sim
    assert (await sim.invoke(world.alice, world.channel, "ping")).content == "pong in Debate Club"
    with pytest.raises(PermissionError):
        await sim.invoke(world.alice, world.channel, "tidy")
    result = await sim.invoke(world.mod, world.channel, "tidy")
    assert result.ephemeral and result.content == "Tidied"
    assert result.message not in sim.messages(world.channel)


async def test_autocomplete(world: World, bot: SimBot) -> None:
    choices = await world.sim.autocomplete(world.alice, world.channel, "debate side", "side", "a")
    assert choices == [{"name": "Affirmative", "value": "affirmative"}, {"name": "Abstain", "value": "abstain"}]


async def test_deferred_command_with_followups(world: World, bot: SimBot) -> None:
    sim = world.sim
    result = await sim.invoke(world.alice, world.channel, "slow")
    assert result.type == CallbackType.DEFERRED_CHANNEL_MESSAGE
    assert result.content == "Finished the slow work"
    await sim.wait_for(lambda: len(result.followups) == 1, what="second follow-up")
    assert "And one more thing" in result.text
    assert [m.content for m in sim.messages(world.channel)] == ["Finished the slow work", "And one more thing"]


async def test_modal_round_trip(world: World, bot: SimBot) -> None:
    sim = world.sim
    opened = await sim.invoke(world.alice, world.channel, "claim")
    assert opened.type == CallbackType.MODAL and opened.modal is not None and opened.modal["title"] == "New claim"
    with pytest.raises(ValueError, match="required"):
        await sim.submit_modal(world.alice, world.channel, opened.modal["custom_id"], {})
    result = await sim.submit_modal(world.alice, world.channel, opened.modal["custom_id"], {"statement": "P"})
    assert result.ephemeral and result.content == "Claim recorded: P"


async def test_a_select_in_a_modal_must_sit_inside_a_label(world: World, bot: SimBot) -> None:
    sim = world.sim
    opened = await sim.invoke(world.alice, world.channel, "survey", labelled=True)
    assert opened.type == CallbackType.MODAL and opened.modal is not None
    assert opened.modal["components"][0]["type"] == 18
    result = await sim.invoke(world.alice, world.channel, "survey", labelled=False)
    assert result.content is not None and result.content.startswith("Refused with code 50035")
    assert "A select in a modal must be in a label" in result.content
    assert sim.errors[-1].path.endswith("/callback") and sim.errors[-1].status == 400


async def test_persistent_button_and_select(world: World, bot: SimBot) -> None:
    sim = world.sim
    posted = await sim.invoke(world.alice, world.channel, "panel")
    assert posted.message is not None and "vote:agree" in posted.message.custom_ids
    clicked = await sim.click(world.mod, posted.message, "vote:agree")
    assert clicked.type == CallbackType.UPDATE_MESSAGE and clicked.message is posted.message
    assert posted.message.content == "Mod agreed" and posted.message.history[0]["content"] == "Vote here"
    chosen = await sim.select(world.alice, posted.message, "vote:side", ["negative"])
    assert chosen.ephemeral and chosen.content == "You chose negative"
    picked = await sim.select(world.alice, posted.message, "vote:who", [world.mod])
    assert picked.content == "You picked Mod"
    with pytest.raises(KeyError, match="vote:agree"):
        await sim.click(world.alice, posted.message, "vote:nope")


async def test_message_context_menus(world: World, bot: SimBot) -> None:
    sim = world.sim
    said = await sim.post_message(world.alice, world.channel, "The sky is green", attachments=[("sky.txt", b"blue")])
    await sim.wait_for(lambda: any(m.id == said.id for m in bot.seen_messages), what="bot saw the message")
    assert bot.seen_messages[-1].content == ""  # no message-content intent: Discord blanks it
    result = await sim.context_menu(world.mod, said, "Quote")
    assert result.content == "> The sky is green\n— Alice [4 bytes]"
    discussed = await sim.context_menu(world.alice, said, "Discuss")
    [thread] = sim.threads(world.channel)
    assert thread.id == said.id and said.thread is thread
    assert discussed.ephemeral and discussed.content == f"Discuss in <#{thread.id}>"


async def test_replies_and_thread_archive_and_lock(world: World, bot: SimBot) -> None:
    sim = world.sim
    await sim.invoke(world.alice, world.channel, "debate start", topic="Cats")
    [thread] = sim.threads(world.channel)
    first = await sim.post_message(world.alice, thread, "Cats are great")
    reply = await sim.post_message(world.mod, thread, "Agreed", reply_to=first)
    assert reply.to_payload()["referenced_message"]["content"] == "Cats are great"
    closed = await sim.invoke(world.mod, thread, "debate close")
    assert closed.content == "Closed after 3 messages"
    await sim.wait_for(lambda: bool(thread.thread_metadata and thread.thread_metadata["locked"]), what="locked")
    assert thread.thread_metadata is not None and thread.thread_metadata["archived"]
    with pytest.raises(PermissionError, match="locked"):
        await sim.post_message(world.alice, thread, "Wait!")
    cached = bot.get_guild(world.guild.id).get_thread(thread.id)  # type: ignore[union-attr]
    await sim.wait_for(lambda: cached is not None and cached.locked, what="THREAD_UPDATE reached the bot")


async def test_file_attachment(world: World, bot: SimBot) -> None:
    result = await world.sim.invoke(world.alice, world.channel, "report")
    [attachment] = result.attachments
    assert (attachment.filename, attachment.data) == ("r.csv", b"a,b\n1,2\n")
    assert world.sim.requests[-1].files == [("r.csv", b"a,b\n1,2\n")]


async def test_limits_are_enforced_with_discord_errors(world: World, bot: SimBot) -> None:
    sim = world.sim
    result = await sim.invoke(world.alice, world.channel, "shout")
    await sim.wait_for(lambda: result.content != "Trying", what="the edit after the refusal")
    assert result.content == "Refused with code 50035"
    [error] = sim.errors
    assert (error.method, error.status) == ("POST", 400)
    assert error.response["errors"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"


async def test_reconnect_resume_and_invalid_session(world: World, bot: SimBot) -> None:
    sim = world.sim
    session_before = bot.ws.session_id
    await sim.request_reconnect()
    assert (await sim.invoke(world.alice, world.channel, "ping")).content == "pong in Debate Club"
    assert bot.ws.session_id == session_before
    await sim.drop_connections()
    assert (await sim.invoke(world.alice, world.channel, "ping")).content == "pong in Debate Club"
    await sim.invalidate_session(resumable=False)
    assert bot.ws.session_id != session_before
    assert (await sim.invoke(world.alice, world.channel, "ping")).content == "pong in Debate Club"


async def test_events_sent_while_disconnected_are_replayed(world: World, bot: SimBot) -> None:
    sim = world.sim
    dropping = asyncio.create_task(sim.drop_connections())
    await asyncio.sleep(0)  # the sockets are cut; the bot has not resumed yet
    late = sim.add_text_channel(world.guild, "late")
    await dropping
    await sim.wait_for(lambda: bot.get_channel(late.id) is not None, what="CHANNEL_CREATE replayed on RESUME")


async def test_rate_limit_and_server_error_are_retried(world: World, bot: SimBot) -> None:
    sim = world.sim
    sim.fail_next("POST", r"/channels/\d+/messages$", status=429, times=2)
    sim.fail_next("*", r"/callback$", status=500)  # discord.py waits 1 s before retrying a 5xx
    result = await sim.invoke(world.alice, world.channel, "debate start", topic="Retries")
    assert "Debate: Retries" in result.text
    statuses = [r.status for r in sim.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert statuses == [429, 429, 200]
    assert [r.status for r in sim.requests if r.path.endswith("/callback")] == [500, 200]
    assert not sim.errors


async def test_answering_twice_is_rejected(world: World, bot: SimBot) -> None:
    @bot.tree.command(name="twice", description="Answers twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        interaction.response._response_type = None  # forget the answer, as a buggy bot might
        try:
            await interaction.response.send_message("second")
        except discord.HTTPException as error:
            await interaction.followup.send(f"code {error.code}")

    await bot.tree.sync()
    result = await world.sim.invoke(world.alice, world.channel, "twice")
    await world.sim.wait_for(lambda: bool(result.followups), what="follow-up")
    assert result.followups[0].content == "code 40060"


async def test_two_successive_bot_connections(world: World) -> None:
    sim = world.sim
    first = await start_bot(sim, world.guild)
    result = await sim.invoke(world.alice, world.channel, "panel")
    await first.close()
    second = await start_bot(sim, world.guild)
    try:
        assert sim.command_puts == 4
        assert result.message is not None
        clicked = await sim.click(world.alice, result.message, "vote:agree")  # persistent view after a restart
        assert clicked.content == "Alice agreed"
    finally:
        await second.close()


async def test_the_message_content_intent_is_the_applications(world: World, bot: SimBot) -> None:
    """Without the portal's switch other users' text is blank over REST (the bot's own and a message mentioning it
    are not), and a client asking for the intent at connect is closed with 4014."""
    sim = world.sim
    said = await sim.post_message(world.alice, world.channel, "interpretability first")
    mention = await sim.post_message(world.alice, world.channel, f"{sim.bot_user.mention} and governance")
    channel = bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    own = await channel.send("the bot's own")
    sim.message_content_intent = False
    assert (await channel.fetch_message(said.id)).content == ""
    assert [m.content async for m in channel.history(limit=3)] == ["the bot's own", mention.content, ""]
    assert (await bot.application_info()).flags.gateway_message_content is False
    sim.message_content_intent = True
    assert (await channel.fetch_message(said.id)).content == "interpretability first" and own.id
    assert (await bot.application_info()).flags.gateway_message_content is True

    sim.message_content_intent = False
    asking = discord.Client(intents=discord.Intents.default() | discord.Intents(message_content=True))
    await asking.login(sim.token)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asking.connect()
    await asking.close()


async def test_a_member_overwrite_denies_in_the_channel_and_its_threads(world: World, bot: SimBot) -> None:
    sim = world.sim
    await sim.invoke(world.mod, world.channel, "debate start", topic="Tabs vs spaces", rounds=2)
    [thread] = sim.threads(world.channel)
    other = sim.add_text_channel(world.guild, "other")
    sim.deny(world.alice, world.channel, SEND_MESSAGES | READ_MESSAGE_HISTORY)
    with pytest.raises(PermissionError):
        await sim.post_message(world.alice, world.channel, "refused")
    await sim.post_message(world.alice, thread, "threads need Send Messages in Threads")
    sim.deny(world.alice, world.channel, SEND_MESSAGES_IN_THREADS)
    with pytest.raises(PermissionError):
        await sim.post_message(world.alice, thread, "refused in its thread too")
    answer = await sim.invoke(world.alice, other, "perms", where=world.channel)
    assert answer.content == "here: history True; there: history False"
    answer = await sim.invoke(world.mod, thread, "perms", where=other)
    assert answer.content == "here: history True; there: history True"


async def test_dm_invoke(world: World, bot: SimBot) -> None:
    result = await world.sim.invoke_dm(world.alice.user, "slow")
    assert result.content == "Finished the slow work"
    assert world.sim.messages(world.sim.dm_channel(world.alice.user))[0] is result.message


async def test_sharded_clients_split_guilds(world: World) -> None:
    sim = world.sim
    other = sim.add_guild("Other")
    other_channel = sim.add_text_channel(other, "general")
    bob = sim.add_member(other, "Bob", permissions=ADMINISTRATOR)
    use_endpoints(sim.api_base, sim.gateway_url)
    bots = [
        commands.Bot(
            command_prefix="!", intents=discord.Intents.default(), shard_id=i, shard_count=2, guild_ready_timeout=0.05
        )
        for i in range(2)
    ]
    tasks = []
    for client in bots:
        await client.login(sim.token)
        tasks.append(asyncio.create_task(client.connect()))
    try:
        await asyncio.gather(*(client.wait_until_ready() for client in bots))
        for guild in (world.guild, other):
            owners = [client for client in bots if client.get_guild(guild.id) is not None]
            assert len(owners) == 1 and owners[0].shard_id == (guild.id >> 22) % 2
        assert bob.effective_permissions != DEFAULT_MEMBER_PERMISSIONS and other_channel.guild_id == other.id
    finally:
        for client in bots:
            await client.close()
        await asyncio.gather(*tasks)


async def test_rest_validation_without_a_bot(world: World) -> None:
    """Limits and unknown routes, called directly: every 4xx lands in ``sim.errors``."""
    sim = world.sim
    headers = {"Authorization": f"Bot {sim.token}"}
    messages = f"{sim.api_base}/channels/{world.channel.id}/messages"
    too_big = {"embeds": [{"title": "t" * 257, "fields": [{"name": "n", "value": "v" * 1025}]}]}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(messages, json=too_big) as response:
            assert response.status == 400 and response.headers["Content-Type"] == "application/json"
            errors = (await response.json())["errors"]["embeds"]["0"]
            assert set(errors) == {"title", "fields"}
        async with http.post(messages, json={"embeds": [{"description": "d" * 4000}] * 2}) as response:
            assert (await response.json())["errors"]["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"
        async with http.post(messages, json={}) as response:
            assert (await response.json())["code"] == 50006
        button = {"type": 2, "style": 2, "label": "b", "custom_id": "same"}
        twice = {"content": "c", "components": [{"type": 1, "components": [button, button]}]}
        async with http.post(messages, json=twice) as response:
            code = (await response.json())["errors"]["components"]["_errors"][0]["code"]
            assert code == "COMPONENT_CUSTOM_ID_DUPLICATED"
        threads = f"{sim.api_base}/channels/{world.channel.id}/threads"
        async with http.post(threads, json={"name": "", "type": 11}) as response:
            assert response.status == 400
        async with http.get(f"{sim.api_base}/nowhere") as response:
            assert response.status == 404 and (await response.json()) == {"message": "404: Not Found", "code": 0}
        commands = f"{sim.api_base}/applications/{sim.application_id}/commands"
        option = {"name": "n", "description": "d", "type": 3, "min_length": 10, "max_length": 6001, "min_value": 1}
        async with http.put(commands, json=[{"name": "c", "description": "d", "type": 1, "options": [option]}]) as bad:
            errors = (await bad.json())["errors"]["0"]["options"]["0"]
            assert set(errors) == {"max_length", "min_value"}
    assert [error.status for error in sim.errors] == [400, 400, 400, 400, 400, 404, 400]


async def test_a_rest_call_leaves_no_reference_cycle(world: World) -> None:
    """Every request the server answers is freed as soon as it is answered: a request left in a reference cycle waits
    for the garbage collector, which then cost the benchmarks' server a third of its CPU."""
    sim = world.sim
    messages = f"{sim.api_base}/channels/{world.channel.id}/messages"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {sim.token}"}) as http:
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds is kept in gc.garbage instead of freed
        try:
            for text in ("one", "two", ""):  # answered 200, 200, 400
                async with http.post(messages, json={"content": text}) as response:
                    await response.read()
            gc.collect()
            left = [type(item).__name__ for item in gc.garbage if isinstance(item, (web.Request, Call))]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    assert [message.content for message in sim.messages(world.channel)] == ["one", "two"]
    assert left == []


async def test_a_lean_world_keeps_only_the_latest(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lean world forgets the oldest messages of a channel, and the oldest interactions, beyond ``LEAN_KEEP`` —
    but no interaction the bot may still answer."""
    monkeypatch.setattr(sim_world, "LEAN_KEEP", 3)
    async with DiscordSim(lean=True) as sim:
        guild = sim.add_guild("Debate Club")
        channel = sim.add_text_channel(guild, "general")
        alice = sim.add_member(guild, "Alice")
        posted = [await sim.post_message(alice, channel, f"message {n}") for n in range(5)]
        assert [message.content for message in sim.messages(channel)] == ["message 2", "message 3", "message 4"]
        running = await start_bot(sim, guild)
        try:
            in_flight = [asyncio.ensure_future(sim.invoke(alice, channel, "slow")) for _ in range(4)]
            await asyncio.sleep(0)  # four interactions sent, none answered yet: all kept, beyond LEAN_KEEP
            assert len(sim._world.interactions) == 4
            assert {answer.content for answer in await asyncio.gather(*in_flight)} == {"Finished the slow work"}
            answers = [await sim.invoke(alice, channel, "ping") for _ in range(5)]
            async with aiohttp.ClientSession(headers={"Authorization": f"Bot {sim.token}"}) as http:
                forgotten = f"{sim.api_base}/channels/{channel.id}/messages/{posted[0].id}"
                async with http.get(forgotten) as response:
                    status = response.status
        finally:
            await running.close()
        assert {answer.content for answer in answers} == {"pong in Debate Club"}
        assert len(sim.messages(channel)) == 3 and status == 404
        assert len(sim._world.interactions) == len(sim._world.interactions_by_token) == 3


async def test_lean_mode_answers_alike_and_keeps_no_request_log() -> None:
    """``DiscordSim(lean=True)``, the benchmarks' server: the same answers (direct, deferred with follow-ups, twice
    refused), woken per interaction, with no log of REST calls but every 4xx still in ``errors``."""
    async with DiscordSim(lean=True) as sim:
        guild = sim.add_guild("Debate Club")
        channel = sim.add_text_channel(guild, "general")
        alice = sim.add_member(guild, "Alice")
        running = await start_bot(sim, guild)
        try:
            started = await sim.invoke(alice, channel, "debate start", topic="Tabs vs spaces")
            assert "Debate: Tabs vs spaces" in started.text and len(sim.threads(channel)) == 1
            slow_result = await sim.invoke(alice, channel, "slow")
            assert slow_result.type == CallbackType.DEFERRED_CHANNEL_MESSAGE
            assert slow_result.content == "Finished the slow work"
            choices = await sim.autocomplete(alice, channel, "debate side", "side", "a")
            assert [choice["value"] for choice in choices] == ["affirmative", "abstain"]
            answers = await asyncio.gather(*(sim.invoke(alice, channel, "ping") for _ in range(20)))
            assert {answer.content for answer in answers} == {"pong in Debate Club"}
            shouted = await sim.invoke(alice, channel, "shout")
            await sim.wait_for(lambda: shouted.content != "Trying", what="the edit after the refusal")
            assert shouted.content == "Refused with code 50035"
        finally:
            await running.close()
        assert not sim.requests
        assert [(error.method, error.status) for error in sim.errors] == [("POST", 400)]


async def test_roles_and_overwrites_decide_who_sees_a_channel_and_the_bots_cache_follows(
    world: World, bot: SimBot
) -> None:
    sim, guild, alice = world.sim, world.guild, world.alice
    staff = sim.add_role(guild, "staff")
    category = sim.add_category(guild, "Staff")
    sim.overwrite(category, guild.everyone, deny=VIEW_CHANNEL)
    sim.overwrite(category, staff, allow=VIEW_CHANNEL)
    room = sim.add_text_channel(guild, "room", category=category)  # synced: the category's overwrites
    notes = sim.add_text_channel(guild, "notes", category=category)
    sim.overwrite(notes, alice, deny=VIEW_CHANNEL)  # its own now: no longer synced
    mine = sim.add_text_channel(guild, "mine")
    sim.overwrite(mine, guild.everyone, deny=VIEW_CHANNEL)
    sim.overwrite(mine, alice, allow=VIEW_CHANNEL)
    sim.overwrite(world.channel, staff, deny=VIEW_CHANNEL)  # a role's denial, unless another role of hers allows

    async def seen() -> str:
        return (await sim.invoke(alice, mine, "sees")).content or ""

    assert await seen() == "general mine"
    sim.give_role(alice, staff)
    assert await seen() == "mine room"
    helpers = sim.add_role(guild, "helpers")
    sim.overwrite(world.channel, helpers, allow=VIEW_CHANNEL)
    sim.give_role(alice, helpers)
    assert await seen() == "general mine room"
    sim.overwrite(category, staff, deny=VIEW_CHANNEL)  # the synced channel follows; the other keeps its own
    assert await seen() == "general mine"
    assert [o.deny for o in room.overwrites.values()] == [VIEW_CHANNEL, VIEW_CHANNEL]
    sim.take_role(alice, staff)
    sim.overwrite(category, alice, allow=VIEW_CHANNEL)
    assert await seen() == "general mine room"
    admins = sim.add_role(guild, "admins", permissions=ADMINISTRATOR)
    sim.give_role(alice, admins)
    assert await seen() == "general mine notes room"


async def test_a_message_sent_again_with_its_nonce_within_the_window_is_the_earlier_one(
    world: World, bot: SimBot
) -> None:
    sim = world.sim
    channel = bot.get_partial_messageable(world.channel.id)
    first = await channel.send("Time's up", nonce="t0123456789abcdef01234567")  # discord.py adds enforce_nonce
    again = await channel.send("Time's up", nonce="t0123456789abcdef01234567")
    other = await channel.send("Time's up", nonce="t1")
    assert again.id == first.id and other.id != first.id
    assert [message.content for message in sim.messages(world.channel)] == ["Time's up", "Time's up"]
    sim.nonce_window = 0.0  # the window has passed: Discord posts it again
    assert (await channel.send("Time's up", nonce="t1")).id != other.id
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send("Too long a nonce", nonce="n" * 26)
    assert refused.value.status == 400
