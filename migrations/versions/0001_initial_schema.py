"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 20:33:27.577716
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import schema.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agenda",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda")),
        sa.UniqueConstraint("guild_id", "name_key", name=op.f("uq_agenda_guild_id_name_key")),
    )
    op.create_table(
        "command_sync",
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("synced_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_command_sync")),
    )
    op.create_table(
        "guild_state",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("debate_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_state")),
    )
    op.create_table(
        "debate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("agenda_id", sa.Integer(), nullable=True),
        sa.Column(
            "format",
            sa.Enum(
                "open",
                "rounds",
                "double-crux",
                name="debateformat",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("open", "closed", name="debatestatus", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("creator_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", schema.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claim_seq", sa.Integer(), nullable=False),
        sa.Column("crux_seq", sa.Integer(), nullable=False),
        sa.CheckConstraint("claim_seq >= 0 AND crux_seq >= 0", name=op.f("ck_debate_seq_nonnegative")),
        sa.ForeignKeyConstraint(
            ["agenda_id"], ["agenda.id"], name=op.f("fk_debate_agenda_id_agenda"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debate")),
        sa.UniqueConstraint("guild_id", "number", name=op.f("uq_debate_guild_id_number")),
        sa.UniqueConstraint("thread_id", name=op.f("uq_debate_thread_id")),
    )
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_debate_agenda_id"), ["agenda_id"], unique=False)

    op.create_table(
        "crux",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debate_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "resolved", name="cruxstatus", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by_id", sa.BigInteger(), nullable=True),
        sa.Column("resolved_at", schema.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'resolved') = (resolution IS NOT NULL)", name=op.f("ck_crux_resolution_iff_resolved")
        ),
        sa.ForeignKeyConstraint(
            ["debate_id"], ["debate.id"], name=op.f("fk_crux_debate_id_debate"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crux")),
        sa.UniqueConstraint("debate_id", "number", name=op.f("uq_crux_debate_id_number")),
    )
    op.create_table(
        "side",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debate_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["debate_id"], ["debate.id"], name=op.f("fk_side_debate_id_debate"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_side")),
        sa.UniqueConstraint("debate_id", "name_key", name=op.f("uq_side_debate_id_name_key")),
        sa.UniqueConstraint("debate_id", "position", name=op.f("uq_side_debate_id_position")),
    )
    op.create_table(
        "claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debate_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("claim", "rebuttal", "support", name="claimkind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("side_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("logged_by_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "status",
            sa.Enum("standing", "withdrawn", name="claimstatus", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("created_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(kind = 'claim') = (parent_id IS NULL)", name=op.f("ck_claim_parent_iff_reply")),
        sa.ForeignKeyConstraint(
            ["debate_id"], ["debate.id"], name=op.f("fk_claim_debate_id_debate"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["claim.id"], name=op.f("fk_claim_parent_id_claim"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["side_id"], ["side.id"], name=op.f("fk_claim_side_id_side"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
        sa.UniqueConstraint("debate_id", "number", name=op.f("uq_claim_debate_id_number")),
    )
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.create_index("ix_claim_parent_id", ["parent_id"], unique=False)

    op.create_table(
        "credence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crux_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("value >= 0 AND value <= 100", name=op.f("ck_credence_value_percent")),
        sa.ForeignKeyConstraint(["crux_id"], ["crux.id"], name=op.f("fk_credence_crux_id_crux"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credence")),
    )
    with op.batch_alter_table("credence", schema=None) as batch_op:
        batch_op.create_index("ix_credence_crux_user", ["crux_id", "user_id", "id"], unique=False)

    op.create_table(
        "participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debate_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("side_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["debate_id"], ["debate.id"], name=op.f("fk_participant_debate_id_debate"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["side_id"], ["side.id"], name=op.f("fk_participant_side_id_side"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant")),
        sa.UniqueConstraint("debate_id", "user_id", name=op.f("uq_participant_debate_id_user_id")),
    )
    op.create_table(
        "crux_claim",
        sa.Column("crux_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claim.id"], name=op.f("fk_crux_claim_claim_id_claim"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["crux_id"], ["crux.id"], name=op.f("fk_crux_claim_crux_id_crux"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("crux_id", "claim_id", name=op.f("pk_crux_claim")),
    )
    with op.batch_alter_table("crux_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crux_claim_claim_id"), ["claim_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("crux_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crux_claim_claim_id"))

    op.drop_table("crux_claim")
    op.drop_table("participant")
    with op.batch_alter_table("credence", schema=None) as batch_op:
        batch_op.drop_index("ix_credence_crux_user")

    op.drop_table("credence")
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_parent_id")

    op.drop_table("claim")
    op.drop_table("side")
    op.drop_table("crux")
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_debate_agenda_id"))

    op.drop_table("debate")
    op.drop_table("guild_state")
    op.drop_table("command_sync")
    op.drop_table("agenda")
