"""Corrections kept beside discussion records; closures a party reopens are kept too

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discussion_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("discussion", sa.Text(), nullable=False),
        sa.Column("agreed", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["discussion_entries.id"],
            name=op.f("fk_discussion_corrections_entry_id_discussion_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["people.id"],
            name=op.f("fk_discussion_corrections_proposed_by_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_corrections")),
    )
    with op.batch_alter_table("discussion_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discussion_corrections_entry_id"), ["entry_id"], unique=False
        )
    # A reopened dispute may close again: its earlier closure is kept, marked reopened.
    with op.batch_alter_table("resolutions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_resolutions_dispute_id"), type_="unique")
        batch_op.create_index(batch_op.f("ix_resolutions_dispute_id"), ["dispute_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("resolutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resolutions_dispute_id"))
        batch_op.create_unique_constraint(batch_op.f("uq_resolutions_dispute_id"), ["dispute_id"])
        batch_op.drop_column("reopened_at")
    with op.batch_alter_table("discussion_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_corrections_entry_id"))
    op.drop_table("discussion_corrections")
