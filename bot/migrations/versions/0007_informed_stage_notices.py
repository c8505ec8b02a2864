"""Stage notices say whether the person acts at the stage or is only informed of it

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stage_notices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="acting", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("stage_notices", schema=None) as batch_op:
        batch_op.drop_column("kind")
