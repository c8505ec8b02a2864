"""Stage notices say whether their stage has ended, and those still awaiting a person are indexed

Revision ID: 0023
Revises: 0022

What awaits a person's acknowledgement was found by testing each of their unacknowledged notices
against its dispute's latest stage: a head of service sent thousands over the years paid for
every one on each `/dispute list` and App Home. A notice now records that its stage has ended
when the dispute moves on or closes, and a partial index holds only the notices neither
acknowledged nor superseded. Existing notices are superseded where their stage has ended.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_stage_notices_awaiting"
# as each dialect writes "not superseded" in a query, so that the planner sees the index serve it
ON_SQLITE = "acknowledged_at IS NULL AND superseded = 0"
ON_POSTGRESQL = "acknowledged_at IS NULL AND NOT superseded"


def upgrade() -> None:
    with op.batch_alter_table("stage_notices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("superseded", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        "UPDATE stage_notices SET superseded = TRUE WHERE transition_id IN "
        "(SELECT id FROM stage_transitions WHERE ended_at IS NOT NULL)"
    )
    op.create_index(
        INDEX,
        "stage_notices",
        ["person_id", "dispute_id"],
        sqlite_where=sa.text(ON_SQLITE),
        postgresql_where=sa.text(ON_POSTGRESQL),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="stage_notices")
    with op.batch_alter_table("stage_notices", schema=None) as batch_op:
        batch_op.drop_column("superseded")
