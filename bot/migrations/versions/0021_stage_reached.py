"""Each dispute keeps the furthest stage it reached and its escalations by lapse and by hand

Revision ID: 0021
Revises: 0020

The partnership report counts these for every dispute of its period; kept on the row as each
transition is added, they are counted from the history only for disputes that moved after the
period ended. Existing disputes are filled from their history. They are indexed with when the
current stage started (`ix_disputes_reached`), so the report reads them from that index alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["stage_reached", "lapsed_escalations", "manual_escalations"]
LAPSED, MANUAL = "timescale lapsed", "manual"
INDEX = "ix_disputes_reached"
INDEXED = ["opened_at", "protocol_key", "category", "stage_started_at", *COLUMNS, "id"]

disputes = sa.table(
    "disputes", sa.column("id", sa.Integer()), *(sa.column(c, sa.Integer()) for c in COLUMNS)
)
transitions = sa.table(
    "stage_transitions",
    sa.column("dispute_id", sa.Integer()),
    sa.column("to_stage", sa.Integer()),
    sa.column("trigger", sa.String(32)),
)


def _of_dispute(value: sa.ColumnElement[int]) -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.coalesce(value, 0))
        .where(transitions.c.dispute_id == disputes.c.id)
        .scalar_subquery()
    )


def _counted(trigger: str) -> sa.ColumnElement[int]:
    return sa.func.count(sa.case((transitions.c.trigger == trigger, 1)))


def upgrade() -> None:
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Integer(), server_default="0", nullable=False))
    op.execute(
        disputes.update().values(
            stage_reached=_of_dispute(sa.func.max(transitions.c.to_stage)),
            lapsed_escalations=_of_dispute(_counted(LAPSED)),
            manual_escalations=_of_dispute(_counted(MANUAL)),
        )
    )
    op.create_index(INDEX, "disputes", INDEXED)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="disputes")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
