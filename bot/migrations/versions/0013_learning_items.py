"""Learning items waiting in the partnership's practice committee queue

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learning_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["people.id"], name=op.f("fk_learning_items_decided_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_learning_items_dispute_id_disputes")
        ),
        sa.ForeignKeyConstraint(
            ["resolution_id"],
            ["resolutions.id"],
            name=op.f("fk_learning_items_resolution_id_resolutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_items")),
        sa.UniqueConstraint("resolution_id", name=op.f("uq_learning_items_resolution_id")),
    )
    with op.batch_alter_table("learning_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learning_items_dispute_id"), ["dispute_id"], unique=False
        )
        batch_op.create_index("ix_learning_items_state", ["state", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("learning_items", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_items_state")
        batch_op.drop_index(batch_op.f("ix_learning_items_dispute_id"))
    op.drop_table("learning_items")
