"""The practice committee's queue: a resolution's learning or referral becomes an open item in
the same transaction; only leads and admins decide on it, once; the record says what they did."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import FrozenClock
from bot.services.disputes import DisputeService
from bot.services.errors import DomainError
from bot.services.record import render_record
from bot.services.retention import apply_retention
from bot.services.subject_access import export_person
from bot.working_days import WorkingCalendar
from models.audit import AuditEvent
from models.directory import Person
from models.learning import LearningItem
from tests.services.conftest import add_person
from tests.services.test_disputes import open_dispute


def resolve(service: DisputeService, session: Session, people: dict[str, Person], **kw: object):
    dispute = open_dispute(service, session, people).transition.dispute
    return service.resolve(
        session=session,
        dispute=dispute,
        actor=people["csc_sw"],
        outcome="resolved",
        summary="Agreed to convene a strategy discussion.",
        **kw,  # type: ignore[arg-type]
    )


def items(session: Session) -> list[LearningItem]:
    return list(session.scalars(select(LearningItem).order_by(LearningItem.id)))


def decisions(session: Session) -> int:
    kind = AuditEvent.kind == "learning_decided"
    return session.scalar(select(func.count()).select_from(AuditEvent).where(kind)) or 0


def test_learning_given_at_resolution_opens_an_item_with_it(service, session, people):
    resolution = resolve(service, session, people, learning="Share the referral form changes.")
    (item,) = items(session)
    assert item.resolution is resolution
    assert item.dispute is resolution.dispute
    assert item.state == "open" and item.decided_by is None and item.decided_at is None
    assert item.created_at == resolution.resolved_at


def test_a_referral_without_learning_text_still_opens_an_item(service, session, people):
    resolve(service, session, people, refer_to_partnership=True)
    (item,) = items(session)
    assert item.resolution.learning is None
    assert item.is_open


def test_no_learning_and_no_referral_queue_nothing(service, session, people):
    resolve(service, session, people, learning="   ")
    assert items(session) == []


def test_a_refused_resolution_leaves_no_item(service, session, people):
    with pytest.raises(DomainError, match="child"):
        resolve(service, session, people, learning="Learning about CS-104233 and the form.")
    assert items(session) == []


def test_a_lead_marks_it_reviewed_once_and_the_record_says_who_and_when(
    service: DisputeService,
    session: Session,
    people: dict[str, Person],
    clock: FrozenClock,
    calendar: WorkingCalendar,
):
    lead = add_person(
        session, people["csc_hos"].agency, "csc_lead", "safeguarding_lead", "Safeguarding Lead"
    )
    resolution = resolve(service, session, people, learning="Share the referral form changes.")
    (item,) = items(session)
    clock.advance(timedelta(days=1))
    service.decide_learning(session=session, item_id=item.id, actor=lead, state="reviewed")
    assert (item.state, item.decided_by, item.decided_at) == ("reviewed", lead, clock.now())
    assert decisions(session) == 1

    with pytest.raises(DomainError, match="already reviewed by Csc Lead on Tuesday 24"):
        service.decide_learning(
            session=session, item_id=item.id, actor=lead, state="needs_discussion"
        )
    assert item.state == "reviewed" and decisions(session) == 1
    record = render_record(session, dispute=resolution.dispute, calendar=calendar)
    assert (
        "- **Practice committee:** Learning reviewed by Csc Lead on Tuesday 24 November 2026 "
        "at 10:00am (GMT)" in record
    )


def test_the_chair_may_mark_it_as_needing_discussion(service, session, people, calendar):
    resolution = resolve(service, session, people, refer_to_partnership=True)
    (item,) = items(session)
    record = render_record(session, dispute=resolution.dispute, calendar=calendar)
    assert "- **Practice committee:** Learning waiting for review" in record
    service.decide_learning(
        session=session, item_id=item.id, actor=people["chair"], state="needs_discussion"
    )
    assert item.state == "needs_discussion" and item.decided_by is people["chair"]
    record = render_record(session, dispute=resolution.dispute, calendar=calendar)
    assert "Learning marked as needing discussion by Chair on Monday 23 November" in record


def test_a_practitioner_cannot_decide_or_list_and_nothing_changes(service, session, people):
    resolve(service, session, people, learning="Share the referral form changes.")
    (item,) = items(session)
    for person in (people["csc_sw"], people["pol_hos"]):
        with pytest.raises(DomainError, match="Only safeguarding leads and partnership admins"):
            service.decide_learning(
                session=session, item_id=item.id, actor=person, state="reviewed"
            )
        with pytest.raises(DomainError, match="Nothing has changed"):
            service.open_learning(session, person, limit=10)
    assert item.is_open and decisions(session) == 0


def test_an_admin_outside_the_partnership_is_not_the_committee(service, session, people):
    stray = add_person(
        session, people["csc_hos"].agency, "stray", "partnership_admin", "Business Support"
    )
    resolve(service, session, people, learning="Share the referral form changes.")
    (item,) = items(session)
    with pytest.raises(DomainError, match="Only safeguarding leads"):
        service.decide_learning(session=session, item_id=item.id, actor=stray, state="reviewed")


def test_an_unknown_decision_changes_nothing(service, session, people):
    resolve(service, session, people, learning="Share the referral form changes.")
    (item,) = items(session)
    with pytest.raises(DomainError, match="not valid any more"):
        service.decide_learning(
            session=session, item_id=item.id, actor=people["chair"], state="open"
        )
    assert item.is_open


def test_the_open_list_is_capped_oldest_first_with_its_total(service, session, people, clock):
    for n in range(3):
        clock.advance(timedelta(hours=1))
        resolve(service, session, people, learning=f"Lesson {n} about the referral form.")
    first, second, third = items(session)
    service.decide_learning(
        session=session, item_id=second.id, actor=people["chair"], state="reviewed"
    )
    shown = service.open_learning(session, people["chair"], limit=1)
    assert list(shown) == [first] and shown.total == 2
    assert list(service.open_learning(session, people["chair"], limit=10)) == [first, third]


def test_a_decision_is_in_the_deciders_export_without_the_learning(service, session, people):
    resolve(service, session, people, learning="Share the referral form changes.")
    (item,) = items(session)
    service.decide_learning(
        session=session, item_id=item.id, actor=people["chair"], state="reviewed"
    )
    session.commit()
    document = export_person(session, email="chair@example.org")
    assert document["learning_decided"] == [
        {"dispute": "RPD-2026-0001", "decision": "reviewed", "at": "2026-11-23T10:00:00+00:00"}
    ]
    assert ("learning_decided", "acted") in [
        (e["event"], e["you"]) for e in document["audit_events"]
    ]
    assert "referral form changes" not in json.dumps(document)


def test_retention_erases_the_item_with_its_dispute(service, session, people, clock, calendar):
    resolve(service, session, people, refer_to_partnership=True)
    session.commit()
    apply_retention(
        session,
        now=clock.now() + timedelta(days=7 * 366),
        period=relativedelta(years=6),
        period_text="6 years",
        calendar=calendar,
    )
    session.commit()
    assert items(session) == []
