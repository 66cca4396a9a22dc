"""import drafts: /debate import keeps its draft (a day) so that its buttons work across restarts

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import schema.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("debate_id", sa.Integer(), nullable=False),
        sa.Column("importer_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["debate_id"], ["debate.id"], name=op.f("fk_import_draft_debate_id_debate"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_draft")),
        sqlite_autoincrement=True,  # an expired draft's id is never given to a new one (its buttons would work)
    )
    with op.batch_alter_table("import_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_draft_debate_id"), ["debate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_draft_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_draft_expires_at"))
        batch_op.drop_index(batch_op.f("ix_import_draft_debate_id"))
    op.drop_table("import_draft")
