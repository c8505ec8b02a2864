"""Child data at rest: sealed columns, the audit hash chain, retention and its statistics

Revision ID: 0004
Revises: 0003

Rows written before this revision stay readable as they are; `resolve keys rotate` seals them
with the newest data key (the migration runs without keys, so it cannot). The audit chain is
built here for the events already stored, in the order they were written.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from models.audit_chain import detail_digest, event_hash
from models.base import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        # A sealed case number is longer than the 64 characters the plain one was allowed.
        batch_op.alter_column(
            "child_ref", existing_type=sa.String(length=64), type_=sa.Text(), nullable=False
        )
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("detail", existing_type=JSON, nullable=True)
        batch_op.add_column(sa.Column("detail_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "dispute_statistics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol_key", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("urgency", sa.String(length=64), nullable=False),
        sa.Column("raiser_agency", sa.String(length=64), nullable=False),
        sa.Column("counterpart_agency", sa.String(length=64), nullable=False),
        sa.Column("stage_reached", sa.String(length=64), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("referred_to_partnership", sa.Boolean(), nullable=False),
        sa.Column("opened_month", sa.Date(), nullable=False),
        sa.Column("closed_month", sa.Date(), nullable=True),
        sa.Column("days_to_resolution", sa.Integer(), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_statistics")),
    )
    _chain_existing_events()


def _chain_existing_events() -> None:
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer()),
        sa.column("dispute_id", sa.Integer()),
        sa.column("actor_id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("detail", JSON),
        sa.column("created_at", UTCDateTime()),
        sa.column("detail_digest", sa.String()),
        sa.column("prev_hash", sa.String()),
        sa.column("chain_hash", sa.String()),
    )
    connection = op.get_bind()
    last: dict[int | None, str] = {}
    rows = connection.execute(sa.select(events).order_by(events.c.id)).all()
    for row in rows:
        digest = detail_digest(row.detail)
        previous = last.get(row.dispute_id)
        last[row.dispute_id] = event_hash(
            dispute_id=row.dispute_id,
            actor_id=row.actor_id,
            kind=row.kind,
            created_at=row.created_at,
            digest=digest,
            prev_hash=previous,
        )
        connection.execute(
            events.update()
            .where(events.c.id == row.id)
            .values(detail_digest=digest, prev_hash=previous, chain_hash=last[row.dispute_id])
        )


def downgrade() -> None:
    op.drop_table("dispute_statistics")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("chain_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("detail_digest")
        batch_op.alter_column("detail", existing_type=JSON, nullable=False)
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.alter_column(
            "child_ref", existing_type=sa.Text(), type_=sa.String(length=64), nullable=False
        )
