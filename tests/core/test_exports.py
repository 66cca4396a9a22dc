"""The debate export: its JSON round trip, the Markdown document, the Argdown document (checked by the Argdown
parser itself when it is installed) and its query count."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import event, inspect
from sqlmodel import col, delete, select

from bot.core.claims import arguments as claims
from bot.core.cruxes import lifecycle as cruxes
from bot.core.debates import lifecycle as core
from bot.core.debates.names import remember_name
from bot.core.exports.record import DebateExport, argdown_escape, build_export, to_argdown, to_json, to_markdown
from bot.db import Database
from schema import Claim, ClaimKind, ClaimStatus, Crux, CruxMark, CruxOutcome, CruxStatus, Debate, MemberName, utcnow
from tests.programs import argdown_cli, needs_argdown

GUILD = 1
ALICE, BOB, CAROL = 11, 12, 13
NAMES = {ALICE: "Ada", BOB: "Ben", CAROL: "Cy"}


async def _named(db: Database, names: dict[int, str], guild: int = GUILD) -> None:
    for user_id, name in names.items():
        await db.transact(remember_name, guild, user_id, name, utcnow())


async def _debate(db: Database, topic: str = "Interp or governance?", sides: str | None = None) -> Debate:
    await _named(db, NAMES)
    async with db.write() as session:
        plan = core.plan_debate(topic, "AI safety", sides)
        debate = await session.run_sync(core.start_debate, core.Actor(GUILD, ALICE), plan, channel_id=1, thread_id=2)
        await session.run_sync(core.join, debate, ALICE, plan.sides[0])
        await session.run_sync(core.join, debate, BOB, plan.sides[1])
        await session.run_sync(core.join, debate, CAROL, plan.sides[1])
    return debate


async def _withdraw(db: Database, debate: Debate, number: int) -> None:
    async with db.write() as session:
        claim = (
            await session.execute(select(Claim).where(Claim.debate_id == debate.id, Claim.number == number))
        ).scalar_one()
        claim.status = ClaimStatus.WITHDRAWN


async def _argued(db: Database) -> Debate:
    """#1 claim (alice); #2 rebuts #1 (bob); #3 rebuts #2 (alice); #4 supports #1 (carol); #5 claim (bob), withdrawn;
    crux #1 on #1 and … credences alice 40, bob 80, alice 15; crux #2 resolved."""
    debate = await _debate(db)
    alice, bob, carol = (core.Actor(GUILD, u) for u in (ALICE, BOB, CAROL))
    async with db.write() as session:
        one = (await session.run_sync(claims.add_claim, debate, alice, "Interp tools will generalise")).claim
        two = (
            await session.run_sync(claims.add_reply, debate, bob, one.number, "They never have", ClaimKind.REBUTTAL)
        ).claim
        await session.run_sync(claims.add_reply, debate, alice, two.number, "Some did, in 2024", ClaimKind.REBUTTAL)
        await session.run_sync(
            claims.add_reply, debate, carol, one.number, "Probing works on big models", ClaimKind.SUPPORT
        )
        await session.run_sync(claims.add_claim, debate, bob, "Governance is cheaper")
        crux, _ = await session.run_sync(cruxes.add_crux, debate, alice, "Do circuits transfer?", one.number)
        await session.run_sync(cruxes.record_credence, debate, alice, crux.number, 40)
        await session.run_sync(cruxes.record_credence, debate, bob, crux.number, 80, "priors")
        await session.run_sync(cruxes.record_credence, debate, alice, crux.number, 15, "read the transfer paper")
        settled, _ = await session.run_sync(cruxes.add_crux, debate, bob, "Is compute the bottleneck?")
        await session.run_sync(cruxes.record_credence, debate, carol, settled.number, 30)
        await session.run_sync(
            cruxes.resolve_crux,
            debate,
            alice,
            settled.number,
            "No: data is",
            CruxOutcome.NO,
            "https://example.org/data",
        )
    await _withdraw(db, debate, 5)
    return debate


async def _export(db: Database, debate: Debate) -> DebateExport:
    async with db.read() as session:
        return await session.run_sync(build_export, debate)


