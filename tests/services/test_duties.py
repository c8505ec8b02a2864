"""Which side each duty binds, who may tick it, and what happens when a duty's own time runs out."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FrozenClock
from bot.flows.sweep import Sweeper
from bot.protocols import ProtocolCatalog
from bot.services.disputes import DisputeService
from bot.services.duty_list import current_duties
from bot.services.errors import DomainError, NotFound
from bot.services.notifications import Notifier
from bot.settings import load_settings
from bot.working_days import WorkingCalendar
from models.audit import AuditEvent
from models.directory import Person
from models.dispute import Dispute
from models.duties import DutyCompletion
from models.outbox import OutboxMessage
from models.schedule import Reminder, ReminderKind, ReminderStatus
from tests.conftest import london
from tests.services.test_disputes import open_dispute

WRITTEN_RESPONSE = "Give a written response."
TELL_THE_OTHER_AGENCY = "Formally tell the other agency"


def oxfordshire(service: DisputeService, session: Session, people: dict[str, Person]) -> Dispute:
    entry = open_dispute(
        service, session, people, protocol_key="oxfordshire", category="referral-criteria"
    )
    return entry.transition.dispute


def by_text(dispute: Dispute, calendar: WorkingCalendar, words: str):
    [item] = [i for i in current_duties(dispute, calendar) if words in i.duty.text]
    return item


def test_escalating_by_hand_binds_that_side_and_the_other_side_must_respond(
    service, session, people, clock, calendar
):
    dispute = oxfordshire(service, session, people)
    clock.set(london(2026, 11, 24, 9, 0))
    service.escalate(session=session, dispute=dispute, actor=people["pol_dc"], reason="No change")
    tell = by_text(dispute, calendar, TELL_THE_OTHER_AGENCY)
    assert tell.sides == ("raiser",) and tell.due_at is None
    response = by_text(dispute, calendar, WRITTEN_RESPONSE)
    # Step 2: a written response within 5 working days, from the agency challenged.
    assert response.sides == ("counterpart",)
    assert response.due_at == london(2026, 12, 1, 17, 0)
    planned = session.scalars(
        select(Reminder).where(
            Reminder.kind == ReminderKind.DUTY.value, Reminder.label == response.key
        )
    ).all()
    assert sorted((r.sequence, r.due_at) for r in planned) == [
        (1, london(2026, 11, 30, 17, 0)),
        (2, london(2026, 12, 1, 17, 0)),
    ]


def test_a_lapsed_stage_binds_both_sides_to_the_escalators_duties(
    service, session, people, clock, calendar
):
    dispute = oxfordshire(service, session, people)
    clock.set(london(2026, 11, 30, 17, 0))
    assert service.escalate_lapsed(session=session, dispute=dispute) is not None
    assert by_text(dispute, calendar, TELL_THE_OTHER_AGENCY).sides == ("raiser", "counterpart")


def test_the_escalators_line_manager_acts_for_the_escalating_side(
    service, session, people, clock, calendar
):
    dispute = oxfordshire(service, session, people)
    service.escalate(session=session, dispute=dispute, actor=people["csc_sw"], reason="Stuck")
    tell = by_text(dispute, calendar, TELL_THE_OTHER_AGENCY)
    assert tell.sides == ("counterpart",)
    # The counterpart's team manager was given this stage's notice for that side: they may tick.
    service.set_duty_done(
        session=session, dispute=dispute, actor=people["csc_tm"], key=tell.key, done=True
    )
    with pytest.raises(DomainError, match="Only people acting for Northshire Children's"):
        service.set_duty_done(
            session=session, dispute=dispute, actor=people["pol_ls"], key=tell.key, done=True
        )


def test_refusals_change_nothing(service, session, people, calendar):
    dispute = oxfordshire(service, session, people)
    consult = by_text(dispute, calendar, "First consult co-workers")
    events = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    with pytest.raises(DomainError, match="Only people acting for Northshire Police"):
        service.set_duty_done(
            session=session, dispute=dispute, actor=people["csc_sw"], key=consult.key, done=True
        )
    with pytest.raises(NotFound):
        service.set_duty_done(
            session=session, dispute=dispute, actor=people["hv"], key=consult.key, done=True
        )
    with pytest.raises(DomainError, match="not part of the current stage"):
        service.set_duty_done(
            session=session,
            dispute=dispute,
            actor=people["pol_dc"],
            key="line-manager.000000000000",
            done=True,
        )
    assert session.scalars(select(DutyCompletion)).all() == []
    latest = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert latest == events


def test_ticking_twice_is_recorded_once(service, session, people, calendar):
    dispute = oxfordshire(service, session, people)
    consult = by_text(dispute, calendar, "First consult co-workers")
    for _ in range(2):
        service.set_duty_done(
            session=session, dispute=dispute, actor=people["pol_dc"], key=consult.key, done=True
        )
    kinds = session.scalars(select(AuditEvent.kind)).all()
    assert kinds.count("duty_done") == 1


@pytest.fixture
def tight_duty(tmp_path: Path, repo_root: Path) -> Path:
    """Suffolk as a partnership might adapt it: the discussion duty due in 2 working days."""
    data = yaml.safe_load((repo_root / "bot/presets/suffolk.yaml").read_text())
    data["stages"][0]["duties"][1]["within"] = "2 working days"
    path = tmp_path / "suffolk.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_an_overdue_duty_is_reported_to_the_sides_and_the_leads(
    factory: sessionmaker[Session],
    session: Session,
    people: dict[str, Person],
    clock: FrozenClock,
    calendar: WorkingCalendar,
    tight_duty: Path,
) -> None:
    service = DisputeService(clock=clock, calendar=calendar, catalog=ProtocolCatalog(tight_duty))
    settings = load_settings(leads_channel="C0LEADS", admins_channel="C0ADMINS")
    notifier = Notifier(clock=clock, calendar=calendar, settings=settings)
    sweeper = Sweeper(factory=factory, service=service, notifier=notifier, clock=clock)
    dispute = open_dispute(service, session, people).transition.dispute
    item = by_text(dispute, calendar, "Resolve the difference")
    assert item.due_at == london(2026, 11, 25, 17, 0)
    service.set_duty_done(
        session=session, dispute=dispute, actor=people["csc_sw"], key=item.key, done=True
    )
    session.commit()

    clock.set(london(2026, 11, 24, 17, 0))  # a working day before: the police are reminded
    sweeper.run_once()
    clock.set(london(2026, 11, 25, 17, 0))
    sweeper.run_once()
    with factory() as check:
        rows = check.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        soon = [r for r in rows if "a duty on" in r.payload["text"]]
        overdue = [r for r in rows if "a duty is overdue" in r.payload["text"]]
        assert {r.person_id for r in soon} == {people["pol_dc"].id}
        assert {r.person_id for r in overdue} == {people["pol_dc"].id, None}
        assert any(r.channel == "C0LEADS" for r in overdue)
        assert "Northshire Police have not ticked it" in str(overdue[0].payload["blocks"])
        late = [b for b in overdue[0].payload["blocks"] if "have not ticked" in str(b)]
        assert late and "Northshire Children" not in str(late)


def test_closing_the_dispute_cancels_duty_reminders(service, session, people, calendar):
    dispute = oxfordshire(service, session, people)
    service.resolve(
        session=session,
        dispute=dispute,
        actor=people["csc_sw"],
        outcome="resolved",
        summary="Agreed to re-screen.",
        actions=[],
    )
    pending = session.scalars(
        select(Reminder).where(
            Reminder.kind == ReminderKind.DUTY.value, Reminder.status == ReminderStatus.PENDING
        )
    ).all()
    assert pending == []
