"""Indexes on the foreign keys that were looked up without one

Revision ID: 0020
Revises: 0019

Delivering a redrawn stage notice finds the notice's messages by `outbox_messages.notice_id`,
and removing a stage transition (erasure) makes the database check `reminders` and
`duty_completions` for rows still pointing at it. Unindexed, each of those read the whole table:
at 100,000 disputes, about 750,000 messages and 650,000 reminders every time.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_outbox_messages_notice_id", "outbox_messages", "notice_id"),
    ("ix_reminders_transition_id", "reminders", "transition_id"),
    ("ix_duty_completions_transition_id", "duty_completions", "transition_id"),
]


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
