"""pending_rebuttal: a chat message logged as a rebuttal, kept while its logger picks the claim it answers

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import schema.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_rebuttal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debate_id", sa.Integer(), nullable=False),
        sa.Column("logger_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("reply_to_id", sa.BigInteger(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("jump_url", sa.Text(), nullable=False),
        sa.Column("created_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["debate_id"], ["debate.id"], name=op.f("fk_pending_rebuttal_debate_id_debate"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_rebuttal")),
        sqlite_autoincrement=True,  # an expired pick's id is never given to a new one
    )
    with op.batch_alter_table("pending_rebuttal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_rebuttal_debate_id"), ["debate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pending_rebuttal_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pending_rebuttal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_rebuttal_expires_at"))
        batch_op.drop_index(batch_op.f("ix_pending_rebuttal_debate_id"))
    op.drop_table("pending_rebuttal")
