"""Sweep indexes: open disputes by deadline, and a dispute's pending reminders

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index("ix_disputes_deadline_at")
        batch_op.drop_index("ix_disputes_status")
        batch_op.create_index("ix_disputes_due", ["status", "deadline_at"], unique=False)
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_dispute_id")
        batch_op.create_index("ix_reminders_dispute", ["dispute_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_dispute")
        batch_op.create_index("ix_reminders_dispute_id", ["dispute_id"], unique=False)
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index("ix_disputes_due")
        batch_op.create_index("ix_disputes_status", ["status"], unique=False)
        batch_op.create_index("ix_disputes_deadline_at", ["deadline_at"], unique=False)
