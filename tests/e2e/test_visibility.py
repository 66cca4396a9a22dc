"""Issue 27 through Discord: whatever spans debates shows a debate only where everyone who will see the answer can
see its channel — a member overwrite, a role's, a category's synced ones, a role given later; a public post in a
channel whose readers can all read the debate's channel shows it, one whose readers may not leaves it out and says
so. Time is a hand-moved clock (for the digest)."""

from __future__ import annotations

import pytest

from bot.local import LocalBot
from sim import VIEW_CHANNEL, SimChannel, SimMember
from tests.clock import ManualClock
from tests.e2e.conftest import World

SECRET = "Secret reorganisation plan"
SECRET_CRUX = "Will the reorg leak?"
PUBLIC = "Interp or governance?"
PUBLIC_CRUX = "Will audits bind labs?"
CRUXES = {PUBLIC: PUBLIC_CRUX, SECRET: SECRET_CRUX}
NOTE = "1 debate in channels not everyone here can see is not shown."


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def _debate_in(world: World, channel: SimChannel, topic: str, agenda: str, *members: SimMember) -> SimChannel:
    """A debate started in ``channel`` by the first of ``members``, all of whom join it, with an unresolved crux
    (an agenda's summary shows a debate with one)."""
    started = await world.sim.invoke(members[0], channel, "debate start", topic=topic, agenda=agenda)
    assert "started" in started.text, started.text
    thread = world.sim.threads(channel)[-1]
    for member in members:
        await world.sim.invoke(member, thread, "debate join", side="for")
    await world.sim.invoke(members[0], thread, "crux add", question=CRUXES.get(topic, f"About {topic}?"))
    return thread


async def _scored_crux(world: World, thread: SimChannel, question: str, member: SimMember) -> None:
    """A crux ``member`` gave a credence on, resolved yes by the moderator."""
    await world.sim.invoke(member, thread, "crux add", question=question)
    crux = (await world.sim.autocomplete(member, thread, "crux credence", "crux", value=question))[0]["value"]
    await world.sim.invoke(member, thread, "crux credence", crux=crux, value=80)
    resolved = await world.sim.invoke(world.mod, thread, "crux resolve", crux=crux, resolution="Yes", outcome="yes")
    assert "resolved: yes" in resolved.text, resolved.text


def _private_channel(world: World, name: str) -> SimChannel:
    """A channel the bot can work in (its own overwrite lets it view it)."""
    channel = world.sim.add_text_channel(world.guild, name)
    world.sim.overwrite(channel, world.guild.members[world.sim.bot_user.id], allow=VIEW_CHANNEL)
    return channel


async def _agenda_id(world: World, member: SimMember, name: str) -> int:
    choices = await world.sim.autocomplete(member, world.channel, "agenda summary", "agenda", value=name)
    return int(choices[0]["value"])


async def _open_debates(world: World, member: SimMember) -> str:
    return (await world.sim.invoke(member, world.channel, "debate list")).text


async def _staff_channel(world: World) -> int:
    """The reproduction: Alice may not see #staff, which holds a debate on agenda "Safety" (with a scored crux of
    Bob's) and one on "Staffing"; #debates holds one on "Safety" (with a scored crux of Alice's). The id of "Safety"."""
    staff = _private_channel(world, "staff")
    world.sim.deny(world.alice, staff, VIEW_CHANNEL)
    public = await _debate_in(world, world.channel, PUBLIC, "Safety", world.alice)
    await _scored_crux(world, public, "Scored in public?", world.alice)
    secret = await _debate_in(world, staff, SECRET, "Safety", world.bob)
    await _scored_crux(world, secret, "Scored in secret?", world.bob)
    await _debate_in(world, staff, "Staff rota", "Staffing", world.bob)
    return await _agenda_id(world, world.alice, "Safety")


async def test_agenda_summary_leaves_out_a_debate_not_everyone_here_can_see(world: World, running: LocalBot) -> None:
    safety = await _staff_channel(world)
    summary = await world.sim.invoke(world.alice, world.channel, "agenda summary", agenda=safety)
    assert not summary.ephemeral and PUBLIC_CRUX in summary.text and NOTE in summary.text
    assert SECRET not in summary.text and SECRET_CRUX not in summary.text
    # Bob can see #staff, but a post in #debates is read by Alice too.
    posted = await world.sim.invoke(world.bob, world.channel, "agenda summary", agenda=safety)
    assert PUBLIC_CRUX in posted.text and SECRET not in posted.text and NOTE in posted.text


async def test_agenda_scores_leave_out_a_debate_not_everyone_here_can_see(world: World, running: LocalBot) -> None:
    safety = await _staff_channel(world)
    scores = await world.sim.invoke(world.alice, world.channel, "agenda scores", agenda=safety)
    assert "over 1 scored crux" in scores.text and NOTE in scores.text
    assert world.alice.mention in scores.text and world.bob.mention not in scores.text


