"""What the bot keeps about a member, told in one text: ``/privacy`` answers with it, and ``docs/privacy.md`` ("What
the bot keeps about you") holds the same text with the operator's part marked, for an operator to publish as their
privacy policy (``tests/core/test_privacy.py`` keeps the two in step)."""

from __future__ import annotations

CONTACT = "this server's moderators, who can reach the bot's operator"
"""Whom to ask, in ``/privacy``'s answer; an operator publishing the statement names themselves instead."""
KEPT = "until it is deleted: nothing else expires"
"""How long records are kept, in ``/privacy``'s answer; an operator with a retention period says so instead."""

_STATEMENT = """\
**What it keeps.** Your Discord user id, with what you do in a debate: the debates you start (topic, side names) \
and the outcome you give when you end one, the side you join, the claims, rebuttals, supports and cruxes you \
write or log — with every earlier text when one is edited, and a link to the chat message a record was logged \
from — your credences with their reasons, your answers in a double-crux debate, the cruxes you resolve, and the \
digests you schedule. Your display name in \
this server, as the bot last saw it when you used it. Computed from these: your forecast scores on resolved cruxes, \
a summary of your credences on each crux, how far apart the participants are, and, when the operator turned similar \
records on, a list of numbers per record's text to find records that say the same. A person named in an imported \
transcript is kept by that name, with their words.

**Why.** To show a debate's record — summaries, lists, scores, exports and the map — to the people who take part \
and read it. Display names are kept so that exports, read outside Discord, can name people.

**For how long.** A `/debate import` draft (messages read from a channel, with their authors) and a message waiting \
for its logger to pick the claim it rebuts: a day at most. Everything else {kept}. Ending a debate does not delete \
it; a moderator can delete a debate with `/debate delete`. When the bot is removed from this server, all it keeps \
about the server {removed}.

**Your copy, and erasure.** `/mydata export` sends you, privately, a file with everything the bot holds about you in \
this server. `/mydata forget` erases it, after telling you what stays: your texts are replaced by “[removed at the \
author's request]” so that others' replies still make sense, your id is removed from every record, and your \
credences, scores, sides, name and similarity data are deleted. For anything else, ask {contact}.

**Who can see it.** Everyone who can see the debate's channel: a debate runs in a public thread, and its records, \
credences, scores and exports show the names of who wrote them. An answer spanning debates (`/debate list`, \
`/agenda summary`, a digest) shows a debate only where everyone who sees the answer can see that debate's channel. \
The operator, who runs the bot and its database, can read everything it keeps.

**Where it is stored.** In the operator's database, on the machine the operator runs the bot on. The messages the \
bot posts in Discord, which quote what you wrote, are kept by Discord under its own policy.

{leaves}"""
_STAYS = """\
**Does your text leave the operator's machine?** Only to Discord, to post answers in this server. The optional \
similar-records model runs on the operator's machine; the bot has no feature that sends text to any other \
service."""
SENT_TO_MODEL = """\
**Does your text leave the operator's machine?** To Discord, to post answers in this server; and, because the \
operator turned on language-model help, to the language model at {model}, which the operator chose: when someone \
in a debate asks it for suggested cruxes (`/crux suggest`), the debate's topic, its standing claims (with their \
kind and what each answers) and its open cruxes with the participants' latest credences are sent there; when a \
moderator imports a conversation (`/debate import`), the texts of the messages drafted, in order, with which \
replies to which. Each person — and each person, role or channel mentioned in a text — is named only as P1, P2, \
R1, C1 …, never by Discord id or name; never reasons, withdrawn claims, resolved cruxes or anything of another \
debate or server. Its suggestions are shown only to whoever asked and kept nowhere unless they accept one. The \
optional similar-records model runs on the operator's machine."""


def removed_after(days: int) -> str:
    """What becomes of a server's data once the bot is removed from it, ``days`` being the operator's
    ``SERVER_RETENTION_DAYS`` (0: kept until an operator acts)."""
    if days <= 0:
        return "is kept until the bot's operator deletes it"
    return f"is deleted {days} day{'' if days == 1 else 's'} later"


def statement(
    *, contact: str = CONTACT, kept: str = KEPT, removed: str = removed_after(30), model: str | None = None
) -> str:
    """What the bot keeps about a member, why, for how long, who can see it, where, and whether text leaves the
    operator's machine (Discord Markdown, within an embed's description); ``removed``: what becomes of a server's
    data once the bot is removed from it (:func:`removed_after` the operator's period); ``model``: where
    language-model help sends text, when the operator turned it on (a host, as ``Settings.llm_destination`` gives
    it)."""
    leaves = _STAYS if model is None else SENT_TO_MODEL.format(model=model)
    return _STATEMENT.format(contact=contact, kept=kept, removed=removed, leaves=leaves)


FORGET_ASKED = """\
**Forget your data in this server?** This cannot be undone.

**Removed:** the texts you wrote (claims, rebuttals, supports, cruxes, resolutions, the topics of debates you \
started) are replaced by “[removed at the author's request]”, with their earlier texts; your id is removed from every \
record; your credences and reasons, scores, sides, double-crux answers, display name, drafts and similarity data \
are deleted.

**What stays:** the records other members wrote, also their replies to yours, and their credences and scores; \
the structure of each debate (record numbers, which record answers which, a crux's outcome). The messages the bot \
already posted in Discord that quote you stay as Discord keeps them: the bot does not keep their ids, so it cannot \
edit them — delete them in Discord, or ask a moderator to. Your own chat messages are yours to delete in Discord. \
To keep a copy first, use `/mydata export`."""
"""What ``/mydata forget`` tells a member before they confirm."""
