"""speakers: a claim or crux from a transcript keeps its speaker by name, without a Discord user

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("claim", "crux")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("speaker", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
            batch_op.alter_column("author_id", existing_type=sa.BigInteger(), nullable=True)
            batch_op.create_check_constraint("author_or_speaker", "author_id IS NOT NULL OR speaker IS NOT NULL")


def downgrade() -> None:
    for table in TABLES:
        # the records stay, their speakers' names do not: whoever logged them becomes their author
        op.execute(sa.text(f"UPDATE {table} SET author_id = COALESCE(logged_by_id, 0) WHERE author_id IS NULL"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_author_or_speaker"), type_="check")
            batch_op.alter_column("author_id", existing_type=sa.BigInteger(), nullable=False)
            batch_op.drop_column("speaker")