async def test_debate_list_shows_only_the_debates_the_member_can_see(world: World, running: LocalBot) -> None:
    await _staff_channel(world)
    listed = await _open_debates(world, world.alice)
    assert "Open debates (1)" in listed and PUBLIC in listed and SECRET not in listed and "Staff rota" not in listed
    assert "Open debates (3)" in await _open_debates(world, world.bob)


async def test_agenda_list_and_autocomplete_count_only_what_the_member_can_see(world: World, running: LocalBot) -> None:
    await _staff_channel(world)
    agendas = (await world.sim.invoke(world.alice, world.channel, "agenda list")).text
    assert "Safety** — 1 open, 1 in all" in agendas and "Staffing" not in agendas
    offered = await world.sim.autocomplete(world.alice, world.channel, "agenda summary", "agenda", value="")
    assert [choice["name"] for choice in offered] == ["Safety"]
    assert "Safety** — 2 open, 2 in all" in (await world.sim.invoke(world.bob, world.channel, "agenda list")).text
    offered = await world.sim.autocomplete(world.bob, world.channel, "agenda summary", "agenda", value="")
    assert [choice["name"] for choice in offered] == ["Safety", "Staffing"]


async def test_the_digest_leaves_out_a_debate_not_everyone_in_its_channel_can_see(
    world: World, running: LocalBot, clock: ManualClock
) -> None:
    sim = world.sim
    safety = await _staff_channel(world)
    await sim.invoke(world.mod, world.channel, "digest set", agenda=safety, channel=world.channel, every="daily")
    await clock.advance(days=1)
    await sim.wait_for(lambda: any("Digest: Safety" in m.text for m in sim.messages(world.channel)), what="digest")
    digest = next(m.text for m in sim.messages(world.channel) if "Digest: Safety" in m.text)
    assert PUBLIC_CRUX in digest and SECRET_CRUX not in digest and NOTE in digest


async def test_a_post_shows_a_debate_whose_channel_all_its_readers_can_read(world: World, running: LocalBot) -> None:
    sim = world.sim
    sim.edit_role(world.guild, world.guild.everyone, permissions=VIEW_CHANNEL)  # as on most servers
    staff_role = sim.add_role(world.guild, "staff")
    sim.give_role(world.bob, staff_role)
    room = _private_channel(world, "staff-room")  # readers: the staff role (a subset of #debates' readers)
    sim.overwrite(room, world.guild.everyone, deny=VIEW_CHANNEL)
    sim.overwrite(room, staff_role, allow=VIEW_CHANNEL)
    await _debate_in(world, world.channel, PUBLIC, "Safety", world.alice)
    await _debate_in(world, room, SECRET, "Safety", world.bob)
    safety = await _agenda_id(world, world.bob, "Safety")

    in_room = await sim.invoke(world.bob, room, "agenda summary", agenda=safety)
    assert PUBLIC in in_room.text and SECRET in in_room.text and "not shown" not in in_room.text
    in_public = await sim.invoke(world.bob, world.channel, "agenda summary", agenda=safety)
    assert PUBLIC in in_public.text and SECRET not in in_public.text and NOTE in in_public.text


async def test_a_role_overwrite_and_a_role_given_later_decide_what_a_member_sees(
    world: World, running: LocalBot
) -> None:
    sim = world.sim
    staff_role = sim.add_role(world.guild, "staff")
    sim.give_role(world.bob, staff_role)
    room = _private_channel(world, "staff-room")
    sim.overwrite(room, world.guild.everyone, deny=VIEW_CHANNEL)
    sim.overwrite(room, staff_role, allow=VIEW_CHANNEL)
    await _debate_in(world, room, SECRET, "Staffing", world.bob)
    assert SECRET in await _open_debates(world, world.bob)
    assert SECRET not in await _open_debates(world, world.carol)
    assert "Staffing" not in (await sim.invoke(world.carol, world.channel, "agenda list")).text

    sim.give_role(world.carol, staff_role)  # given after the debate started: the next answer follows
    assert SECRET in await _open_debates(world, world.carol)
    assert "Staffing** — 1 open, 1 in all" in (await sim.invoke(world.carol, world.channel, "agenda list")).text


async def test_a_channel_synced_with_its_category_follows_the_category(world: World, running: LocalBot) -> None:
    sim = world.sim
    category = sim.add_category(world.guild, "Private")
    sim.overwrite(category, world.guild.everyone, deny=VIEW_CHANNEL)
    sim.overwrite(category, world.guild.members[sim.bot_user.id], allow=VIEW_CHANNEL)
    sim.overwrite(category, world.bob, allow=VIEW_CHANNEL)
    room = sim.add_text_channel(world.guild, "room", category=category)
    await _debate_in(world, room, SECRET, "Safety", world.bob)
    assert SECRET in await _open_debates(world, world.bob)
    assert SECRET not in await _open_debates(world, world.alice)

    sim.overwrite(category, world.alice, allow=VIEW_CHANNEL)  # CHANNEL_UPDATE for the category and its synced room
    assert SECRET in await _open_debates(world, world.alice)
    sim.overwrite(category, world.bob, deny=VIEW_CHANNEL)
    assert SECRET not in await _open_debates(world, world.bob)
