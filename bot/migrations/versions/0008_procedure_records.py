"""Reflective practice meetings asked for, and the details a category asks for, on a dispute

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reflective_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("stage_index", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_reflective_requests_dispute_id_disputes")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["people.id"],
            name=op.f("fk_reflective_requests_requested_by_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflective_requests")),
    )
    with op.batch_alter_table("reflective_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reflective_requests_dispute_id"), ["dispute_id"], unique=False
        )
    op.create_table(
        "category_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_category_answers_dispute_id_disputes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_answers")),
    )
    with op.batch_alter_table("category_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_category_answers_dispute_id"), ["dispute_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("category_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_category_answers_dispute_id"))
    op.drop_table("category_answers")
    with op.batch_alter_table("reflective_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reflective_requests_dispute_id"))
    op.drop_table("reflective_requests")
