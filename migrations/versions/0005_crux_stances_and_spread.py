"""crux stances and spread: each participant's first and latest credence per crux, and each crux's spread

The summary shows the widest disagreements first without reading every credence: ``crux_stance`` keeps one row per
(crux, user) (first and latest credence, latest reason, how many), ``crux.spread`` the distance between the
participants' latest credences, with an index to read a debate's open cruxes in that order. Both are filled here
from the existing credence rows (``credence`` itself is unchanged: it stays the append-only record).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 23:10:01.169102
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

import schema.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_STANCES = sa.text(
    """
    INSERT INTO crux_stance (crux_id, user_id, first_credence_id, first_value, latest_credence_id, latest_value,
                             latest_reason, updates, updated_at)
    SELECT g.crux_id, g.user_id, g.first_id, f.value, g.latest_id, l.value, l.reason, g.n, l.created_at
    FROM (SELECT crux_id, user_id, min(id) AS first_id, max(id) AS latest_id, count(*) AS n
          FROM credence GROUP BY crux_id, user_id) AS g
    JOIN credence AS f ON f.id = g.first_id
    JOIN credence AS l ON l.id = g.latest_id
    """
)
BACKFILL_SPREADS = sa.text(
    """
    UPDATE crux SET spread = (SELECT max(s.latest_value) - min(s.latest_value) FROM crux_stance AS s
                              WHERE s.crux_id = crux.id)
    WHERE id IN (SELECT crux_id FROM crux_stance)
    """
)


def backfill(connection: Connection) -> None:
    """Fill ``crux_stance`` and ``crux.spread`` from the credence rows (``crux_stance`` must be empty).

    Also used by ``benchmarks/summary.py`` after it bulk-inserts credences, so that it measures what this gives.
    """
    connection.execute(BACKFILL_STANCES)
    connection.execute(BACKFILL_SPREADS)


def upgrade() -> None:
    op.create_table(
        "crux_stance",
        sa.Column("crux_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_credence_id", sa.Integer(), nullable=False),
        sa.Column("first_value", sa.Integer(), nullable=False),
        sa.Column("latest_credence_id", sa.Integer(), nullable=False),
        sa.Column("latest_value", sa.Integer(), nullable=False),
        sa.Column("latest_reason", sa.Text(), nullable=True),
        sa.Column("updates", sa.Integer(), nullable=False),
        sa.Column("updated_at", schema.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "first_value >= 0 AND first_value <= 100 AND latest_value >= 0 AND latest_value <= 100",
            name=op.f("ck_crux_stance_values_percent"),
        ),
        sa.CheckConstraint("updates >= 1", name=op.f("ck_crux_stance_updates_positive")),
        sa.ForeignKeyConstraint(["crux_id"], ["crux.id"], name=op.f("fk_crux_stance_crux_id_crux"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("crux_id", "user_id", name=op.f("pk_crux_stance")),
    )
    with op.batch_alter_table("crux", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spread", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(
            "ix_crux_debate_id_status_resolved_at", ["debate_id", "status", "resolved_at", "number"], unique=False
        )
        batch_op.create_index(
            "ix_crux_debate_id_status_spread",
            ["debate_id", "status", sa.literal_column("spread DESC"), "number"],
            unique=False,
        )
    backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("crux", schema=None) as batch_op:
        batch_op.drop_index("ix_crux_debate_id_status_spread")
        batch_op.drop_index("ix_crux_debate_id_status_resolved_at")
        batch_op.drop_column("spread")

    op.drop_table("crux_stance")
