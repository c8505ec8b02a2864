"""Duty completions: who ticked which duty of a dispute, for which side, and when

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duty_completions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("transition_id", sa.Integer(), nullable=False),
        sa.Column("duty_key", sa.String(length=80), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("done_by_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_duty_completions_dispute_id_disputes")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["people.id"], name=op.f("fk_duty_completions_done_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["transition_id"],
            ["stage_transitions.id"],
            name=op.f("fk_duty_completions_transition_id_stage_transitions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_completions")),
        sa.UniqueConstraint(
            "dispute_id",
            "duty_key",
            "side",
            name=op.f("uq_duty_completions_dispute_id"),
        ),
    )
    with op.batch_alter_table("duty_completions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duty_completions_dispute_id"), ["dispute_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("duty_completions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_completions_dispute_id"))
    op.drop_table("duty_completions")