async def test_json_round_trips_with_the_whole_record(db: Database) -> None:
    debate = await _argued(db)
    export = await _export(db, debate)
    text = to_json(export)

    assert DebateExport.model_validate_json(text) == export
    raw = json.loads(text)
    assert raw["schema_version"] == 5
    assert raw["users"] == [
        {"user_id": str(ALICE), "name": "Ada"},
        {"user_id": str(BOB), "name": "Ben"},
        {"user_id": str(CAROL), "name": "Cy"},
    ]
    assert raw["debate"] | {"created_at": None} == {
        "number": 1,
        "topic": "Interp or governance?",
        "agenda": "AI safety",
        "sides": ["for", "against"],
        "format": "open",
        "status": "open",
        "creator_id": str(ALICE),
        "created_at": None,
        "ended_at": None,
        "outcome": None,
    }
    assert raw["participants"] == [
        {"user_id": str(ALICE), "side": "for"},
        {"user_id": str(BOB), "side": "against"},
        {"user_id": str(CAROL), "side": "against"},
    ]
    shape = [(c["number"], c["kind"], c["answers"], c["side"], c["status"]) for c in raw["claims"]]
    assert shape == [
        (1, "claim", None, "for", "standing"),
        (2, "rebuttal", 1, "against", "standing"),
        (3, "rebuttal", 2, "for", "standing"),
        (4, "support", 1, "against", "standing"),
        (5, "claim", None, "against", "withdrawn"),
    ]
    first, second = raw["cruxes"]
    assert (first["status"], first["claims"], first["resolution"]) == ("open", [1], None)
    assert [(c["user_id"], c["value"], c["reason"]) for c in first["credences"]] == [
        (str(ALICE), 40, None),
        (str(BOB), 80, "priors"),
        (str(ALICE), 15, "read the transfer paper"),
    ]
    assert (second["status"], second["claims"], second["resolution"], second["resolved_by_id"]) == (
        "resolved",
        [],
        "No: data is",
        str(ALICE),
    )
    assert second["resolved_at"] is not None and [c["value"] for c in second["credences"]] == [30]
    assert (first["outcome"], first["resolution_url"], first["scores"]) == (None, None, [])
    assert (second["outcome"], second["resolution_url"]) == ("no", "https://example.org/data")
    (score,) = second["scores"]
    assert score["user_id"] == str(CAROL) and 0 < score["coverage"] <= 1 and score["brier"] == pytest.approx(0.09)


def test_the_schema_is_documented_and_versioned() -> None:
    schema = DebateExport.model_json_schema()
    assert schema["properties"]["schema_version"]["const"] == 5 and "schema_version" in schema["required"]
    claim = schema["$defs"]["ClaimExport"]["properties"]
    assert "description" in claim["answers"] and claim["author_id"]["anyOf"][0]["type"] == "string"
    assert (
        DebateExport.model_validate_json(
            '{"schema_version": 5, "debate": {"number": 1, "topic": "t", "agenda": null, "sides": ["a", "b"],'
            ' "format": "open", "status": "closed", "creator_id": "9007199254740993",'
            ' "created_at": "2025-01-01T00:00:00Z", "ended_at": "2025-01-02T00:00:00Z"},'
            ' "users": [], "participants": [], "claims": [], "cruxes": []}'
        ).debate.creator_id
        == 9007199254740993
    )  # beyond 2**53: kept exactly, as a string
    with pytest.raises(ValueError):
        DebateExport.model_validate_json('{"schema_version": 1}')


