"""Protocol snapshots live in a table of their own, once per content; disputes hold their hash

Revision ID: 0018
Revises: 0017
"""

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
FOREIGN_KEY = "fk_disputes_protocol_hash_protocol_snapshots"

disputes = sa.table(
    "disputes",
    sa.column("id", sa.Integer()),
    sa.column("protocol", DOCUMENT),
    sa.column("protocol_hash", sa.String(64)),
)
snapshots = sa.table(
    "protocol_snapshots", sa.column("hash", sa.String(64)), sa.column("document", DOCUMENT)
)


def snapshot_hash(document: dict[str, Any]) -> str:
    """The hash the bot keys snapshots by (models.snapshots), as it stood for this revision."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _batches(
    connection: sa.Connection, *columns: sa.ColumnElement[Any]
) -> Iterator[list[sa.Row[Any]]]:
    """The disputes' rows in id order, BATCH at a time, so memory follows the batch."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(disputes.c.id, *columns)
            .where(disputes.c.id > last)
            .order_by(disputes.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def upgrade() -> None:
    op.create_table(
        "protocol_snapshots",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("document", DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_protocol_snapshots")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("protocol_hash", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    stored: set[str] = set()
    for rows in _batches(connection, sa.cast(disputes.c.protocol, sa.Text).label("text")):
        hashes: dict[str, str] = {}  # each distinct text in the batch parsed and hashed once
        for row in rows:
            if row.text not in hashes:
                hashes[row.text] = snapshot_hash(json.loads(row.text))
        new = {hashes[row.text]: row.text for row in rows if hashes[row.text] not in stored}
        if new:
            connection.execute(
                snapshots.insert(),
                [{"hash": digest, "document": json.loads(text)} for digest, text in new.items()],
            )
            stored.update(new)
        connection.execute(
            disputes.update()
            .where(disputes.c.id == sa.bindparam("row_id"))
            .values(protocol_hash=sa.bindparam("digest")),
            [{"row_id": row.id, "digest": hashes[row.text]} for row in rows],
        )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.alter_column("protocol_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_foreign_key(FOREIGN_KEY, "protocol_snapshots", ["protocol_hash"], ["hash"])
        batch_op.drop_column("protocol")


def downgrade() -> None:
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("protocol", DOCUMENT, nullable=True))
    connection = op.get_bind()
    documents = {row.hash: row.document for row in connection.execute(sa.select(snapshots)).all()}
    for rows in _batches(connection, disputes.c.protocol_hash):
        connection.execute(
            disputes.update()
            .where(disputes.c.id == sa.bindparam("row_id"))
            .values(protocol=sa.bindparam("document", type_=DOCUMENT)),
            [{"row_id": row.id, "document": documents[row.protocol_hash]} for row in rows],
        )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.alter_column("protocol", existing_type=DOCUMENT, nullable=False)
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_column("protocol_hash")
    op.drop_table("protocol_snapshots")
