"""record vectors: each claim's and crux's sentence embedding, for finding similar records

``claim_vector`` and ``crux_vector`` hold one float32 vector per record (``bot.runtime.semantic``), with the model that
made it; derived data, filled as records are logged while the optional ``semantic`` extra is installed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORDS = (("claim_vector", "claim_id", "claim"), ("crux_vector", "crux_id", "crux"))


def upgrade() -> None:
    for table, key, parent in RECORDS:
        op.create_table(
            table,
            sa.Column(key, sa.Integer(), nullable=False),
            sa.Column("model", sa.String(length=64), nullable=False),
            sa.Column("vector", sa.LargeBinary(), nullable=False),
            sa.ForeignKeyConstraint(
                [key], [f"{parent}.id"], name=op.f(f"fk_{table}_{key}_{parent}"), ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint(key, name=op.f(f"pk_{table}")),
        )


def downgrade() -> None:
    for table, _, _ in reversed(RECORDS):
        op.drop_table(table)
