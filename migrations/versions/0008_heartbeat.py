"""heartbeat: each bot process's latest sign of life, for ``python -m bot health``

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import schema.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "heartbeat",
        sa.Column("shard_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("connected", sa.Boolean(), nullable=False),
        sa.Column("beat_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shard_id", name=op.f("pk_heartbeat")),
    )


def downgrade() -> None:
    op.drop_table("heartbeat")
