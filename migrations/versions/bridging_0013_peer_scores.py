"""crux_score.peer: the Metaculus peer score beside the baseline score

Scores written before this have no peer score (``NULL``, shown as "—"): computing one needs every participant's
credences at the time, which a reopened and re-resolved crux recomputes anyway.

Revision ID: bridging_0013
Revises: operator_0013
Create Date: 2026-12-07 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bridging_0013"
down_revision: str | None = "operator_0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crux_score", schema=None) as batch_op:
        batch_op.add_column(sa.Column("peer", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crux_score", schema=None) as batch_op:
        batch_op.drop_column("peer")