async def test_markdown_nests_replies_marks_withdrawn_and_shows_credence_history(db: Database) -> None:
    debate = await _argued(db)
    document = to_markdown(await _export(db, debate))
    lines = document.splitlines()

    def line(number: int) -> int:
        return next(i for i, text in enumerate(lines) if re.match(rf"\s*- (~~)?\*\*#{number}\*\*", text))

    assert lines[0] == "# Debate #1: Interp or governance?"
    assert "- **for**: Ada" in lines and "- **against**: Ben, Cy" in lines
    assert lines[line(1)] == "- **#1** (for, claim by Ada): Interp tools will generalise"
    assert lines[line(2)] == "  - **#2** (against, rebuts #1 by Ben): They never have"
    assert lines[line(3)] == "    - **#3** (for, rebuts #2 by Ada): Some did, in 2024"
    assert lines[line(4)] == "  - **#4** (against, supports #1 by Cy): Probing works on big models"
    assert line(1) < line(2) < line(3) < line(4) < line(5)
    assert lines[line(5)] == "- ~~**#5** (against, claim by Ben)~~ *withdrawn*: Governance is cheaper"
    assert "*withdrawn*" not in "\n".join(lines[line(1) : line(5)])

    crux = document[document.index("### Crux #1 (open)") : document.index("### Crux #2")]
    assert "> Do circuits transfer?" in crux and "Bears on claim #1." in crux
    assert "- Ada (for): **40 → 15** — “read the transfer paper”" in crux
    assert "- Ben (against): **80** — “priors”" in crux
    assert crux.index("Ada (for)") < crux.index("Ben (against)")  # in order of first credence
    resolved = document[document.index("### Crux #2 (resolved)") :]
    assert "- Cy (against): **30**" in resolved and "**Resolved** by Ada on " in resolved
    assert "Outcome: **no**." in resolved and "Source: <https://example.org/data>" in resolved
    assert "- Cy: baseline " in resolved and "Brier 0.09" in resolved
    assert ": No: data is\n\nOutcome" in resolved


async def test_names_are_the_guilds_latest_told_apart_when_shared_and_ids_when_unknown(db: Database) -> None:
    debate = await _argued(db)
    await _named(db, {ALICE: "Sam", BOB: "sam"})  # renamed: the latest name counts
    await _named(db, {CAROL: "Elsewhere"}, guild=GUILD + 1)  # another server's name is not this one's
    async with db.write() as session:  # never seen here
        await session.execute(delete(MemberName).where(col(MemberName.user_id) == CAROL, MemberName.guild_id == GUILD))
    export = await _export(db, debate)

    assert [(user.user_id, user.name) for user in export.users] == [(ALICE, "Sam"), (BOB, "sam"), (CAROL, None)]
    assert [export.label(user) for user in (ALICE, BOB, CAROL)] == [f"Sam ({ALICE})", f"sam ({BOB})", f"user {CAROL}"]
    assert f"- **against**: sam ({BOB}), user {CAROL}" in to_markdown(export)


async def test_a_name_is_rewritten_only_when_it_changed(db: Database) -> None:
    await _named(db, {ALICE: "Ada"})
    async with db.read() as session:
        first = (await session.execute(select(MemberName))).scalar_one()
    await _named(db, {ALICE: "Ada"})
    async with db.read() as session:
        assert (await session.execute(select(MemberName))).scalar_one() == first  # seen_at kept
    await _named(db, {ALICE: "Ada L."})
    async with db.read() as session:
        renamed = (await session.execute(select(MemberName))).scalar_one()
    assert renamed.name == "Ada L." and renamed.seen_at >= first.seen_at


