"""Memberships are indexed by person and dispute together

Revision ID: 0022
Revises: 0021

`/dispute list` and the App Home start from the disputes a person is a member of. Indexed by
person alone, each membership row was read to find its dispute (on PostgreSQL a bitmap heap
scan visiting every block that held one of a busy manager's thousands); with the dispute in the
index, the lists read the index alone. The new index also serves every lookup by person.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "dispute_members"
OLD, NEW = "ix_dispute_members_person_id", "ix_dispute_members_person_dispute"


def upgrade() -> None:
    op.create_index(NEW, TABLE, ["person_id", "dispute_id"])
    op.drop_index(OLD, table_name=TABLE)


def downgrade() -> None:
    op.create_index(OLD, TABLE, ["person_id"])
    op.drop_index(NEW, table_name=TABLE)
