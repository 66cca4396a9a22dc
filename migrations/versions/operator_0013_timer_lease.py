"""timer.announcing and timer.leased_until: a firing's post is owed until posted, under a lease that expires

Revision ID: operator_0013
Revises: 0012
Create Date: 2026-12-07 19:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import schema.types

revision: str = "operator_0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("timer") as batch:
        batch.add_column(sa.Column("announcing", sqlmodel.sql.sqltypes.AutoString(length=25), nullable=True))
        batch.add_column(sa.Column("leased_until", schema.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("timer") as batch:
        batch.drop_column("leased_until")
        batch.drop_column("announcing")