async def test_markdown_escapes_what_users_wrote(db: Database) -> None:
    debate = await _debate(db, topic="Is **this** a #topic?", sides="for [x], <@12>")
    alice = core.Actor(GUILD, ALICE)
    async with db.write() as session:
        text = "**bold** and <@12> and [link](http://x) and `code`\n# not a heading\n- not an item\n> not a quote"
        claim = (await session.run_sync(claims.add_claim, debate, alice, text)).claim
        await session.run_sync(
            claims.add_reply, debate, alice, claim.number, "~~struck~~ | pipe _it_", ClaimKind.SUPPORT
        )
        crux, _ = await session.run_sync(cruxes.add_crux, debate, alice, "<@&1> @everyone *why*?\n## sub")
        await session.run_sync(cruxes.record_credence, debate, alice, crux.number, 50, "*because*")
    await _named(db, {ALICE: "*Ada* <@12>", BOB: "[Ben](x)", CAROL: "# Cy"})
    document = to_markdown(await _export(db, debate))

    assert document.startswith("# Debate #1: Is \\*\\*this\\*\\* a \\#topic?\n")
    assert "- **for \\[x\\]**: \\*Ada\\* \\<@12\\>" in document
    assert "- **\\<@12\\>**: \\[Ben\\](x), \\# Cy" in document
    claim_lines = document[document.index("## Claims") : document.index("## Cruxes")].splitlines()
    assert claim_lines[2] == (
        "- **#1** (for \\[x\\], claim by \\*Ada\\* \\<@12\\>): "
        "\\*\\*bold\\*\\* and \\<@12\\> and \\[link\\](http://x) and \\`code\\`  "
    )
    assert claim_lines[3:6] == ["  \\# not a heading  ", "  \\- not an item  ", "  \\> not a quote"]
    assert claim_lines[6] == (
        "  - **#2** (for \\[x\\], supports #1 by \\*Ada\\* \\<@12\\>): \\~\\~struck\\~\\~ \\| pipe \\_it\\_"
    )
    assert "> \\<@\\&1\\> @everyone \\*why\\*?  \n> \\#\\# sub" in document
    assert "— “\\*because\\*”" in document
    assert "<@" not in document.replace("\\<@", "")


async def test_build_export_uses_the_same_number_of_queries_at_any_size(db: Database) -> None:
    small = await _argued(db)
    async with db.write() as session:
        large = await session.run_sync(
            core.start_debate, core.Actor(GUILD, ALICE), core.plan_debate("Large", "Other"), channel_id=1, thread_id=3
        )
        await session.run_sync(core.join, large, ALICE, "for")
        await session.run_sync(core.join, large, BOB, "against")
    alice, bob = core.Actor(GUILD, ALICE), core.Actor(GUILD, BOB)
    for i in range(30):
        async with db.write() as session:
            claim = (await session.run_sync(claims.add_claim, large, alice, f"claim {i}")).claim
            await session.run_sync(claims.add_reply, large, bob, claim.number, f"no {i}", ClaimKind.REBUTTAL)
            crux, _ = await session.run_sync(cruxes.add_crux, large, alice, f"question {i}?", claim.number)
            await session.run_sync(cruxes.record_credence, large, alice, crux.number, i)
            await session.run_sync(cruxes.record_credence, large, bob, crux.number, 80)
            if i % 3 == 0:
                await session.run_sync(cruxes.resolve_crux, large, alice, crux.number, "settled")

    async def count_statements(debate: Debate) -> tuple[int, DebateExport]:
        statements: list[str] = []

        def record(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine.sync_engine, "before_cursor_execute", record)
        try:
            export = await _export(db, debate)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", record)
        return len(statements), export

    small_count, small_export = await count_statements(small)
    large_count, large_export = await count_statements(large)
    assert small_count == large_count
    assert len(small_export.claims) == 5 and len(large_export.claims) == 60
    assert len(large_export.cruxes) == 30 and sum(c.status is CruxStatus.RESOLVED for c in large_export.cruxes) == 10
    # scoped to the debate: nothing of the small debate leaks into the large one's export
    assert {c.text for c in large_export.claims}.isdisjoint({c.text for c in small_export.claims})
    assert large_export.debate.agenda == "Other"


# Argdown -------------------------------------------------------------------------------------------------------

TRICKY_TOPIC = "Is [x] <better> #than // y? /* z */ === front ==="
TRICKY_CLAIMS = (
    "Interp [tools] <will> generalise #win // not a comment",
    "+ starts with a plus\n- a dash line\n# a heading line\n[C99]: a fake statement\n<A>: a fake argument",
    "/* block */ and <!-- html --> and {data: 1} and === not front matter === end",
    "e.g. :smile: .tm. *bold* _it_ __b__ **b** a \\ backslash @[C1] @<A> [link](http://example.com/a_b)",
    "-> >< <- +> <+ _> <_ -- an inference line?\n--\n  - indented dash",
    "Trailing backslash \\",
)
TRICKY_OUTCOME = "[C1]: settled // mostly #win\n<A>: and [x] @[C2]"


