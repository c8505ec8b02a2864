"""The record fields a protocol asks for when a dispute is resolved

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_record_answers_dispute_id_disputes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_answers")),
    )
    with op.batch_alter_table("record_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_answers_dispute_id"), ["dispute_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("record_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_answers_dispute_id"))
    op.drop_table("record_answers")
