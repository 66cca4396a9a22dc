"""The rule for what spans debates (issue 27), without Discord: each listing keeps only the debates in channels its
audience can see; a public answer counts the rest, a private one does not."""

from __future__ import annotations

from bot.core.debates import lifecycle as core
from bot.core.scoring.scores import agenda_track_record
from bot.core.summary import choices
from bot.core.summary.queries import summarize_agenda
from bot.core.visibility import Audience, left_out_note
from bot.db import Database

GUILD, ALICE = 1001, 1
PUBLIC, STAFF = 10, 20


async def _debates(db: Database) -> int:
    """Debates on agenda "Safety" in #public and #staff and on "Staffing" in #staff; the id of "Safety"."""
    async with db.write() as session:
        for thread, (topic, agenda, channel) in enumerate(
            [("Open", "Safety", PUBLIC), ("Secret", "Safety", STAFF), ("Rota", "Staffing", STAFF)], start=100
        ):
            plan = core.plan_debate(topic, agenda=agenda)
            await session.run_sync(
                core.start_debate, core.Actor(GUILD, ALICE), plan, channel_id=channel, thread_id=thread
            )
    return await _agenda(db, "Safety")


async def _agenda(db: Database, name: str) -> int:
    async with db.read() as session:
        found = await session.run_sync(choices.agenda_choices, GUILD, name, Audience(frozenset({PUBLIC, STAFF})))
    return int(found[0].value)


async def test_every_listing_keeps_only_what_its_audience_can_see(db: Database) -> None:
    safety = await _debates(db)
    private, public = Audience(frozenset({PUBLIC})), Audience(frozenset({PUBLIC}), public=True)
    nobody = Audience(frozenset(), public=True)
    async with db.read() as session:
        summary = await session.run_sync(summarize_agenda, GUILD, safety, public)
        unseen = await session.run_sync(summarize_agenda, GUILD, safety, nobody)
        told = await session.run_sync(summarize_agenda, GUILD, safety, private)
        scores = await session.run_sync(agenda_track_record, GUILD, safety, public)
        listed = await session.run_sync(core.open_debates, GUILD, 1, private)
        agendas = await session.run_sync(core.agendas, GUILD, private)
        offered = await session.run_sync(choices.agenda_choices, GUILD, "", private)
        none_offered = await session.run_sync(choices.agenda_choices, GUILD, "", nobody)
    assert [d.topic for d in summary.debates] == ["Open"] and summary.hidden == 1
    assert unseen.debates == () and unseen.hidden == 2
    assert told.hidden == 0  # a private answer does not tell its reader of what they cannot see
    assert scores.hidden == 1
    assert [d.topic for d in listed.items] == ["Open"] and listed.total == 1
    assert [(agenda.name, n_open, n_all) for agenda, n_open, n_all in agendas] == [("Safety", 1, 1)]
    assert [choice.label for choice in offered] == ["Safety"] and none_offered == []


def test_the_note_says_how_many_were_left_out_and_why() -> None:
    assert left_out_note(0) == ""
    assert left_out_note(1) == "1 debate in channels not everyone here can see is not shown."
    assert left_out_note(2) == "2 debates in channels not everyone here can see are not shown."