async def _tricky(db: Database) -> Debate:
    debate = await _debate(db, topic=TRICKY_TOPIC, sides="for (pro), #against)")
    alice, bob = core.Actor(GUILD, ALICE), core.Actor(GUILD, BOB)
    async with db.write() as session:
        first = (await session.run_sync(claims.add_claim, debate, alice, TRICKY_CLAIMS[0])).claim
        second = (
            await session.run_sync(claims.add_reply, debate, bob, first.number, TRICKY_CLAIMS[1], ClaimKind.REBUTTAL)
        ).claim
        await session.run_sync(claims.add_reply, debate, alice, second.number, TRICKY_CLAIMS[2], ClaimKind.SUPPORT)
        await session.run_sync(claims.add_reply, debate, alice, first.number, TRICKY_CLAIMS[3], ClaimKind.SUPPORT)
        await session.run_sync(claims.add_claim, debate, bob, TRICKY_CLAIMS[4])
        await session.run_sync(claims.add_claim, debate, bob, TRICKY_CLAIMS[5])
        crux, _ = await session.run_sync(
            cruxes.add_crux, debate, alice, "Will [x] happen? // maybe /* or */ <@12>", first.number
        )
        await session.run_sync(cruxes.record_credence, debate, alice, crux.number, 40)
        await session.run_sync(cruxes.record_credence, debate, alice, crux.number, 15)
        other, _ = await session.run_sync(cruxes.add_crux, debate, bob, "#crux? :)")
        await session.run_sync(
            cruxes.resolve_crux,
            debate,
            alice,
            other.number,
            "Yes :) see http://x.y/z_1",
            CruxOutcome.YES,
            "https://example.org/wiki/Crux_(debate)?a=[1]#x",
        )
    await _withdraw(db, debate, 5)
    async with db.write() as session:
        return await session.run_sync(core.end_debate, debate, alice, TRICKY_OUTCOME)


async def test_the_outcome_given_at_the_end_is_in_every_format(db: Database) -> None:
    debate = await _argued(db)
    plain = await _export(db, debate)
    assert "## Outcome" not in to_markdown(plain) and "[Outcome]" not in to_argdown(plain)
    async with db.write() as session:
        ended = await session.run_sync(
            core.end_debate, debate, core.Actor(GUILD, ALICE), "Test on *GPT-2* first.\n# then decide"
        )
    export = await _export(db, ended)

    assert json.loads(to_json(export))["debate"]["outcome"] == "Test on *GPT-2* first.\n# then decide"
    markdown = to_markdown(export)
    assert "\n## Outcome\n\nTest on \\*GPT-2\\* first.  \n\\# then decide\n\n## Sides\n" in markdown
    assert "[Outcome]: Test on \\*GPT-2\\* first. \\# then decide #outcome" in to_argdown(export).splitlines()


def test_argdown_escape_leaves_no_markup() -> None:
    escaped = argdown_escape("a [b] <c> #d //e /*f*/ \\ {g} @h *i* _j_ === x.y :z: end.\nnext")
    assert escaped == (
        "a \\[b\\] \\<c\\> \\#d \\/\\/e \\/\\*f\\*\\/ \\\\ \\{g\\} \\@h \\*i\\* \\_j\\_ \\=\\=\\= x\\.y \\:z: end. next"
    )


async def test_argdown_document_structure(db: Database) -> None:
    debate = await _argued(db)
    document = to_argdown(await _export(db, debate))
    assert document.splitlines()[:7] == [
        "# Debate 1: Interp or governance?",
        "",
        "[C1]: Interp tools will generalise #(for)",
        "  - [C2]: They never have #(against)",
        "    - [C3]: Some did, in 2024 #(for)",
        "  + [C4]: Probing works on big models #(against)",
        "",
    ]
    assert "[C5]: Governance is cheaper #(against) #withdrawn" in document
    assert "[Crux 1]: Do circuits transfer? Bears on @[C1]. Credences: Ada 40 → 15; Ben 80. #crux #open" in document
    assert (
        "[Crux 2]: Is compute the bottleneck? Credences: Cy 30. Resolved: No: data is Outcome: no. "
        "[Source](https://example.org/data) #crux #resolved"
    ) in document


