"""The record holds: snapshots, unique references under concurrency, append-only audit,
and a schema the migrations fully describe."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.database import transaction
from bot.protocols import PRESET_DIR, ProtocolCatalog
from bot.services.disputes import DisputeService
from bot.working_days import WorkingCalendar
from models.all import Base
from models.audit import AuditEvent, AuditTamperingError
from models.directory import Person
from models.dispute import Dispute
from tests.services.test_disputes import open_dispute


def test_editing_the_protocol_file_later_does_not_change_open_disputes(
    tmp_path: Path, session: Session, people, clock: FrozenClock, calendar: WorkingCalendar
):
    data = yaml.safe_load((PRESET_DIR / "suffolk.yaml").read_text())
    data["key"] = "ours"
    ours = tmp_path / "ours.yaml"
    ours.write_text(yaml.safe_dump(data))
    before = DisputeService(clock=clock, calendar=calendar, catalog=ProtocolCatalog(ours))
    dispute = open_dispute(before, session, people, protocol_key="ours").transition.dispute

    data["stages"][1]["timescale"] = "1 working day"
    data["stages"][1]["title"] = "Renamed"
    ours.write_text(yaml.safe_dump(data))
    after = DisputeService(clock=clock, calendar=calendar, catalog=ProtocolCatalog(ours))
    entry = after.escalate(session=session, dispute=dispute, actor=people["pol_dc"], reason="Up")

    assert after.protocol_of(dispute).stages[1].title == "First line managers"
    # 5 working days from Monday 23 Nov, as the protocol said when the dispute opened.
    assert entry.transition.deadline_at == calendar.due(
        clock.now(),
        after.protocol_of(dispute).stages[1].timescale,  # type: ignore[arg-type]
    )
    assert after.protocol_of(dispute).stages[1].timescale.working_days == 5  # type: ignore[union-attr]


def test_concurrent_openings_get_distinct_consecutive_references(
    factory: sessionmaker[Session], session: Session, people, service: DisputeService
):
    session.commit()
    ids = {key: person.id for key, person in people.items()}
    references: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait()
            with transaction(factory) as own:
                raiser = own.get(Person, ids["pol_dc"])
                counterpart = own.get(Person, ids["csc_sw"])
                entry = open_dispute(service, own, {"pol_dc": raiser, "csc_sw": counterpart})
                references.append(entry.transition.dispute.reference)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(references) == [f"RPD-2026-{n:04d}" for n in range(1, 9)]


def test_audit_events_cannot_be_edited_or_deleted(session: Session, people, service):
    open_dispute(service, session, people)
    session.commit()
    event = session.scalars(select(AuditEvent)).first()
    assert event is not None
    event.kind = "tampered"
    with pytest.raises(AuditTamperingError):
        session.flush()
    session.rollback()
    event = session.scalars(select(AuditEvent)).first()
    session.delete(event)
    with pytest.raises(AuditTamperingError):
        session.flush()


def test_a_failed_step_rolls_back_everything(factory, session, people, service):
    session.commit()
    with pytest.raises(ValueError), transaction(factory) as own:
        raiser = own.get(Person, people["pol_dc"].id)
        counterpart = own.get(Person, people["csc_sw"].id)
        open_dispute(service, own, {"pol_dc": raiser, "csc_sw": counterpart})
        raise ValueError("delivery failed")
    with factory() as fresh:
        assert fresh.scalars(select(Dispute)).all() == []
        assert fresh.scalars(select(AuditEvent)).all() == []


def test_migrations_describe_the_whole_schema(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
