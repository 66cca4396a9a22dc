"""The bounds of command options, which Discord enforces: every number option has its range and every text option
the core's limit (``bot.core.text``), so that Discord's own client refuses input out of bounds before sending it.
The core checks the same limits again, for what comes in another way (a modal, a message logged from chat)."""

from __future__ import annotations

from discord import app_commands

from bot.core import text as t
from bot.core.debates import KEY_MAX, MINUTES_MAX, SIDES_MAX

Number = app_commands.Range[int, 1, KEY_MAX]
"""A record's number in its debate (Claim #3), an agenda's id, a page."""
Percent = app_commands.Range[int, 0, 100]
"""A credence."""
Minutes = app_commands.Range[int, 1, MINUTES_MAX]
Topic = app_commands.Range[str, None, t.TOPIC_MAX]
AgendaName = app_commands.Range[str, None, t.AGENDA_MAX]
Sides = app_commands.Range[str, None, SIDES_MAX]
SideName = app_commands.Range[str, None, t.SIDE_MAX]
ClaimText = app_commands.Range[str, None, t.CLAIM_MAX]
Question = app_commands.Range[str, None, t.QUESTION_MAX]
Reason = app_commands.Range[str, None, t.REASON_MAX]
Resolution = app_commands.Range[str, None, t.RESOLUTION_MAX]
Link = app_commands.Range[str, None, t.URL_MAX]