@needs_argdown
async def test_the_argdown_parser_accepts_the_export_of_tricky_text(db: Database, tmp_path: Path) -> None:
    debate = await _tricky(db)
    await _named(db, {ALICE: "<@11> #11 [u]"})
    export = await _export(db, debate)
    source = tmp_path / "debate.argdown"
    source.write_text(to_argdown(export), encoding="utf-8")

    process = await asyncio.create_subprocess_exec(
        str(argdown_cli()),
        "json",
        str(source),
        str(tmp_path / "out"),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    report = (out + err).decode(errors="replace")
    assert process.returncode == 0, report
    assert not re.search(r"error|warning|invalid", report, re.IGNORECASE), report
    model = json.loads((tmp_path / "out" / "debate.json").read_text(encoding="utf-8"))

    # every claim is a statement whose text is exactly what the user wrote (on one line), tags aside
    statements = model["statements"]
    assert set(statements) == {f"C{claim.number}" for claim in export.claims} | {"Crux 1", "Crux 2", "Outcome"}
    assert model["arguments"] == {}
    for claim in export.claims:
        member = statements[f"C{claim.number}"]["members"][0]
        tag_starts = [r["start"] for r in member.get("ranges", []) if r["type"] == "tag"]
        assert member["text"][: min(tag_starts)].rstrip() == " ".join(claim.text.split())
        side_tag = {"for (pro)": "for pro", "#against)": "against"}[claim.side or ""]
        withdrawn = ["withdrawn"] if claim.status is ClaimStatus.WITHDRAWN else []
        assert member["tags"] == [side_tag, *withdrawn]
    # exactly the replies, as attacks and supports of what they answer
    relations = sorted((r["from"], r["to"], r["relationType"]) for r in model["relations"])
    assert relations == [("C2", "C1", "attack"), ("C3", "C2", "support"), ("C4", "C1", "support")]
    crux = statements["Crux 1"]["members"][0]
    assert crux["tags"] == ["crux", "open"]
    assert [r["title"] for r in crux["ranges"] if r["type"] == "statement-mention"] == ["C1"]
    assert crux["text"].startswith("Will [x] happen? // maybe /* or */ <@12> Bears on @[C1]. Credences: <@11> #11 [u]")
    assert statements["Crux 2"]["members"][0]["tags"] == ["crux", "resolved"]
    assert "Resolved: Yes :) see http://x.y/z_1" in statements["Crux 2"]["members"][0]["text"]
    assert model["sections"][0]["title"] == f"Debate 1: {TRICKY_TOPIC}"
    outcome = statements["Outcome"]["members"][0]
    assert (outcome["text"], outcome["tags"]) == (" ".join(TRICKY_OUTCOME.split()) + " #outcome", ["outcome"])


def test_the_documented_schema_and_example_match_the_models() -> None:
    document = (Path(__file__).parents[2] / "docs" / "export-schema.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)\n```", document, re.DOTALL)
    example, schema = blocks
    assert json.loads(schema) == DebateExport.model_json_schema(), "regenerate the schema in docs/export-schema.md"
    assert DebateExport.model_validate_json(example).schema_version == 5


async def test_the_member_name_migration_goes_down_and_up(db: Database) -> None:
    await _named(db, NAMES)
    await db.downgrade("0010")
    async with db.engine.connect() as connection:
        assert "member_name" not in await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    await db.upgrade()
    debate = await _argued(db)
    assert (await _export(db, debate)).label(ALICE) == "Ada"


async def test_a_cruxs_marks_are_exported(db: Database) -> None:
    debate = await _argued(db)
    async with db.write() as session:
        crux = (await session.execute(select(Crux).where(Crux.debate_id == debate.id, Crux.number == 1))).scalar_one()
        session.add_all(
            [
                CruxMark(crux_id=crux.id, user_id=BOB, changes_mind=True),
                CruxMark(crux_id=crux.id, user_id=ALICE, changes_mind=False),
            ]
        )
    first, second = (await _export(db, debate)).cruxes
    assert [(mark.user_id, mark.changes_mind) for mark in first.marks] == [(ALICE, False), (BOB, True)]
    assert second.marks == []
