"""crux outcomes and scores: a resolved crux's outcome (yes, no, annulled) and source link, and the participants'
scores on cruxes resolved yes or no

Cruxes resolved before this have no outcome: they are never scored (``crux_score`` starts empty).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crux_score",
        sa.Column("crux_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("brier", sa.Float(), nullable=False),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.CheckConstraint("coverage > 0 AND coverage <= 1", name=op.f("ck_crux_score_coverage_share")),
        sa.ForeignKeyConstraint(["crux_id"], ["crux.id"], name=op.f("fk_crux_score_crux_id_crux"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("crux_id", "user_id", name=op.f("pk_crux_score")),
    )
    with op.batch_alter_table("crux", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("resolution_url", sa.String(length=500), nullable=True))
        batch_op.create_check_constraint(op.f("ck_crux_cruxoutcome"), "outcome IN ('yes', 'no', 'annulled')")
        batch_op.create_check_constraint(
            op.f("ck_crux_outcome_only_if_resolved"),
            "status = 'resolved' OR (outcome IS NULL AND resolution_url IS NULL)",
        )


def downgrade() -> None:
    with op.batch_alter_table("crux", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_crux_outcome_only_if_resolved"), type_="check")
        batch_op.drop_constraint(op.f("ck_crux_cruxoutcome"), type_="check")
        batch_op.drop_column("resolution_url")
        batch_op.drop_column("outcome")
    op.drop_table("crux_score")
