"""debate.ended_by_id: who ended a debate and wrote its outcome, so that forgetting them erases that outcome

Debates ended before this have no one recorded (``NULL``): forgetting their creator erases their outcome, as before.

Revision ID: privfix2_0014
Revises: bridging_0013
Create Date: 2026-12-07 20:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "privfix2_0014"
down_revision: str | None = "bridging_0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_by_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("debate", schema=None) as batch_op:
        batch_op.drop_column("ended_by_id")
