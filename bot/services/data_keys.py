"""Re-sealing stored child data with the newest data key, a batch at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Column, Engine, Table, Text, select, type_coerce

from bot.database import fold_wal
from models.base import Base, JSONDocument
from models.encrypted import EncryptedJSON, EncryptedText, KeyRing, is_sealed, use_keys


@dataclass(frozen=True)
class SealedColumns:
    table: Table
    columns: list[Column]


def sealed_columns() -> Iterator[SealedColumns]:
    """Every table with columns the keys protect, found from the models themselves."""
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, EncryptedText | EncryptedJSON)]
        if columns:
            yield SealedColumns(table, columns)


def _stale(ring: KeyRing, stored: object) -> bool:
    """Plain (written before encryption) or sealed with an older key."""
    if stored is None:
        return False
    return not (is_sealed(stored) and ring.is_current(stored))  # type: ignore[arg-type]


def rotate(engine: Engine, ring: KeyRing, *, batch: int = 500) -> int:
    """Seals every stale value with the newest key, committing each batch; returns how many rows
    changed. Rows already under the newest key are left alone, so running it again is harmless."""
    use_keys(ring)  # the typed columns open old values and seal new ones with this ring
    changed = 0
    for target in sealed_columns():
        table = target.table
        (pk,) = table.primary_key.columns  # every sealed table has a one-column key
        raw = [
            type_coerce(c, JSONDocument if isinstance(c.type, EncryptedJSON) else Text).label(
                c.name
            )
            for c in target.columns
        ]
        after: object = None
        while True:
            with engine.begin() as connection:
                page = select(pk, *raw).order_by(pk).limit(batch)
                rows = connection.execute(page if after is None else page.where(pk > after)).all()
                if not rows:
                    break
                after = rows[-1][0]
                stale_ids = [
                    row[0]
                    for row in rows
                    if any(_stale(ring, getattr(row, c.name)) for c in target.columns)
                ]
                if stale_ids:
                    plain = connection.execute(
                        select(pk, *target.columns).where(pk.in_(stale_ids))
                    ).all()
                    for row in plain:
                        connection.execute(
                            table.update()
                            .where(pk == row[0])
                            .values({c.name: getattr(row, c.name) for c in target.columns})
                        )
                    changed += len(stale_ids)
    fold_wal(engine)
    return changed
