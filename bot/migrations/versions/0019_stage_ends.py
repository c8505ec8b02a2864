"""Each stage transition records when its stage ended, so the report reads how long each stage
took from one row instead of pairing every transition with the next

Revision ID: 0019
Revises: 0018

A stage ends when the dispute next moves (escalation, or reopening after a closure) or when the
dispute closes. Existing rows are filled from the history as it stands: the next transition's
time, except that a stage followed by a reopening ended at the closure before it, and the
current stage of a closed dispute ended at its latest closure (its newest resolution).
"""

from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000  # disputes filled at a time, so memory follows the batch
REOPENED = "reopened"
CLOSED = "closed"
INSTANT = sa.DateTime(timezone=True)
HISTORY = ["dispute_id", "id", "created_at", "to_stage", "deadline_at", "trigger"]

disputes = sa.table("disputes", sa.column("id", sa.Integer()), sa.column("status", sa.String(16)))
transitions = sa.table(
    "stage_transitions",
    sa.column("id", sa.Integer()),
    sa.column("dispute_id", sa.Integer()),
    sa.column("trigger", sa.String(32)),
    sa.column("created_at", INSTANT),
    sa.column("ended_at", INSTANT),
)
resolutions = sa.table(
    "resolutions", sa.column("dispute_id", sa.Integer()), sa.column("resolved_at", INSTANT)
)


def _dispute_batches(connection: sa.Connection) -> Iterator[dict[int, str]]:
    """The disputes' statuses by id, BATCH disputes at a time."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(disputes.c.id, disputes.c.status)
            .where(disputes.c.id > last)
            .order_by(disputes.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield dict(rows)
        last = rows[-1].id


def _ends(moves: list[sa.Row[Any]], closures: list[Any], closed: bool) -> list[dict[str, Any]]:
    """When each of one dispute's stages ended, its transitions in order: at the next move, or
    at the closure that came before a reopening, or at the closed dispute's latest closure."""
    ends = []
    for move, following in zip(moves, [*moves[1:], None], strict=True):
        if following is None:
            ended = max(closures) if closed and closures else None
        elif following.trigger == REOPENED:
            before = [at for at in closures if at <= following.created_at]
            ended = max(before) if before else following.created_at
        else:
            ended = following.created_at
        if ended is not None:
            ends.append({"row_id": move.id, "ended": ended})
    return ends


def upgrade() -> None:
    with op.batch_alter_table("stage_transitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_at", INSTANT, nullable=True))
    connection = op.get_bind()
    for statuses in _dispute_batches(connection):
        first, last = min(statuses), max(statuses)
        in_batch = sa.and_(transitions.c.dispute_id >= first, transitions.c.dispute_id <= last)
        moves = connection.execute(
            sa.select(transitions.c.id, transitions.c.dispute_id, transitions.c.trigger)
            .add_columns(transitions.c.created_at)
            .where(in_batch)
            .order_by(transitions.c.dispute_id, transitions.c.id)
        ).all()
        closures: dict[int, list[datetime]] = {}
        for dispute_id, resolved_at in connection.execute(
            sa.select(resolutions.c.dispute_id, resolutions.c.resolved_at).where(
                resolutions.c.dispute_id >= first, resolutions.c.dispute_id <= last
            )
        ):
            closures.setdefault(dispute_id, []).append(resolved_at)
        ends = [
            end
            for dispute_id, history in groupby(moves, key=itemgetter(1))
            for end in _ends(
                list(history), closures.get(dispute_id, []), statuses.get(dispute_id) == CLOSED
            )
        ]
        if ends:
            connection.execute(
                transitions.update()
                .where(transitions.c.id == sa.bindparam("row_id"))
                .values(ended_at=sa.bindparam("ended")),
                ends,
            )
    with op.batch_alter_table("stage_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_transitions_history")
        batch_op.create_index("ix_stage_transitions_history", [*HISTORY, "ended_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stage_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_transitions_history")
        batch_op.create_index("ix_stage_transitions_history", HISTORY, unique=False)
        batch_op.drop_column("ended_at")
