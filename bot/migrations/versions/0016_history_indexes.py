"""History indexes: digests and the report read disputes and their stages from indexes alone

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NARROW = ["opened_at", "protocol_key", "category", "raiser_agency_id", "counterpart_agency_id"]
WIDE = [*NARROW, "closed_at", "stage_index", "urgency", "reference"]
HISTORY = ["dispute_id", "id", "created_at", "to_stage", "deadline_at", "trigger"]
MOVES = ["created_at", "dispute_id", "from_stage", "trigger"]


def upgrade() -> None:
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index("ix_disputes_opened")
        batch_op.create_index("ix_disputes_opened", WIDE, unique=False)
    with op.batch_alter_table("stage_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_transitions_dispute_id")
        batch_op.create_index("ix_stage_transitions_history", HISTORY, unique=False)
        batch_op.create_index("ix_stage_transitions_moves", MOVES, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stage_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_transitions_moves")
        batch_op.drop_index("ix_stage_transitions_history")
        batch_op.create_index("ix_stage_transitions_dispute_id", ["dispute_id"], unique=False)
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index("ix_disputes_opened")
        batch_op.create_index("ix_disputes_opened", NARROW, unique=False)
