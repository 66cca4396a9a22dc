"""chat provenance, claim revisions, debate outcome

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:16:17.922683
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import schema.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("revised_by_id", sa.BigInteger(), nullable=False),
        sa.Column("revised_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claim.id"], name=op.f("fk_claim_revision_claim_id_claim"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_revision")),
    )
    with op.batch_alter_table("claim_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_revision_claim_id"), ["claim_id"], unique=False)

    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_message_id", sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_claim_debate_id_source_message_id_kind"), ["debate_id", "source_message_id", "kind"]
        )

    with op.batch_alter_table("crux", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logged_by_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("source_message_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_crux_debate_id_source_message_id"), ["debate_id", "source_message_id"]
        )

    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.drop_column("outcome")

    with op.batch_alter_table("crux", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_crux_debate_id_source_message_id"), type_="unique")
        batch_op.drop_column("source_url")
        batch_op.drop_column("source_message_id")
        batch_op.drop_column("logged_by_id")

    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_claim_debate_id_source_message_id_kind"), type_="unique")
        batch_op.drop_column("source_message_id")

    with op.batch_alter_table("claim_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_revision_claim_id"))

    op.drop_table("claim_revision")
