"""Rows a sweep batch writes or changes at once (COPY on PostgreSQL) read back as the ORM wrote
them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.database import transaction
from bot.services.bulk_insert import ID, insert_rows, update_rows
from bot.services.sweep_batch import ids_for
from models.dispute import StageNotice
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus

AT = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def leads_message(new_id: int, payload: dict[str, Any], **more: Any) -> dict[str, Any]:
    """An outbox row for the leads' channel, made and due at AT."""
    return {
        "id": new_id,
        "kind": OutboxKind.CHANNEL.value,
        "channel": "C-LEADS",
        "payload": payload,
        "not_before": AT,
        "created_at": AT,
        **more,
    }


def test_rows_inserted_together_are_sealed_defaulted_and_linked(
    factory: sessionmaker[Session],
) -> None:
    table = OutboxMessage.__table__
    assert isinstance(table, Table)
    with transaction(factory) as session:
        first, second = ids_for(session, {table: 2})[table]
        insert_rows(
            session,
            table,
            [
                leads_message(
                    new_id,
                    {"text": f"Child CS-{new_id:05d}: notice", "blocks": [{"n": 1}]},
                    depends_on_id=depends_on,
                )
                for new_id, depends_on in [(first, None), (second, first)]
            ],
        )
    with factory() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        stored = session.execute(text("SELECT payload FROM outbox_messages")).scalars().all()
    assert [(r.id, r.payload["text"], r.payload["blocks"]) for r in rows] == [
        (first, f"Child CS-{first:05d}: notice", [{"n": 1}]),
        (second, f"Child CS-{second:05d}: notice", [{"n": 1}]),
    ]
    assert [(r.status, r.attempts, r.stage_bound) for r in rows] == [
        (OutboxStatus.PENDING, 0, False)
    ] * 2
    assert [r.not_before for r in rows] == [AT, AT]
    assert rows[1].depends_on_id == first
    assert not any("CS-" in str(value) for value in stored)  # sealed, as any insert would be


def test_rows_updated_together_change_only_the_columns_named_each_to_its_own_value(
    factory: sessionmaker[Session],
) -> None:
    table = OutboxMessage.__table__
    assert isinstance(table, Table)
    later = AT + timedelta(hours=2)
    with transaction(factory) as session:
        ids = ids_for(session, {table: 3})[table]
        insert_rows(
            session,
            table,
            [leads_message(new_id, {"text": f"notice {new_id}"}, sent_at=AT) for new_id in ids],
        )
    first, second, third = ids
    with transaction(factory) as session:
        update_rows(
            session,
            table,
            ["payload", "sent_at"],
            [
                {ID: first, "payload": {"text": "Child CS-00001: moved"}, "sent_at": later},
                {ID: third, "payload": {"text": "Child CS-00003: moved"}, "sent_at": None},
            ],
        )
    with factory() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        stored = session.execute(text("SELECT payload FROM outbox_messages")).scalars().all()
    assert [(r.id, r.payload["text"], r.sent_at, r.not_before) for r in rows] == [
        (first, "Child CS-00001: moved", later, AT),
        (second, f"notice {second}", AT, AT),
        (third, "Child CS-00003: moved", None, AT),
    ]
    assert [r.channel for r in rows] == ["C-LEADS"] * 3
    assert not any("CS-" in str(value) for value in stored)  # sealed, as any update would be


def test_ids_for_several_tables_come_in_one_go_each_table_its_own_unused_ones(
    factory: sessionmaker[Session],
) -> None:
    outbox, notices = OutboxMessage.__table__, StageNotice.__table__
    assert isinstance(outbox, Table) and isinstance(notices, Table)
    with transaction(factory) as session:
        first = ids_for(session, {outbox: 2})[outbox]
        insert_rows(session, outbox, [leads_message(i, {}) for i in first])
        given = ids_for(session, {outbox: 3, notices: 4})
    assert [len(given[outbox]), len(given[notices])] == [3, 4]
    assert len(set(given[outbox])) == 3 and len(set(given[notices])) == 4
    assert min(given[outbox]) > max(first)  # none already taken
