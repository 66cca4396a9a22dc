"""formats and timers: debate phases, double-crux marks and motion credences, timers, agenda digests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:29:01.626042
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import schema.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "timer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("due_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fired_at", schema.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timer")),
        sa.UniqueConstraint("event", "key", name=op.f("uq_timer_event_key")),
    )
    with op.batch_alter_table("timer", schema=None) as batch_op:
        batch_op.create_index("ix_timer_fired_at_due_at", ["fired_at", "due_at"], unique=False)

    op.create_table(
        "digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("agenda_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "every",
            sa.Enum("daily", "weekly", name="digestevery", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_posted_at", schema.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agenda_id"], ["agenda.id"], name=op.f("fk_digest_agenda_id_agenda"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest")),
        sa.UniqueConstraint("guild_id", "agenda_id", name=op.f("uq_digest_guild_id_agenda_id")),
    )
    op.create_table(
        "crux_mark",
        sa.Column("crux_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("changes_mind", sa.Boolean(), nullable=False),
        sa.Column("marked_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["crux_id"], ["crux.id"], name=op.f("fk_crux_mark_crux_id_crux"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("crux_id", "user_id", name=op.f("pk_crux_mark")),
    )
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("phase_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("phase_ends_at", schema.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("paused_remaining", sa.Integer(), nullable=True))

    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("motion_credence", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_participant_motion_credence_percent"), "motion_credence >= 0 AND motion_credence <= 100"
        )


def downgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_participant_motion_credence_percent"), type_="check")
        batch_op.drop_column("motion_credence")

    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.drop_column("paused_remaining")
        batch_op.drop_column("phase_ends_at")
        batch_op.drop_column("phase_minutes")
        batch_op.drop_column("phase")

    op.drop_table("crux_mark")
    op.drop_table("digest")
    with op.batch_alter_table("timer", schema=None) as batch_op:
        batch_op.drop_index("ix_timer_fired_at_due_at")

    op.drop_table("timer")
